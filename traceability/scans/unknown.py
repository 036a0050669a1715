"""Look-ups of codes the producer never registered under a GTIN the shop knows (the resolver's walk-up).

The resolver answers such a code with its product's links, as the GS1-Conformant resolver
standard asks, and a page saying plainly that the lot or serial is not registered. Each of those
page views is kept here so the producer of the product and the office see where invented or
copied codes turn up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.extensions import db
from traceability.models import UnknownCodeScan


def record_unknown_scan(
    product: Product,
    scanned_code: str,
    *,
    batch_id: int | None = None,
    region: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> UnknownCodeScan:
    """Keep one look-up of an unregistered lot or serial of `product`; flushes, never commits."""
    scan = UnknownCodeScan(
        product_id=product.id,
        batch_id=batch_id,
        scanned_code=(scanned_code or "")[:300],
        region=(region or "").replace("\x00", "").strip()[:40],
        user_agent=(user_agent or "").replace("\x00", "")[:200],
    )
    if now is not None:
        scan.scanned_at = now
    db.session.add(scan)
    db.session.flush()
    return scan


@dataclass(frozen=True)
class UnknownCodeSummary:
    """One unregistered code as the producer and the office see it: how often, first and last."""

    scanned_code: str
    product_name: str
    count: int
    first_at: datetime
    last_at: datetime


def unknown_code_summaries(*, producer_id: int | None = None, limit: int = 50) -> list[UnknownCodeSummary]:
    """Unregistered codes looked up, most recent first (all producers' for the office)."""
    last = func.max(UnknownCodeScan.scanned_at)
    query = (
        select(
            UnknownCodeScan.scanned_code,
            Product.name_vi,
            func.count(UnknownCodeScan.id),
            func.min(UnknownCodeScan.scanned_at),
            last,
        )
        .join(Product, Product.id == UnknownCodeScan.product_id)
        .group_by(UnknownCodeScan.scanned_code, Product.name_vi)
        .order_by(last.desc())
        .limit(limit)
    )
    if producer_id is not None:
        query = query.where(Product.producer_id == producer_id)
    return [UnknownCodeSummary(*row) for row in db.session.execute(query)]

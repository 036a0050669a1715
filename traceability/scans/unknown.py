"""Look-ups of codes the producer never registered under a GTIN the shop knows (the resolver's walk-up).

The resolver answers such a code with its product's links, as the GS1-Conformant resolver
standard asks, and a page saying plainly that the lot or serial is not registered. Each of those
page views is kept here so the producer of the product and the office see where invented or
copied codes turn up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import delete, func, select

from storefront.catalog.models import Product
from storefront.clock import VIETNAM_TZ
from storefront.columns import utcnow
from storefront.extensions import db
from traceability.models import UnknownCodeScan
from traceability.scans.recording import device_hash


def record_unknown_scan(
    product: Product,
    scanned_code: str,
    *,
    batch_id: int | None = None,
    region: str = "",
    user_agent: str = "",
    device: str | None = None,
    now: datetime | None = None,
) -> UnknownCodeScan:
    """Keep a look-up of an unregistered lot or serial of `product`; flushes, never commits.

    One row per code, device and Vietnam day: a phone reloading the walk-up page (or a script
    hammering one code) adds to that row's look_ups instead of adding rows. `device` is the
    day's salted device hash (recording.device_hash); by default it is made from the request.
    """
    now = now or utcnow()
    day = now.astimezone(VIETNAM_TZ).date()
    code = (scanned_code or "")[:300]
    if device is None:
        device = _request_device(day)
    found = db.session.scalars(
        select(UnknownCodeScan)
        .where(UnknownCodeScan.scanned_code == code, UnknownCodeScan.day == day, UnknownCodeScan.device_hash == device)
        .limit(1)
    ).first()
    if found is not None:
        found.look_ups += 1
        found.last_scanned_at = now
        db.session.flush()
        return found
    scan = UnknownCodeScan(
        product_id=product.id,
        batch_id=batch_id,
        scanned_code=code,
        region=(region or "").replace("\x00", "").strip()[:40],
        user_agent=(user_agent or "").replace("\x00", "")[:200],
        device_hash=device,
        day=day,
        look_ups=1,
        scanned_at=now,
        last_scanned_at=now,
    )
    db.session.add(scan)
    db.session.flush()
    return scan


def _request_device(day) -> str:
    if not has_request_context():
        return ""
    environ = request.environ
    return device_hash(
        user_agent=environ.get("HTTP_USER_AGENT", ""),
        address=environ.get("REMOTE_ADDR", ""),
        accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        secret=current_app.config["SECRET_KEY"],
        day=day,
    )


def purge_unknown_scans(*, days: int | None = None, now: datetime | None = None) -> int:
    """Delete look-ups older than `days` (UNKNOWN_SCAN_RETENTION_DAYS, default 365); return how many rows went."""
    if days is None:
        days = int(current_app.config.get("UNKNOWN_SCAN_RETENTION_DAYS", 365))
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    removed = db.session.execute(delete(UnknownCodeScan).where(UnknownCodeScan.scanned_at < cutoff)).rowcount
    db.session.commit()
    return removed or 0


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
    last = func.max(func.coalesce(UnknownCodeScan.last_scanned_at, UnknownCodeScan.scanned_at))
    query = (
        select(
            UnknownCodeScan.scanned_code,
            Product.name_vi,
            func.sum(UnknownCodeScan.look_ups),
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

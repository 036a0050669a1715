"""What a scanned code names: the published batch (and stamp) of a Digital Link or short path, or the product of a GTIN."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from storefront.catalog.models import Product
from storefront.extensions import db
from traceability.errors import NotRegistered
from traceability.identifiers import codes, digital_link
from traceability.identifiers.digital_link import DigitalLinkError, parse_path
from traceability.models import Batch, Stamp
from traceability.stamps.services import lot_stamp
from traceability.stamps.urls import ORIGIN_PREFIX


def _published_batch_query():
    # An origin page shows all of these: load them with the batch (4 queries, not ~12 lazy ones).
    return (
        select(Batch)
        .where(Batch.is_published.is_(True))
        .options(
            joinedload(Batch.product).joinedload(Product.producer),
            joinedload(Batch.product).selectinload(Product.images),
            joinedload(Batch.product).selectinload(Product.certificates),
            selectinload(Batch.events),
        )
    )


def _stamp_of(batch: Batch, serial: str | None) -> Stamp | None:
    if serial is None:
        # Lot-level URL: the batch-level stamp, if one was issued, collects its scans.
        return lot_stamp(batch)
    stamp = db.session.scalar(select(Stamp).where(Stamp.batch_id == batch.id, Stamp.serial == serial))
    if stamp is None:
        raise NotRegistered(serial)
    return stamp


def find_by_link(link: digital_link.DigitalLink) -> tuple[Batch, Stamp | None]:
    """Return the published batch (and stamp) a Digital Link with a lot names.

    :raises NotRegistered: for an unknown GTIN, lot or serial.
    """
    batch = db.session.scalar(
        _published_batch_query().join(Batch.product).where(Product.gtin == link.gtin, Batch.lot_code == link.lot)
    )
    if batch is None:
        raise NotRegistered(link.path)
    return batch, _stamp_of(batch, link.serial)


def find_by_short_code(code: str, serial: str | None = None) -> tuple[Batch, Stamp | None]:
    """Return the published batch (and stamp) of a non-GS1 short path /t/{code}[/{serial}].

    :raises NotRegistered: for an unknown or malformed code or serial.
    """
    try:
        code = codes.parse_short_code(code)
    except digital_link.DigitalLinkError:
        raise NotRegistered(code) from None
    batch = db.session.scalar(_published_batch_query().where(Batch.short_code == code))
    if batch is None:
        raise NotRegistered(code)
    return batch, _stamp_of(batch, serial)


def is_unpublished_stamp(
    *, gtin: str | None = None, lot: str | None = None, short_code: str | None = None, serial: str | None = None
) -> bool:
    """Whether a code names a lot its producer has not published yet (and, with a serial, one of its stamps)."""
    query = select(Batch.id).where(Batch.is_published.is_(False))
    if short_code is not None:
        query = query.where(Batch.short_code == short_code)
    else:
        query = query.join(Batch.product).where(Product.gtin == gtin, Batch.lot_code == lot)
    if serial is not None:
        query = query.join(Stamp, Stamp.batch_id == Batch.id).where(Stamp.serial == serial)
    return db.session.scalar(query.limit(1)) is not None


def published_batch_id(gtin: str, lot: str | None) -> int | None:
    """The id of the published lot of a GTIN (for a scan of one of its unregistered serials), or None."""
    if lot is None:
        return None
    return db.session.scalar(
        select(Batch.id)
        .join(Batch.product)
        .where(Product.gtin == gtin, Batch.lot_code == lot, Batch.is_published.is_(True))
    )


def find_product_by_gtin(gtin: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.gtin == gtin))


def find_by_code(code: str) -> tuple[Batch, Stamp | None]:
    """Return (batch, stamp) for a scanned path ("/01/…?17=…", its origin page "/origin/01/…" or "/t/…").

    :raises NotRegistered: for anything that does not resolve.
    """
    path, _sep, query = code.partition("?")
    path = path.removeprefix(ORIGIN_PREFIX)
    if path.startswith("/t/"):
        code_part, _sep, serial = path[3:].partition("/")
        return find_by_short_code(code_part, serial or None)
    try:
        link, _non_canonical = parse_path(path, query)
    except DigitalLinkError:
        raise NotRegistered(code) from None
    if link.lot is None:
        raise NotRegistered(code)
    return find_by_link(link)

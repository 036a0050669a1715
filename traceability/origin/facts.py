"""The look-up every scan makes: a published lot's (and stamp's) live facts in one query."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, bindparam, exists, select

from storefront.catalog.models import Producer, ProducerStatus, Product
from storefront.extensions import db
from traceability.errors import NotRegistered
from traceability.models import Batch, OriginVersion, Stamp, StampDevice
from traceability.origin.raw_query import RawQuery
from traceability.scans.recording import StampState


@dataclass(frozen=True)
class OriginHit:
    """What an origin page needs live on every scan; everything else comes from the cached view."""

    batch_id: int
    in_programme: bool
    recalled_at: datetime | None
    recall_reason: str
    stamp: StampState | None
    #: origin_versions as read with the stamp (cache.py): a cached description built under another is stale.
    origin_version: int | None = None


@functools.cache
def _origin_query(by_short_code: bool, with_serial: bool) -> RawQuery:
    # Built once per shape (values are bound parameters): a scan spends no time building SQL.
    stamp_match = Stamp.serial == bindparam("serial") if with_serial else Stamp.serial.is_(None)
    query = (
        select(
            Batch.id,
            Batch.recalled_at,
            Batch.recall_reason,
            Product.is_hidden,
            Producer.status,
            Stamp.id.label("stamp_id"),
            Stamp.serial,
            Stamp.pin_hash.is_not(None).label("has_pin"),
            Stamp.pin_verified_at,
            Stamp.scan_count,
            Stamp.first_scanned_at,
            (Stamp.device_count - Stamp.devices_at_clear).label("devices"),
            Stamp.is_display,
            Stamp.warning_cleared_at,
            exists()
            .where(StampDevice.stamp_id == Stamp.id, StampDevice.device_hash == bindparam("device", "", type_=String))
            .label("device_known"),
            select(OriginVersion.version).where(OriginVersion.id == 1).scalar_subquery().label("origin_version"),
        )
        .join(Product, Product.id == Batch.product_id)
        .join(Producer, Producer.id == Product.producer_id)
        .outerjoin(Stamp, (Stamp.batch_id == Batch.id) & stamp_match)
        .where(Batch.is_published.is_(True))
    )
    if not with_serial:  # a lot may have several lot-level stamps: the first; a serial is unique in its lot
        query = query.order_by(Stamp.id).limit(1)
    if by_short_code:
        return RawQuery(query.where(Batch.short_code == bindparam("short_code")))
    return RawQuery(query.where(Product.gtin == bindparam("gtin"), Batch.lot_code == bindparam("lot")))


def find_origin(
    *,
    gtin: str | None = None,
    lot: str | None = None,
    short_code: str | None = None,
    serial: str | None = None,
    device: str = "",
    raw: bool = False,
    engine=None,
) -> OriginHit:
    """Return the live facts of a published lot (and stamp) in one query, for the origin page.

    raw=True reads outside the session, on the thread's own connection (raw_query.py): for
    scans that the scan writer records later, so the request has no transaction of its own.
    `engine` (default db.engine) lets a caller without an app context read raw. `device` is the
    scanning device's hash (device_hash): the stamp state says whether it was counted already.

    :raises NotRegistered: for an unknown GTIN, lot, short code or serial.
    """
    query = _origin_query(short_code is not None, serial is not None)
    params = {"short_code": short_code} if short_code is not None else {"gtin": gtin, "lot": lot}
    params["device"] = device
    if serial is not None:
        params["serial"] = serial
    if raw and engine is None:
        engine = db.engine
    if raw and query.usable(engine):
        row = query.first(engine, params)
    else:  # Core execution on the session's connection, in the transaction that counts the scan
        found = db.session.connection().execute(query.statement, params).first()
        row = found._asdict() if found is not None else None
    if row is None or (serial is not None and row["stamp_id"] is None):
        raise NotRegistered(serial or short_code or lot or "")
    stamp = None
    if row["stamp_id"] is not None:
        stamp = StampState(
            row["stamp_id"],
            row["serial"],
            bool(row["has_pin"]),
            row["pin_verified_at"],
            row["scan_count"],
            row["first_scanned_at"],
            row["devices"],
            bool(row["is_display"]),
            row["warning_cleared_at"],
            bool(row["device_known"]),
        )
    return OriginHit(
        batch_id=row["id"],
        in_programme=row["status"] == ProducerStatus.APPROVED and not row["is_hidden"],
        recalled_at=row["recalled_at"],
        recall_reason=row["recall_reason"],
        stamp=stamp,
        origin_version=row["origin_version"],
    )

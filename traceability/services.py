"""Scans: the origin look-up of a scanned code, counting scans, copy warnings and display stamps."""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _
from sqlalchemy import String, bindparam, exists, func, insert, select, update
from sqlalchemy.orm import attributes, joinedload, selectinload

from storefront.catalog.models import Producer, ProducerStatus, Product
from storefront.clock import VIETNAM_TZ
from storefront.columns import UTCDateTime, utcnow
from storefront.extensions import db
from traceability.errors import InvalidStampRequest, NotRegistered
from traceability.models import (
    Batch,
    OriginVersion,
    Scan,
    Stamp,
    StampDevice,
)
from traceability.raw_query import RawQuery
from traceability.scan_buffer import INSERT_DEVICE, PendingScan, ScanBuffer

_SCAN_WINDOW = timedelta(hours=24)


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


@dataclass
class StampState:
    """The counters of one stamp as read (and then counted) on a scan; what scan_warning reads."""

    id: int
    serial: str | None
    has_pin: bool
    pin_verified_at: datetime | None
    scan_count: int
    first_scanned_at: datetime | None
    #: Distinct devices since the last clearing (device_count - devices_at_clear).
    devices: int = 0
    is_display: bool = False
    warning_cleared_at: datetime | None = None
    #: Whether the scanning device's row for the stamp was already stored when it was looked up.
    device_known: bool = False


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


def load_origin_batch(batch_id: int) -> Batch:
    """Load a batch with everything its origin page shows, in one joined query plus two small ones."""
    return db.session.scalars(
        select(Batch)
        .where(Batch.id == batch_id)
        .options(
            joinedload(Batch.product).joinedload(Product.producer),
            joinedload(Batch.product).selectinload(Product.images),
            joinedload(Batch.product).selectinload(Product.certificates),
            selectinload(Batch.events),
        )
    ).one()


_stamps, _scans = Stamp.__table__, Scan.__table__
# SQL-side increment (concurrent scans never lose a count), returning the counted values.
_COUNT_STAMP = (
    update(_stamps)
    .where(_stamps.c.id == bindparam("stamp_id"))
    .values(
        scan_count=_stamps.c.scan_count + 1,
        first_scanned_at=func.coalesce(_stamps.c.first_scanned_at, bindparam("now", type_=UTCDateTime)),
        last_scanned_at=bindparam("now", type_=UTCDateTime),
        device_count=_stamps.c.device_count + bindparam("new_devices"),
    )
    .returning(
        _stamps.c.scan_count,
        _stamps.c.first_scanned_at,
        (_stamps.c.device_count - _stamps.c.devices_at_clear).label("devices"),
    )
)
_INSERT_SCAN = insert(_scans)
_DEVICE_FIELD_SEP = "\x1f"


@functools.lru_cache(maxsize=4)
def _day_salt(secret: str, day: date) -> bytes:
    return hmac.new(secret.encode(), b"ocop-scan-device:" + day.isoformat().encode(), hashlib.sha256).digest()


def device_hash(*, user_agent: str, address: str, accept_language: str, secret: str, day: date) -> str:
    """Return the day's anonymous name of a scanning device: 32 hex characters.

    The salt is derived from SECRET_KEY and the Vietnam date, so it rotates daily: a phone's
    scans on one day share a hash, its scans on two days cannot be linked, and no stored value
    leads back to the address (which is never stored). Phones behind one carrier NAT address
    with the same browser and languages count as one: the count errs towards no warning.
    """
    material = _DEVICE_FIELD_SEP.join((user_agent or "", address or "", accept_language or ""))
    # Keyed BLAKE2b is a MAC in one C call (HMAC in Python costs a scan a few µs more).
    return hashlib.blake2b(material.encode("utf-8", "replace"), key=_day_salt(secret, day), digest_size=16).hexdigest()


def relax_commit_durability() -> None:
    """Let this transaction's commit return before PostgreSQL flushes its WAL to disk.

    For a transaction that only records scans: a crash may lose the last moment's scans, never
    corrupt anything (PostgreSQL's synchronous_commit=off, like SQLite's synchronous=NORMAL).
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def count_scan(
    batch_id: int,
    stamp: StampState | None,
    *,
    region: str = "",
    user_agent: str = "",
    device: str = "",
    day: date | None = None,
    now: datetime | None = None,
    buffer: ScanBuffer | None = None,
) -> None:
    """Count one look-up: queued in `buffer` (scan_buffer.py), or written now with Core statements
    (the device's row if new, an UPDATE … RETURNING of the stamp and an INSERT).

    `device` is the day's hash of the scanning device (device_hash; "" counts no device) and
    `day` its Vietnam date. The stamp state gets the counted values; no ORM object is loaded or
    flushed; no IP is kept. A scan refused by the rate limit never reaches here.
    """
    now = now or utcnow()
    # A NUL cannot be stored in a PostgreSQL text column: a header carrying one must not stop the write.
    region = (region or "").replace("\x00", "").strip()[:40]
    user_agent = (user_agent or "").replace("\x00", "")[:200]
    if stamp is None or stamp.serial is None or stamp.device_known:
        device = ""  # a lot-level code is shared by every unit: its devices prove nothing; or counted already
    day = day or now.astimezone(VIETNAM_TZ).date()
    if buffer is not None:
        unwritten, first, devices = buffer.add(
            PendingScan(stamp.id if stamp is not None else None, batch_id, now, region, user_agent, device, day),
            new_device=bool(device),
        )
        if stamp is not None:
            stamp.scan_count += unwritten
            stamp.first_scanned_at = stamp.first_scanned_at or first
            stamp.devices += devices
        return
    connection = db.session.connection()
    if stamp is not None:
        new_devices = 0
        if device:
            new_devices = connection.execute(
                INSERT_DEVICE, {"stamp_id": stamp.id, "device_hash": device, "day": day}
            ).rowcount
        row = connection.execute(_COUNT_STAMP, {"stamp_id": stamp.id, "now": now, "new_devices": new_devices}).one()
        stamp.scan_count, stamp.first_scanned_at, stamp.devices = row.scan_count, row.first_scanned_at, row.devices
    connection.execute(
        _INSERT_SCAN,
        {
            "stamp_id": stamp.id if stamp is not None else None,
            "batch_id": batch_id,
            "scanned_at": now,
            "region": region,
            "user_agent": user_agent,
        },
    )


def stored_counters(stamp_id: int) -> tuple[int, datetime | None, int]:
    """Return a stamp's stored scan count, first scan time and devices since clearing, read now."""
    row = db.session.execute(
        select(Stamp.scan_count, Stamp.first_scanned_at, Stamp.device_count - Stamp.devices_at_clear).where(
            Stamp.id == stamp_id
        )
    ).one()
    return row[0], row[1], row[2]


# --- scans and copy warnings ------------------------------------------------------------


def origin_hit(batch: Batch, stamp: Stamp | None) -> OriginHit:
    """Return the live origin-page facts of an already loaded batch and stamp."""
    state = None
    if stamp is not None:
        state = StampState(
            stamp.id,
            stamp.serial,
            stamp.pin_hash is not None,
            stamp.pin_verified_at,
            stamp.scan_count,
            stamp.first_scanned_at,
            stamp.device_count - stamp.devices_at_clear,
            stamp.is_display,
            stamp.warning_cleared_at,
        )
    product = batch.product
    return OriginHit(
        batch_id=batch.id,
        in_programme=product.producer.status == ProducerStatus.APPROVED and not product.is_hidden,
        recalled_at=batch.recalled_at,
        recall_reason=batch.recall_reason,
        stamp=state,
    )


def record_scan(
    batch: Batch,
    stamp: Stamp | None,
    *,
    region: str = "",
    user_agent: str = "",
    device: str = "",
    now: datetime | None = None,
) -> None:
    """Count one look-up of a loaded stamp (count_scan), showing the new counters on it not dirty."""
    now = now or utcnow()
    state = origin_hit(batch, stamp).stamp
    count_scan(batch.id, state, region=region, user_agent=user_agent, device=device, now=now)
    if stamp is not None:
        # Show the counted values without marking the stamp dirty (no second UPDATE on flush).
        attributes.set_committed_value(stamp, "device_count", state.devices + stamp.devices_at_clear)
        attributes.set_committed_value(stamp, "scan_count", state.scan_count)
        attributes.set_committed_value(stamp, "first_scanned_at", state.first_scanned_at)
        attributes.set_committed_value(stamp, "last_scanned_at", now)


def _warning_facts(stamp: Stamp | StampState) -> tuple[int, bool, datetime | None]:
    if isinstance(stamp, Stamp):
        return stamp.device_count - stamp.devices_at_clear, stamp.is_display, stamp.warning_cleared_at
    return stamp.devices, stamp.is_display, stamp.warning_cleared_at


def scan_warning(
    stamp: Stamp | StampState | None,
    *,
    now: datetime | None = None,
    threshold: int | None = None,
    check_regions: bool = True,
    unwritten_regions: Iterable[str] = (),
) -> str | None:
    """Return why a serialized stamp looks copied ("devices" or "regions"), or None.

    Evidence, not volume: more distinct devices than SCAN_WARNING_THRESHOLD (a phone's repeats
    count once a day, scans over the rate limit never), or two regions within 24 hours as a
    trusted proxy reported them. Devices and regions count from the last clearing on. A
    lot-level (or batch-level) code is shared by every unit, and a display unit is scanned by
    many on purpose: neither warns. check_regions=False skips the regions query (no trusted
    region header); unwritten_regions are those of this worker's scans of the stamp not yet written.
    """
    if stamp is None or stamp.serial is None:
        return None
    devices, is_display, cleared_at = _warning_facts(stamp)
    if is_display:
        return None
    if threshold is None:
        threshold = current_app.config.get("SCAN_WARNING_THRESHOLD", 20)
    if devices > threshold:
        return "devices"
    if stamp.scan_count < 2 or not check_regions:
        return None  # one scan cannot come from two regions
    now = now or utcnow()
    since = now - _SCAN_WINDOW
    if cleared_at is not None and cleared_at > since:
        since = cleared_at
    regions = set(
        db.session.scalars(
            select(Scan.region).distinct().where(Scan.stamp_id == stamp.id, Scan.region != "", Scan.scanned_at >= since)
        )
    )
    # One unit cannot be in two provinces within a day: the QR has been copied.
    return "regions" if len(regions | set(unwritten_regions)) >= 2 else None


def warning_stamps_clause(threshold: int):
    """SQL condition: serialized stamps whose distinct devices since clearing pass the threshold (not display units)."""
    return (
        ((Stamp.device_count - Stamp.devices_at_clear) > threshold)
        & Stamp.is_display.is_(False)
        & Stamp.serial.is_not(None)
    )


def batch_warning_stamps(batch: Batch, *, threshold: int) -> list[Stamp]:
    """The batch's stamps warned about by their devices, most devices first."""
    return list(
        db.session.scalars(
            select(Stamp)
            .where(Stamp.batch_id == batch.id, warning_stamps_clause(threshold))
            .order_by((Stamp.device_count - Stamp.devices_at_clear).desc(), Stamp.id)
            .limit(200)
        )
    )


def batch_display_stamps(batch: Batch) -> list[Stamp]:
    return list(
        db.session.scalars(
            select(Stamp).where(Stamp.batch_id == batch.id, Stamp.is_display.is_(True)).order_by(Stamp.id)
        )
    )


def parse_serials(text_value: str) -> list[tuple[str, str | None]]:
    """Split a producer's entry into serials and ranges: "A B", "A, B", "A-B" or "A..B" (first to last as printed).

    :raises InvalidStampRequest: for an empty entry or one past 500 items.
    """
    items = []
    for part in (text_value or "").replace(",", " ").replace(";", " ").split():
        first, sep, last = part.partition("..") if ".." in part else part.partition("-")
        items.append((first.strip(), last.strip() if sep else None))
    if not items or len(items) > 500:
        raise InvalidStampRequest(_("Hãy nhập từ 1 đến 500 số sê-ri hoặc khoảng sê-ri."))
    return items


def stamps_by_serials(batch: Batch, text_value: str) -> list[Stamp]:
    """Return the batch's stamps a producer named by serial or by range (in printing order, within one issue).

    :raises InvalidStampRequest: naming a serial the batch does not have, or a range across issues.
    """
    found: dict[int, Stamp] = {}
    for first, last in parse_serials(text_value):
        wanted = [first] if last is None else [first, last]
        stamps = {
            s.serial.upper(): s
            for s in db.session.scalars(
                select(Stamp).where(
                    Stamp.batch_id == batch.id, func.upper(Stamp.serial).in_([w.upper() for w in wanted])
                )
            )
        }
        missing = [w for w in wanted if w.upper() not in stamps]
        if missing:
            raise InvalidStampRequest(_("Lô này không có tem số sê-ri %(s)s.", s=", ".join(missing)))
        if last is None:
            stamp = stamps[first.upper()]
            found[stamp.id] = stamp
            continue
        start, end = stamps[first.upper()], stamps[last.upper()]
        if start.issue_id != end.issue_id:
            raise InvalidStampRequest(_("Một khoảng sê-ri phải nằm trong cùng một đợt phát hành tem."))
        low, high = sorted((start.id, end.id))
        for stamp in db.session.scalars(
            select(Stamp).where(Stamp.issue_id == start.issue_id, Stamp.id.between(low, high))
        ):
            found[stamp.id] = stamp
    return [found[key] for key in sorted(found)]


def mark_display_stamps(batch: Batch, serials: str, *, is_display: bool = True) -> int:
    """Mark (or unmark) the batch's stamps named by serial or range as on display units (showrooms,
    fairs): their scans never warn. Returns how many changed.

    :raises InvalidStampRequest: naming a serial the batch does not have (nothing changes then).
    """
    changed = 0
    for stamp in stamps_by_serials(batch, serials):
        if stamp.serial is not None and stamp.is_display != is_display:
            stamp.is_display = is_display
            changed += 1
    db.session.flush()
    return changed


def clear_scan_warning(stamp: Stamp, *, reason: str, actor, now: datetime | None = None) -> Stamp:
    """Clear a false copy warning: devices counted so far no longer count; new ones beyond the threshold warn again.

    The caller records it in the audit log (who, when, reason).

    :raises InvalidStampRequest: without a reason.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidStampRequest(_("Hãy ghi lý do gỡ cảnh báo."))
    # The stored count, read now: devices counted by a scan in flight are not lost from the next warning.
    db.session.refresh(stamp, ["device_count"])
    stamp.devices_at_clear = stamp.device_count
    stamp.warning_cleared_at = now or utcnow()
    stamp.warning_cleared_by_id = actor.id if actor is not None else None
    stamp.warning_clear_reason = reason[:500]
    db.session.flush()
    return stamp

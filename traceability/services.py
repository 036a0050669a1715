"""Traceability rules: batches, trace events, stamp issues, scans, PINs and counterfeit reports."""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import secrets
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import current_app
from flask_babel import lazy_gettext as _
from sqlalchemy import String, bindparam, exists, func, insert, select, update
from sqlalchemy.orm import attributes, joinedload, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from storefront.catalog.models import Producer, ProducerStatus, Product
from storefront.catalog.services import valid_certificate
from storefront.clock import VIETNAM_TZ, today_vn
from storefront.columns import UTCDateTime, utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from traceability import digital_link
from traceability.models import (
    Batch,
    CounterfeitReport,
    EventAction,
    EventType,
    OriginVersion,
    Scan,
    Stamp,
    StampDevice,
    StampIssue,
    TraceEvent,
)
from traceability.raw_query import RawQuery
from traceability.scan_buffer import INSERT_DEVICE, PendingScan, ScanBuffer

if TYPE_CHECKING:  # the PDF (reportlab) and QR modules load when stamps are printed, not in every worker
    from traceability import sheets

#: Production stages a consumer look-up shows (Circular 02/2024/TT-BKHCN), as stored bizStep
#: values. "commissioning" is CBV's name for making the lot; "harvesting" is ours (CBV has none).
STAGES = ("harvesting", "commissioning", "transforming", "packing", "inspecting", "shipping")
#: Upper bound of one issue: a day's thermal-printer output, and a 10k-stamp PDF is ~10 MB.
MAX_STAMPS_PER_ISSUE = 50_000
#: PIN under the scratch-off layer: 8 digits, typed on a phone keypad.
PIN_DIGITS = 8
# werkzeug's default (600k pbkdf2 rounds) takes ~0.3 s per hash: an hour for 10,000 stamps.
# An 8-digit PIN has too little entropy for slow hashing to matter once the table leaks; what
# protects it is that a PIN verifies once and the form is rate-limited.
PIN_HASH_METHOD = "pbkdf2:sha256:1000"
# Rows per executemany when inserting stamps: bounded memory, few round trips.
_STAMP_CHUNK = 2000
_SCAN_WINDOW = timedelta(hours=24)


class TraceabilityError(DomainError):
    """A traceability rule refused an action."""


class InvalidLotCode(TraceabilityError):
    pass


class DuplicateLot(TraceabilityError):
    def __init__(self, lot_code: str):
        super().__init__(lot_code)
        self.lot_code = lot_code


class BatchIncomplete(TraceabilityError):
    """Publishing refused: the Circular 02/2024 minimum is not all there."""

    def __init__(self, missing: list[str]):
        super().__init__(f"{len(missing)} required field(s) missing")
        self.missing = missing


class BatchRecalled(TraceabilityError):
    pass


class InvalidStampRequest(TraceabilityError):
    pass


class InvalidTraceEvent(TraceabilityError):
    pass


class NotInProgramme(TraceabilityError):
    """The producer is not (or no longer) approved, or the product is hidden by the office."""


class NotRegistered(TraceabilityError):
    """The scanned code matches no published batch or stamp: possibly a fake."""


# --- batches and events -------------------------------------------------------------------


def check_lot_code(lot_code: str) -> str:
    """Return the stripped lot code if it is 1–20 characters of the GS1 AI set (GS1 GenSpecs §3.2).

    :raises InvalidLotCode: otherwise.
    """
    lot_code = (lot_code or "").strip()
    try:
        # A GTIN-less check: the same rule builds the (10) segment of every stamp URL.
        digital_link.DigitalLink(gtin="00000000000000", lot=lot_code)
    except digital_link.DigitalLinkError as error:
        raise InvalidLotCode(str(error)) from None
    return lot_code


def _new_short_code() -> str:
    while True:
        code = digital_link.new_short_code()
        if db.session.scalar(select(Batch.id).where(Batch.short_code == code)) is None:
            return code


def create_batch(
    product: Product,
    *,
    lot_code: str,
    harvest_date: date | None = None,
    production_date: date | None = None,
    packing_date: date | None = None,
    expiry_date: date | None = None,
    quantity: int,
    growing_area_code: str = "",
    standards: str = "",
    actor=None,
) -> Batch:
    """Create an unpublished batch of a product and add its quantity to the product's stock.

    :raises InvalidLotCode: if the lot code breaks the GS1 rules.
    :raises DuplicateLot: if the product already has a batch with this lot code.
    """
    lot_code = check_lot_code(lot_code)
    if quantity < 0:
        raise TraceabilityError(_("Số lượng không được âm."))
    taken = db.session.scalar(select(Batch.id).where(Batch.product_id == product.id, Batch.lot_code == lot_code))
    if taken is not None:
        raise DuplicateLot(lot_code)
    batch = Batch(
        product=product,
        lot_code=lot_code,
        short_code=_new_short_code(),
        harvest_date=harvest_date,
        production_date=production_date,
        packing_date=packing_date,
        expiry_date=expiry_date,
        quantity=quantity,
        growing_area_code=growing_area_code.strip(),
        standards=standards.strip(),
    )
    db.session.add(batch)
    db.session.flush()
    if quantity:
        from storefront.inventory.services import receive_stock

        receive_stock(product, quantity)
    return batch


def add_trace_event(
    batch: Batch,
    *,
    biz_step: str,
    event_time: datetime,
    read_point: str = "",
    biz_location: str = "",
    location_name: str = "",
    disposition: str = "",
    description: str = "",
    event_type: EventType = EventType.OBJECT,
    action: EventAction | None = EventAction.OBSERVE,
    time_zone_offset: str = "+07:00",
    ilmd: dict | None = None,
) -> TraceEvent:
    """Record one stage of a batch in EPCIS 2.0 shape (what, when, where, why).

    :raises InvalidTraceEvent: for a naive time, an empty step or no location code.
    """
    if event_time.tzinfo is None:
        raise InvalidTraceEvent(_("Thời gian sự kiện phải có múi giờ."))
    if not biz_step.strip():
        raise InvalidTraceEvent(_("Hãy chọn công đoạn."))
    if not (read_point.strip() or biz_location.strip()):
        raise InvalidTraceEvent(_("Mỗi công đoạn cần một mã địa điểm."))
    event = TraceEvent(
        batch=batch,
        event_type=event_type,
        action=action,
        event_time=event_time,
        event_time_zone_offset=time_zone_offset,
        biz_step=biz_step.strip(),
        disposition=disposition.strip(),
        read_point=read_point.strip(),
        biz_location=biz_location.strip(),
        location_name=location_name.strip(),
        description=description.strip(),
        ilmd=ilmd,
    )
    db.session.add(event)
    db.session.flush()
    return event


def batch_missing_fields(batch: Batch) -> list[str]:
    """Return what a consumer look-up still lacks under Circular 02/2024/TT-BKHCN, in form order.

    The items are lazy gettext strings, translated when shown.
    """
    product, producer = batch.product, batch.product.producer
    missing = []
    if not product.name_vi.strip():
        missing.append(_("Tên sản phẩm"))
    if not product.images:
        missing.append(_("Ảnh sản phẩm"))
    if not producer.name.strip():
        missing.append(_("Tên cơ sở sản xuất"))
    if not (producer.street.strip() or producer.ward_code or producer.legacy_address.strip()):
        missing.append(_("Địa chỉ cơ sở sản xuất"))
    if not batch.events:
        missing.append(_("Các công đoạn sản xuất (ít nhất một)"))
    elif any(not (e.read_point or e.biz_location) for e in batch.events):
        missing.append(_("Mã địa điểm của từng công đoạn"))
    if batch.production_date is None:
        missing.append(_("Thời gian sản xuất"))
    if not batch.standards.strip():
        missing.append(_("Tiêu chuẩn áp dụng"))
    return missing


def check_in_programme(product: Product) -> None:
    """Refuse traceability actions for a product the province does not (or no longer) vouch for.

    :raises NotInProgramme: if the producer is not approved or the office hid the product.
    """
    if product.producer.status != ProducerStatus.APPROVED:
        raise NotInProgramme(
            _("Cơ sở sản xuất chưa được duyệt hoặc đang bị tạm dừng: không thể công bố lô hàng hay in tem.")
        )
    if product.is_hidden:
        raise NotInProgramme(_("Sản phẩm đang bị Văn phòng OCOP ẩn: không thể công bố lô hàng hay in tem."))


def publish_batch(batch: Batch) -> Batch:
    """Make a batch's origin page public.

    :raises NotInProgramme: if the producer is not approved or the product is hidden.
    :raises BatchIncomplete: while batch_missing_fields is not empty.
    """
    check_in_programme(batch.product)
    missing = batch_missing_fields(batch)
    if missing:
        raise BatchIncomplete(missing)
    batch.is_published = True
    db.session.flush()
    return batch


def recall_batch(batch: Batch, *, reason: str, actor) -> Batch:
    """Mark a batch recalled; its origin page then shows a red notice with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise TraceabilityError(_("Hãy ghi lý do thu hồi."))
    batch.recalled_at = utcnow()
    batch.recall_reason = reason[:500]
    batch.recalled_by_id = actor.id if actor is not None else None
    db.session.flush()
    return batch


def is_expired(batch: Batch, today: date | None = None) -> bool:
    return batch.expiry_date is not None and batch.expiry_date < (today or today_vn())


# --- identifiers -------------------------------------------------------------------------


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def origin_path(batch: Batch, stamp: Stamp | None = None) -> str:
    """Return the path (and ?17= expiry query) of a batch's or stamp's origin page."""
    serial = stamp.serial if stamp is not None else None
    if batch.product.gtin:
        link = digital_link.DigitalLink(
            gtin=batch.product.gtin, lot=batch.lot_code, serial=serial, expiry=batch.expiry_date
        )
        return link.uri("")
    # No GTIN, no fake one: a non-GS1 path that the same pages answer.
    path = digital_link.short_path(batch.short_code)
    return f"{path}/{serial}" if serial else path


def origin_url(batch: Batch, stamp: Stamp | None = None) -> str:
    """Return the absolute URL printed in a QR stamp: GS1 Digital Link, or /t/{code} without a GTIN."""
    return _base_url() + origin_path(batch, stamp)


def stamp_url(stamp: Stamp) -> str:
    return origin_url(stamp.batch, stamp)


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
        return db.session.scalar(
            select(Stamp).where(Stamp.batch_id == batch.id, Stamp.serial.is_(None)).order_by(Stamp.id).limit(1)
        )
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
        code = digital_link.parse_short_code(code)
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
    # Keyed BLAKE2b is a MAC in one call.
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


def find_product_by_gtin(gtin: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.gtin == gtin))


# --- stamps ------------------------------------------------------------------------------


def _new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def issue_stamps(
    batch: Batch, *, count: int, serialized: bool = True, with_pin: bool = False, actor=None
) -> tuple[StampIssue, dict[str, str]]:
    """Issue count serialized stamps (or one batch-level stamp printed count times) in one transaction.

    Returns the issue and {serial: PIN} for printing; PINs exist in plain text only here.
    Stamps are inserted with executemany in chunks; on any error the caller rolls back and no
    serial survives.

    :raises InvalidStampRequest: for a bad count, a PIN on a batch-level stamp, or a recalled batch.
    :raises NotInProgramme: if the producer is not approved or the product is hidden.
    """
    check_in_programme(batch.product)
    if not 1 <= count <= MAX_STAMPS_PER_ISSUE:
        raise InvalidStampRequest(_("Số tem phải từ 1 đến %(n)s.", n=MAX_STAMPS_PER_ISSUE))
    if with_pin and not serialized:
        raise InvalidStampRequest(_("Mã PIN chỉ dùng cho tem có số sê-ri riêng."))
    if batch.recalled_at is not None:
        raise BatchRecalled(_("Lô hàng đã bị thu hồi, không thể in thêm tem."))
    issue = StampIssue(
        batch=batch,
        count=count,
        is_serialized=serialized,
        with_pin=with_pin,
        issued_by_id=actor.id if actor is not None else None,
    )
    db.session.add(issue)
    db.session.flush()
    pins: dict[str, str] = {}
    if not serialized:
        if _stamp_of(batch, None) is None:
            db.session.add(Stamp(batch_id=batch.id, issue_id=issue.id, serial=None))
            db.session.flush()
        return issue, pins

    taken = set(db.session.scalars(select(Stamp.serial).where(Stamp.batch_id == batch.id, Stamp.serial.is_not(None))))
    remaining = count
    while remaining:
        rows = []
        for _i in range(min(remaining, _STAMP_CHUNK)):
            serial = digital_link.new_serial()
            while serial in taken:  # 50 random bits: practically never, but unique per batch is a rule
                serial = digital_link.new_serial()
            taken.add(serial)
            pin_hash = None
            if with_pin:
                pins[serial] = _new_pin()
                pin_hash = generate_password_hash(pins[serial], method=PIN_HASH_METHOD)
            rows.append(
                {"batch_id": batch.id, "issue_id": issue.id, "serial": serial, "pin_hash": pin_hash, "scan_count": 0}
            )
        # Core insert with a list: one executemany, no ORM unit-of-work per row.
        db.session.execute(insert(Stamp), rows)
        remaining -= len(rows)
    return issue, pins


def issue_stamps_list(issue: StampIssue) -> list[Stamp]:
    return list(db.session.scalars(select(Stamp).where(Stamp.issue_id == issue.id).order_by(Stamp.id)))


def _issue_day(issue: StampIssue) -> date:
    return (issue.issued_at or utcnow()).astimezone(VIETNAM_TZ).date()


def issue_labels(issue: StampIssue) -> list[sheets.Label]:
    """Return one printable label per stamp of an issue (count copies for a batch-level issue)."""
    from traceability import sheets

    batch, product = issue.batch, issue.batch.product
    # The OCOP mark may be printed only while the certificate is valid (36 months, not revoked).
    certificate = valid_certificate(product, _issue_day(issue))
    stars = certificate.stars if certificate is not None else None

    def label(url: str, serial: str | None) -> sheets.Label:
        return sheets.Label(
            url=url,
            product_name=product.name_vi,
            lot=batch.lot_code,
            expiry=batch.expiry_date,
            serial=serial,
            stars=stars,
        )

    if not issue.is_serialized:
        return [label(origin_url(batch), None)] * issue.count
    base = _base_url()
    if product.gtin:
        lot_link = digital_link.DigitalLink(gtin=product.gtin, lot=batch.lot_code, expiry=batch.expiry_date)
        # One lot-level link, then only the serial segment per stamp: no re-validation per row.
        prefix, query = base + lot_link.path, lot_link.query
        suffix = f"?{query}" if query else ""
        serials = db.session.scalars(select(Stamp.serial).where(Stamp.issue_id == issue.id).order_by(Stamp.id))
        return [label(f"{prefix}/21/{serial}{suffix}", serial) for serial in serials]
    prefix = base + digital_link.short_path(batch.short_code)
    serials = db.session.scalars(select(Stamp.serial).where(Stamp.issue_id == issue.id).order_by(Stamp.id))
    return [label(f"{prefix}/{serial}", serial) for serial in serials]


def render_issue_sheet(
    issue: StampIssue,
    *,
    label_w_mm: float = 30,
    label_h_mm: float = 40,
    wrap: Callable[[list[sheets.Label]], Iterable[sheets.Label]] | None = None,
) -> bytes:
    """Return the issue's printable A4 PDF sheets; wrap may wrap the labels (a CLI progress bar)."""
    from traceability import sheets

    labels = issue_labels(issue)
    return sheets.render_sheet(wrap(labels) if wrap else labels, label_w_mm=label_w_mm, label_h_mm=label_h_mm)


def export_issue_zip(issue: StampIssue) -> bytes:
    """Return a zip of one PNG and one SVG per stamp, named by serial (or by lot, batch-level)."""
    from traceability import qr

    out = io.BytesIO()
    labels = issue_labels(issue)
    if not issue.is_serialized:
        labels = labels[:1]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in labels:
            name = item.serial or "lot-" + quote(item.lot, safe="")
            archive.writestr(f"{name}.png", qr.qr_png(item.url))
            archive.writestr(f"{name}.svg", qr.qr_svg(item.url))
    return out.getvalue()


# --- scans, warnings, PINs, reports ------------------------------------------------------


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


def verify_pin(stamp: Stamp, pin: str, *, now: datetime | None = None) -> str:
    """Check a scratch-off PIN once: return "valid", "used" (verified before) or "wrong"."""
    if stamp.pin_hash is None:
        raise InvalidStampRequest(_("Tem này không có mã PIN."))
    if stamp.pin_verified_at is not None:
        return "used"
    if not check_password_hash(stamp.pin_hash, (pin or "").strip()):
        return "wrong"
    stamp.pin_verified_at = now or utcnow()
    db.session.flush()
    return "valid"


def report_counterfeit(
    *,
    batch: Batch | None,
    stamp: Stamp | None,
    scanned_code: str = "",
    message: str = "",
    where_bought: str = "",
    contact: str = "",
) -> CounterfeitReport:
    """Save a consumer's 'suspected fake' report for the office to handle."""
    report = CounterfeitReport(
        batch_id=batch.id if batch is not None else None,
        stamp_id=stamp.id if stamp is not None else None,
        scanned_code=(scanned_code or "")[:300],
        message=(message or "").strip(),
        where_bought=(where_bought or "").strip()[:300],
        contact=(contact or "").strip()[:200],
    )
    db.session.add(report)
    db.session.flush()
    return report


def event_local_time(event: TraceEvent) -> datetime:
    """Return an event's time at its own offset (e.g. +07:00)."""
    sign = -1 if event.event_time_zone_offset.startswith("-") else 1
    hours, _sep, minutes = event.event_time_zone_offset.lstrip("+-").partition(":")
    offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0)) * sign
    return event.event_time.astimezone(timezone(offset))

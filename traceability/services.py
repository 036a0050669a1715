"""Traceability rules: batches, trace events, stamp issues, scans, PINs and counterfeit reports."""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import current_app
from flask_babel import lazy_gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from storefront.catalog.models import ProducerStatus, Product
from storefront.catalog.services import valid_certificate
from storefront.clock import VIETNAM_TZ, today_vn
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from traceability import digital_link
from traceability.models import (
    Batch,
    CounterfeitReport,
    EventAction,
    EventType,
    Stamp,
    StampIssue,
    TraceEvent,
)

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

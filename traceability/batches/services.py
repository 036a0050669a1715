"""Batches and their production steps: create, record trace events, publish, recall (Circular 02/2024/TT-BKHCN minimum)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask_babel import lazy_gettext as _
from sqlalchemy import or_, select

from storefront.catalog.models import ProducerStatus, Product
from storefront.clock import today_vn
from storefront.columns import utcnow
from storefront.extensions import db
from traceability.errors import (
    BatchIncomplete,
    DuplicateLot,
    InvalidLotCode,
    InvalidTraceEvent,
    NotInProgramme,
    TraceabilityError,
)
from traceability.identifiers import codes, digital_link
from traceability.models import Batch, EventAction, EventType, TraceEvent

#: Production stages a consumer look-up shows (Circular 02/2024/TT-BKHCN), as stored bizStep
#: values. "commissioning" is CBV's name for making the lot; "harvesting" is ours (CBV has none).
STAGES = ("harvesting", "commissioning", "packing", "inspecting", "shipping")


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
        code = codes.new_short_code()
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

    :raises InvalidTraceEvent: for a naive time, an empty step, no location code or another producer's location.
    """
    if event_time.tzinfo is None:
        raise InvalidTraceEvent(_("Thời gian sự kiện phải có múi giờ."))
    if not biz_step.strip():
        raise InvalidTraceEvent(_("Hãy chọn công đoạn."))
    if not (read_point.strip() or biz_location.strip()):
        raise InvalidTraceEvent(_("Mỗi công đoạn cần một mã địa điểm."))
    taken = location_of_another_producer(batch, [read_point.strip(), biz_location.strip()])
    if taken is not None:
        raise InvalidTraceEvent(
            _(
                "Mã địa điểm %(code)s đã thuộc về một cơ sở sản xuất khác: hãy dùng mã địa điểm của cơ sở mình.",
                code=taken,
            )
        )
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


def location_of_another_producer(batch: Batch, codes: list[str]) -> str | None:
    """Return the first of *codes* that another producer's trace events already name as a location, else None.

    A location code is its producer's: /api/v1/epcis/locations/<code> answers with the names every
    published event gives it, so a producer naming another's warehouse or planting area would put
    their own steps there. The shop keeps no register of locations (nor public ones), so the first
    producer to record an event at a code owns it.
    """
    codes = [code for code in codes if code]
    if not codes:
        return None
    used = db.session.execute(
        select(TraceEvent.read_point, TraceEvent.biz_location)
        .join(Batch)
        .join(Product)
        .where(
            Product.producer_id != batch.product.producer_id,
            or_(TraceEvent.read_point.in_(codes), TraceEvent.biz_location.in_(codes)),
        )
        .limit(1)
    ).first()
    return None if used is None else next(code for code in codes if code in used)


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


def event_local_time(event: TraceEvent) -> datetime:
    """Return an event's time at its own offset (e.g. +07:00)."""
    sign = -1 if event.event_time_zone_offset.startswith("-") else 1
    hours, _sep, minutes = event.event_time_zone_offset.lstrip("+-").partition(":")
    offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0)) * sign
    return event.event_time.astimezone(timezone(offset))

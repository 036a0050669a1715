"""Demo batches and their EPCIS-shaped trace events (source → processing → packing → check → shipping)."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import null

from storefront.addresses import ward_name
from storefront.clock import VIETNAM_TZ
from traceability.identifiers.codes import CODE_ALPHABET
from traceability.models import Batch, EventAction, EventType, TraceEvent


def make_batch(rng, today, product, producer, kind, number, *, newest, lot_code=None) -> Batch:
    """A published demo lot; its code is made from the product and packing month unless `lot_code` fixes it."""
    if kind.shelf_days == 7:
        packing = today - timedelta(days=rng.randint(1, 2))
    elif newest:
        packing = today - timedelta(days=rng.randint(4, 12))
    else:
        packing = today - timedelta(days=rng.randint(35, 60))
    if kind.first_step == "harvesting":
        # Fresh tea leaf is processed the day it is picked; fresh shoots are packed that day too.
        harvest = packing if kind.shelf_days == 7 else packing - timedelta(days=rng.randint(1, 4))
        production = harvest
    else:
        harvest = None
        production = packing - timedelta(days=rng.randint(1, 3))
    expiry = packing + timedelta(days=kind.shelf_days) if kind.shelf_days else None
    initials = "".join(word[0] for word in product.slug.split("-")[:3]).upper()
    lot_code = lot_code or f"{initials}{packing:%y%m}-{number:02d}"
    ward = producer.ward_code or 0
    is_tea = product.ocop_subgroup.startswith("I.5")
    # Demo planting-area code (mã số vùng trồng) in the shape VT-<province>-<ward>-<n>.
    area_code = f"VT-19-{ward:04d}-{rng.randint(1, 40):03d}" if is_tea else ""
    batch = Batch(
        product=product,
        lot_code=lot_code,
        short_code="".join(rng.choice(CODE_ALPHABET) for _ in range(10)),
        harvest_date=harvest,
        production_date=production,
        packing_date=packing,
        expiry_date=expiry,
        quantity=rng.randint(50, 500),
        growing_area_code=area_code,
        standards=kind.standards,
        is_published=True,
    )
    batch.events = trace_events(batch, producer, kind, today, ward, area_code)
    return batch


def trace_events(batch, producer, kind, today, ward, area_code) -> list[TraceEvent]:
    """Return the batch's EPCIS-shaped stages: source → processing → packing → check → shipping."""
    place = ward_name(producer.ward_code) or producer.legacy_address
    site = f"LOC-19-{ward:04d}"
    events = []
    if kind.first_step == "harvesting":
        events.append(
            TraceEvent(
                event_type=EventType.OBJECT,
                action=EventAction.ADD,
                biz_step="harvesting",
                disposition="active",
                event_time=vn_moment(batch.harvest_date, 6),
                read_point=area_code or f"{site}-VT01",
                biz_location=area_code or f"{site}-VT01",
                location_name=f"Vùng nguyên liệu của {producer.name}, {place}",
                description="Thu hái nguyên liệu (dữ liệu minh hoạ).",
                ilmd={"harvestDate": batch.harvest_date.isoformat(), "growingAreaCode": area_code or None},
            )
        )
    else:
        events.append(
            TraceEvent(
                event_type=EventType.OBJECT,
                action=EventAction.OBSERVE,
                biz_step="receiving",
                disposition="in_progress",
                event_time=vn_moment(batch.production_date - timedelta(days=1), 8),
                read_point=f"{site}-KHO01",
                biz_location=f"{site}-KHO01",
                location_name=f"Kho nguyên liệu – {producer.name}, {place}",
                description="Nhận nguyên liệu đầu vào (dữ liệu minh hoạ).",
            )
        )
    events.append(
        TraceEvent(
            # EPCIS transformation events carry no action; null() beats the column's OBSERVE default.
            event_type=EventType.TRANSFORMATION,
            action=null(),
            biz_step="commissioning",
            disposition="active",
            event_time=vn_moment(batch.production_date, 10),
            read_point=f"{site}-CB01",
            biz_location=f"{site}-CB01",
            location_name=f"Xưởng chế biến – {producer.name}, {place}",
            description="Chế biến, tạo lô thành phẩm.",
            ilmd={
                "lotNumber": batch.lot_code,
                "productionDate": batch.production_date.isoformat(),
                "itemExpirationDate": batch.expiry_date.isoformat() if batch.expiry_date else None,
            },
        )
    )
    events.append(
        TraceEvent(
            event_type=EventType.OBJECT,
            action=EventAction.OBSERVE,
            biz_step="packing",
            disposition="in_progress",
            event_time=vn_moment(batch.packing_date, 14),
            read_point=f"{site}-DG01",
            biz_location=f"{site}-DG01",
            location_name=f"Khu đóng gói – {producer.name}, {place}",
            description="Đóng gói, dán nhãn.",
        )
    )
    events.append(
        TraceEvent(
            event_type=EventType.OBJECT,
            action=EventAction.OBSERVE,
            biz_step="inspecting",
            disposition="conformant",
            event_time=vn_moment(batch.packing_date, 16),
            read_point=f"{site}-QC01",
            biz_location=f"{site}-QC01",
            location_name=f"Kiểm tra chất lượng – {producer.name}, {place}",
            description="Kiểm tra cảm quan và hồ sơ lô trước khi xuất (dữ liệu minh hoạ).",
        )
    )
    shipped = batch.packing_date + timedelta(days=2)
    if shipped < today:
        events.append(
            TraceEvent(
                event_type=EventType.OBJECT,
                action=EventAction.OBSERVE,
                biz_step="shipping",
                disposition="in_transit",
                event_time=vn_moment(shipped, 8),
                read_point=f"{site}-KHO02",
                biz_location=f"{site}-KHO02",
                location_name=f"Kho thành phẩm – {producer.name}, {place}",
                description="Xuất kho giao cho sàn OCOP.",
            )
        )
    return events


def vn_moment(day: date, hour: int) -> datetime:
    """Return an aware UTC datetime for a local hour in Vietnam (UTC+7)."""
    return datetime.combine(day, time(hour), tzinfo=VIETNAM_TZ).astimezone(UTC)

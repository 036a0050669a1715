"""Factories: plain functions that build valid objects with keyword defaults and flush."""

import itertools
from datetime import UTC, date, datetime, timedelta

from storefront.accounts.models import Role, User
from storefront.catalog.models import (
    Certificate,
    CriteriaSet,
    IssuingLevel,
    LegalType,
    Producer,
    ProducerStatus,
    Product,
)
from storefront.clock import add_months, today_vn
from storefront.extensions import db
from storefront.inventory.models import Stock
from traceability.models import Batch, EventType, TraceEvent

PASSWORD = "correct horse 9"
TAN_CUONG_WARD = 5503  # Xã Tân Cương, Tỉnh Thái Nguyên (post-2025 code)
_seq = itertools.count(1)


def make_user(*, email=None, role=Role.SHOPPER, password=PASSWORD, **kw) -> User:
    n = next(_seq)
    user = User(email=email or f"user{n}@example.vn", role=role, full_name=kw.pop("full_name", f"Người dùng {n}"), **kw)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_producer(*, owner=None, status=ProducerStatus.APPROVED, name=None, **kw) -> Producer:
    n = next(_seq)
    name = name or f"HTX Chè Thử Nghiệm {n}"
    producer = Producer(
        name=name,
        slug=kw.pop("slug", f"htx-che-thu-nghiem-{n}"),
        legal_type=kw.pop("legal_type", LegalType.COOPERATIVE),
        business_reg_no=kw.pop("business_reg_no", f"46070{n:05d}"),
        phone=kw.pop("phone", "+84912345678"),
        ward_code=kw.pop("ward_code", TAN_CUONG_WARD),
        street=kw.pop("street", "Xóm Nam Tiến"),
        status=status,
        owner=owner,
        **kw,
    )
    db.session.add(producer)
    db.session.flush()
    return producer


def make_product(*, producer=None, on_hand=10, price_vnd=150_000, name_vi=None, **kw) -> Product:
    n = next(_seq)
    producer = producer or make_producer()
    product = Product(
        producer=producer,
        name_vi=name_vi or f"Chè Tân Cương {n}",
        name_en=kw.pop("name_en", f"Tan Cuong tea {n}"),
        slug=kw.pop("slug", f"che-tan-cuong-{n}"),
        ocop_group=kw.pop("ocop_group", 1),
        ocop_subgroup=kw.pop("ocop_subgroup", "I.5.a"),
        unit=kw.pop("unit", "hộp"),
        net_quantity=kw.pop("net_quantity", "200 g"),
        price_vnd=price_vnd,
        is_published=kw.pop("is_published", True),
        **kw,
    )
    db.session.add(product)
    db.session.flush()
    if on_hand is not None:
        db.session.add(Stock(product_id=product.id, on_hand=on_hand, reserved=0))
        db.session.flush()
    return product


def make_certificate(*, product=None, stars=4, decision_date=None, months=36, **kw) -> Certificate:
    product = product or make_product()
    decision_date = decision_date or (today_vn() - timedelta(days=100))
    certificate = Certificate(
        product=product,
        stars=stars,
        score=kw.pop("score", {1: 20, 2: 40, 3: 60, 4: 80, 5: 95}[stars]),
        criteria_set=kw.pop("criteria_set", CriteriaSet.QD_148_2023),
        issuing_level=kw.pop("issuing_level", IssuingLevel.CENTRAL if stars == 5 else IssuingLevel.PROVINCE),
        issuing_body=kw.pop("issuing_body", "UBND tỉnh Thái Nguyên"),
        decision_number=kw.pop("decision_number", f"{next(_seq)}/QĐ-UBND"),
        decision_date=decision_date,
        valid_until=kw.pop("valid_until", add_months(decision_date, months)),
        **kw,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def make_batch(*, product=None, lot_code=None, quantity=100, with_events=True, **kw) -> Batch:
    n = next(_seq)
    product = product or make_product()
    today = today_vn()
    batch = Batch(
        product=product,
        lot_code=lot_code or f"L{n:05d}",
        short_code=kw.pop("short_code", f"SC{n:08d}"),
        harvest_date=kw.pop("harvest_date", today - timedelta(days=20)),
        production_date=kw.pop("production_date", today - timedelta(days=15)),
        packing_date=kw.pop("packing_date", today - timedelta(days=10)),
        expiry_date=kw.pop("expiry_date", today + timedelta(days=365)),
        quantity=quantity,
        growing_area_code=kw.pop("growing_area_code", "VT-19-5503-001"),
        standards=kw.pop("standards", "VietGAP"),
        is_published=kw.pop("is_published", True),
        **kw,
    )
    db.session.add(batch)
    db.session.flush()
    if with_events:
        base = datetime.combine(today - timedelta(days=20), datetime.min.time(), tzinfo=UTC)
        for i, (step, place) in enumerate(
            [("harvesting", "Đồi chè xóm Nam Tiến"), ("commissioning", "Xưởng sao chè"), ("packing", "Xưởng đóng gói")]
        ):
            db.session.add(
                TraceEvent(
                    batch=batch,
                    event_type=EventType.OBJECT,
                    event_time=base + timedelta(days=5 * i),
                    biz_step=step,
                    read_point=batch.growing_area_code,
                    location_name=place,
                )
            )
        db.session.flush()
    return batch


def days_ago(n: int) -> date:
    return today_vn() - timedelta(days=n)

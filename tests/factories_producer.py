"""Factories for the producer dashboard tests: a producer with its account, orders split per producer."""

import io
import itertools

import pytest
from PIL import Image

from storefront.accounts.models import Role
from storefront.catalog.models import ProducerStatus
from storefront.checkout.models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
)
from storefront.extensions import db
from tests.factories import TAN_CUONG_WARD, make_producer, make_user

_seq = itertools.count(1)


def make_producer_account(*, status=ProducerStatus.APPROVED, **kw):
    """Return a producer-role user and the producer it owns."""
    user = make_user(role=Role.PRODUCER)
    return user, make_producer(owner=user, status=status, **kw)


@pytest.fixture
def owner(db, login):
    """A signed-in producer with an approved producer licensed GS1 company prefix 8936012 (the tests'
    GTINs lie under it); import this fixture into a test module."""
    user, producer = make_producer_account(gs1_prefix="8936012")
    db.session.commit()
    login(user)
    return producer


def make_order(*, lines, status=OrderStatus.PAID, payment_method=PaymentMethod.COD, user=None) -> Order:
    """Build an order from (product, quantity) pairs with one fulfilment per producer."""
    n = next(_seq)
    subtotal = sum(p.price_vnd * q for p, q in lines)
    order = Order(
        code=f"TN-T{n:05d}",
        user_id=user.id if user else None,
        status=status,
        contact_name="Nguyễn Văn A",
        phone="+84912345678",
        email="khach@example.vn",
        province_code=19,
        ward_code=TAN_CUONG_WARD,
        street="Xóm Nam Tiến",
        subtotal_vnd=subtotal,
        delivery_fee_vnd=0,
        total_vnd=subtotal,
        payment_method=payment_method,
    )
    db.session.add(order)
    fulfilments = {}
    for product, quantity in lines:
        producer = product.producer
        if producer.id not in fulfilments:
            fulfilments[producer.id] = Fulfilment(order=order, producer_id=producer.id, status=FulfilmentStatus.PENDING)
        db.session.add(
            OrderLine(
                order=order,
                fulfilment=fulfilments[producer.id],
                product_id=product.id,
                producer_id=producer.id,
                product_name=product.name_vi,
                producer_name=producer.name,
                unit_price_vnd=product.price_vnd,
                quantity=quantity,
                line_total_vnd=product.price_vnd * quantity,
            )
        )
    db.session.add(Payment(order=order, method=payment_method, amount_vnd=subtotal))
    db.session.flush()
    return order


def image_bytes(fmt="JPEG", size=(64, 48), color=(30, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def upload_photo(client, product, data: bytes):
    """Add a photo to a product's gallery through the producer's form."""
    form = {"photo-image": (io.BytesIO(data), "anh.jpg"), "photo-alt": "Búp chè"}
    return client.post(f"/producer/products/{product.id}/images", data=form, content_type="multipart/form-data")


#: A valid product form (/producer/products/new and …/edit).
PRODUCT_FORM = {
    "name_vi": "Chè búp Tân Cương",
    "name_en": "Tan Cuong bud tea",
    "ocop_group": "1",
    "ocop_subgroup": "I.5.a",
    "price_vnd": "120.000",
    "unit": "hộp",
    "net_quantity": "200 g",
    "gtin": "8936012345674",
    "description_vi": "Sao tay",
    "description_en": "",
    "ingredients": "100% búp chè",
    "usage": "",
    "storage": "",
}

"""Orders on the dashboard: only this producer's fulfilments and lines; pack, ship, deliver, payment received."""

from sqlalchemy import select

from storefront.checkout.models import FulfilmentStatus, OrderStatus, Payment, PaymentMethod, PaymentStatus
from storefront.filters import vnd
from storefront.outbox.models import OutboxMessage
from tests.factories import make_product
from tests.factories_producer import make_order, owner  # noqa: F401 (owner is a fixture)


def test_a_shared_order_shows_only_my_lines(client, db, owner):
    mine = make_product(producer=owner, name_vi="Chè của tôi")
    theirs = make_product(name_vi="Miến của người khác")
    order = make_order(lines=[(mine, 2), (theirs, 1)])
    db.session.commit()
    [my_part] = [f for f in order.fulfilments if f.producer_id == owner.id]
    listing = client.get("/producer/orders").get_data(as_text=True)
    assert order.code in listing and "Miến của người khác" not in listing
    page = client.get(f"/producer/orders/{my_part.id}").get_data(as_text=True)
    assert "Chè của tôi" in page and "Miến của người khác" not in page


def test_the_order_page_gives_the_whole_delivery_address_to_ship_to(client, db, owner):
    order = make_order(lines=[(make_product(producer=owner), 1)])
    db.session.commit()
    page = client.get(f"/producer/orders/{order.fulfilments[0].id}").get_data(as_text=True)
    assert "Xóm Nam Tiến, Xã Tân Cương, Tỉnh Thái Nguyên" in page


def test_packing_then_shipping_with_a_tracking_number_then_delivering(client, db, owner):
    order = make_order(
        lines=[(make_product(producer=owner), 1)], status=OrderStatus.PAID, payment_method=PaymentMethod.CARD
    )
    db.session.commit()
    part = order.fulfilments[0]
    client.post(f"/producer/orders/{part.id}/pack")
    db.session.refresh(part)
    assert part.status is FulfilmentStatus.PACKED and part.packed_at is not None

    client.post(f"/producer/orders/{part.id}/ship", data={"carrier": "", "tracking_number": ""})
    db.session.refresh(part)
    assert part.status is FulfilmentStatus.PACKED

    client.post(f"/producer/orders/{part.id}/ship", data={"carrier": "Viettel Post", "tracking_number": "VTP123456"})
    db.session.refresh(part)
    assert (part.status, part.carrier, part.tracking_number) == (FulfilmentStatus.SHIPPED, "Viettel Post", "VTP123456")
    db.session.refresh(order)
    assert order.status is OrderStatus.SHIPPED
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.body_text.contains("VTP123456"))).one()
    assert mail.to_address == "khach@example.vn"

    client.post(f"/producer/orders/{part.id}/deliver")
    db.session.refresh(part)
    assert part.status is FulfilmentStatus.DELIVERED


def test_an_illegal_step_is_refused_with_a_message(client, db, owner):
    order = make_order(lines=[(make_product(producer=owner), 1)], status=OrderStatus.PAID)
    db.session.commit()
    part = order.fulfilments[0]
    client.post(f"/producer/orders/{part.id}/deliver")
    db.session.refresh(part)
    assert part.status is FulfilmentStatus.PENDING
    assert "Không thể chuyển trạng thái" in client.get(f"/producer/orders/{part.id}").get_data(as_text=True)


def test_the_sole_producer_marks_cash_on_delivery_received(client, db, owner):
    order = make_order(
        lines=[(make_product(producer=owner), 1)], status=OrderStatus.CONFIRMED, payment_method=PaymentMethod.COD
    )
    db.session.commit()
    part = order.fulfilments[0]
    assert "Đã nhận tiền" in client.get(f"/producer/orders/{part.id}").get_data(as_text=True)
    client.post(f"/producer/orders/{part.id}/payment-received")
    assert db.session.scalar(select(Payment.status)) is PaymentStatus.SUCCEEDED


def test_payment_of_a_shared_order_is_left_to_the_office(client, db, owner):
    order = make_order(
        lines=[(make_product(producer=owner), 1), (make_product(), 1)],
        status=OrderStatus.CONFIRMED,
        payment_method=PaymentMethod.COD,
    )
    db.session.commit()
    [my_part] = [f for f in order.fulfilments if f.producer_id == owner.id]
    client.post(f"/producer/orders/{my_part.id}/payment-received")
    assert db.session.scalar(select(Payment.status)) is PaymentStatus.PENDING


def test_the_order_page_says_how_the_buyer_pays_and_what_to_collect_until_the_money_is_in(client, db, owner):
    order = make_order(lines=[(make_product(producer=owner, price_vnd=150_000), 2)], status=OrderStatus.CONFIRMED)
    db.session.commit()
    part = order.fulfilments[0]
    payment = client.get(f"/producer/orders/{part.id}").get_data(as_text=True).split('data-testid="payment"')[1]
    payment = payment.split("</p>")[0]
    assert "Thanh toán khi nhận hàng" in payment and "chưa nhận tiền" in payment
    assert f"thu của khách {vnd(300_000)} khi giao" in payment

    client.post(f"/producer/orders/{part.id}/payment-received")
    payment = client.get(f"/producer/orders/{part.id}").get_data(as_text=True).split('data-testid="payment"')[1]
    payment = payment.split("</p>")[0]
    assert "đã nhận tiền" in payment and "thu của khách" not in payment

"""Visits through the cart and checkout: goods and a visit in one order, paid, refunded, or lapsed."""

import re
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storefront.checkout.models import Order, OrderStatus, Payment, PaymentStatus
from storefront.checkout.payments.events import mark_payment_received
from storefront.columns import utcnow
from storefront.experiences.bookings import cancel_by_guest, cancel_by_host
from storefront.experiences.jobs import release_lapsed
from storefront.experiences.models import Booking, BookingStatus
from storefront.outbox.models import OutboxMessage
from tests.factories import make_product
from tests.factories_checkout import add_to_cart, fill_checkout, follow, place, review_key
from tests.factories_experiences import make_experience, next_saturday, session_on, vn
from tests.fixtures_gateways import app_config, momo, vnpay  # noqa: F401  (fixtures)


def book_now(client, session, adults=2, children=1):
    form = {"adults": str(adults), "children": str(children), "contact_name": "Nguyễn Thị Hoa"}
    form |= {"phone": "0912345678", "email": "hoa@example.com", "payment": "now"}
    response = client.post(f"/experiences/sessions/{session.id}/book", data=form)
    assert response.headers["Location"] == "/cart", response.get_data(as_text=True)[:500]


def test_goods_and_a_visit_in_one_order_shipping_only_for_goods_confirmed_when_paid(db, client):
    tea = make_product(name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5)
    experience = make_experience(capacity=20)
    session = session_on(experience, next_saturday())
    db.session.commit()
    add_to_cart(client, tea, 1)
    book_now(client, session)
    cart = client.get("/cart").get_data(as_text=True)
    assert 'data-testid="cart-visits"' in cart and "1.030.000" in cart  # 380.000 + 650.000
    assert '<span class="badge-count">2</span>' in cart  # the tea and the visit
    options = client.post("/checkout", data={**_contact()})
    assert options.status_code == 302
    assert 'value="cod"' not in client.get("/checkout/options").get_data(as_text=True)  # a visit is paid now
    review = fill_checkout(client, payment="bank_transfer", email="hoa@example.com")  # the voucher is mailed
    page = client.get("/checkout/review").get_data(as_text=True)
    goods, visits = (
        re.search(rf'data-section="{kind}".*?</tbody>', page, re.S).group(0) for kind in ("goods", "visits")
    )
    assert "Giao hàng" in goods and "Chè tôm nõn" in goods and "Tham quan" in visits and "650.000" in visits
    assert review["reviewed_total_vnd"] == str(380_000 + 650_000 + 20_000)  # the fee of the tea alone
    response = place(client, review)
    order = db.session.scalar(select(Order))
    booking = db.session.scalar(select(Booking))
    assert response.headers["Location"] == f"/orders/{order.code}"
    assert (order.subtotal_vnd, order.delivery_fee_vnd) == (1_030_000, 20_000)
    assert [line.product_id for line in order.lines] == [tea.id, None] and len(order.fulfilments) == 1
    assert booking.order_id == order.id and booking.status is BookingStatus.HELD and session.booked == 3
    assert 'data-testid="cart-visits"' not in client.get("/cart").get_data(as_text=True)

    mark_payment_received(order, actor=None)  # the desk saw the transfer
    db.session.commit()
    db.session.refresh(booking)
    assert order.status is OrderStatus.PAID and booking.status is BookingStatus.CONFIRMED
    assert [p.status for p in order.payments] == [PaymentStatus.SUCCEEDED]  # nothing to refund
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.contains(booking.code)))
    assert mail.attachment_type == "text/calendar"
    order_page = client.get(f"/orders/{order.code}").get_data(as_text=True)
    assert 'data-testid="order-visits"' in order_page and booking.code in order_page


def _contact():
    from tests.factories_checkout import CONTACT

    return {**CONTACT, "email": "hoa@example.com"}


BOOKER = {"contact_name": "Nguyễn Thị Hoa", "phone": "0912 345 678", "email": "hoa@example.com"}


def test_a_visits_only_checkout_asks_no_address_no_delivery_and_the_order_has_none(db, client):
    session = session_on(make_experience(capacity=5), next_saturday())
    db.session.commit()
    book_now(client, session, adults=2, children=0)
    start = client.get("/checkout").get_data(as_text=True)
    assert 'name="contact_name"' in start and 'name="email"' in start
    assert 'name="province_code"' not in start and 'name="street"' not in start and "Người đặt" in start
    assert client.post("/checkout", data=BOOKER).headers["Location"] == "/checkout/options"
    options = client.get("/checkout/options").get_data(as_text=True)
    assert 'name="delivery_method"' not in options and "Giao hàng" not in options
    response = client.post("/checkout/options", data={"payment_method": "bank_transfer"})
    assert response.headers["Location"] == "/checkout/review"
    review = client.get("/checkout/review").get_data(as_text=True)
    assert "Địa chỉ giao hàng" not in review and "Phí vận chuyển" not in review and "500.000" in review
    place(client, review_key(client))
    order = db.session.scalar(select(Order))
    assert (order.province_code, order.ward_code, order.street, order.delivery_method) == (None, None, None, "none")
    assert (order.delivery_fee_vnd, order.total_vnd, order.fulfilments) == (0, 500_000, [])
    page = client.get(f"/orders/{order.code}").get_data(as_text=True)
    assert "Địa chỉ giao hàng" not in page and "Người đặt" in page
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.contains(order.code)))
    assert "Giao tới" not in mail.body_text and "Phí vận chuyển" not in mail.body_text


def test_a_visits_only_checkout_needs_an_email_for_the_voucher(db, client):
    session = session_on(make_experience(), next_saturday())
    db.session.commit()
    book_now(client, session, adults=1, children=0)
    page = client.post("/checkout", data={**BOOKER, "email": ""})
    assert page.status_code == 200 and "Vui lòng nhập email để nhận phiếu đặt chỗ." in page.get_data(as_text=True)
    assert client.get("/checkout/options").headers["Location"] == "/checkout"


def test_goods_added_after_a_visits_only_contact_step_bring_back_the_address(db, client):
    tea = make_product(name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5)
    session = session_on(make_experience(), next_saturday())
    db.session.commit()
    book_now(client, session, adults=1, children=0)
    client.post("/checkout", data=BOOKER)
    client.post("/checkout/options", data={"payment_method": "bank_transfer"})
    add_to_cart(client, tea, 1)
    # TMP assert client.get("/checkout/review").headers["Location"] == "/checkout/options"
    assert client.get("/checkout/options").headers["Location"] == "/checkout"
    start = client.get("/checkout").get_data(as_text=True)
    assert 'name="province_code"' in start and 'name="street"' in start
    without_address = client.post("/checkout", data={**BOOKER, "province_code": "19", "street": ""})
    assert without_address.status_code == 200  # the goods still need somewhere to go
    assert client.post("/checkout", data=_contact()).headers["Location"] == "/checkout/options"
    assert 'name="delivery_method"' in client.get("/checkout/options").get_data(as_text=True)


def _visits_only_order_at_vnpay(client, session) -> str:
    """Book two adults on the session, place the visits-only order paid by VNPay and open VNPay's page; its ref."""
    book_now(client, session, adults=2, children=0)
    client.post("/checkout", data=BOOKER)
    client.post("/checkout/options", data={"payment_method": "vnpay"})
    started = place(client, review_key(client))
    assert started.status_code == 303, (started.headers.get("Location"), follow(client, started)[-3000:])
    with urllib.request.urlopen(started.headers["Location"], timeout=10) as gateway:  # the buyer opens VNPay's page
        assert gateway.status == 200
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started.headers["Location"]).query))["vnp_TxnRef"]


def _lapse(db, booking) -> None:
    """The booking's hold lapses and the minute's job releases it (and expires its unpaid order)."""
    booking.hold_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert release_lapsed() == 1
    db.session.expire_all()


@pytest.mark.parametrize("who", ["guest", "host"])
def test_a_visit_paid_by_vnpay_is_refunded_through_vnpay_when_cancelled(db, client, vnpay, who):
    experience = make_experience(free_cancel_hours=24)
    saturday = next_saturday()
    session = session_on(experience, saturday)
    db.session.commit()
    ref = _visits_only_order_at_vnpay(client, session)
    client.get("/payments/vnpay/webhook?" + urllib.parse.urlencode(vnpay.complete(ref, deliver=False)))
    booking = db.session.scalar(select(Booking))
    order = db.session.scalar(select(Order))
    assert order.status is OrderStatus.PAID and booking.status is BookingStatus.CONFIRMED
    assert order.delivery_fee_vnd == 0 and order.total_vnd == 500_000
    paid_mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.contains("đã được thanh toán")))
    assert "Lịch tham quan của bạn đã được xác nhận" in paid_mail.body_text  # visits only: nothing is shipped
    assert "gửi hàng" not in paid_mail.body_text
    queued_before = db.session.scalar(select(func.max(OutboxMessage.id)))

    if who == "guest":  # inside the window: Friday 07:00 in Vietnam for Saturday 08:00
        cancel_by_guest(booking, reason="Ốm", now=vn(saturday - timedelta(days=1), 7))
    else:  # the host cancels at any time, with a reason, and the guest is told
        cancel_by_host(booking, reason="Mưa lũ, đường vào bản bị ngập")
    db.session.commit()
    payment = db.session.scalar(select(Payment))
    assert booking.refunded_vnd == 500_000 and payment.refunded_vnd == 500_000
    assert payment.status is PaymentStatus.REFUNDED and order.status is OrderStatus.REFUNDED
    assert session.booked == 0 and booking.status is BookingStatus.CANCELLED and booking.cancelled_by == who
    # One mail says it all (before: the visit's and a separate refund mail for the order).
    [told] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > queued_before)).all()
    assert told.subject == f"Đặt chỗ {booking.code} đã huỷ"
    assert "Số tiền hoàn lại: 500.000" in told.body_text and "Hoàn qua VNPay" in told.body_text


def test_an_unpaid_visit_only_order_lapses_its_places_come_back_and_the_order_expires(db, client):
    experience = make_experience(capacity=5)
    session = session_on(experience, next_saturday())
    db.session.commit()
    book_now(client, session, adults=2, children=0)
    client.post("/checkout", data=BOOKER)
    client.post("/checkout/options", data={"payment_method": "bank_transfer"})
    response = place(client, review_key(client))
    assert "/orders/" in response.headers["Location"]
    assert "Tham quan" in follow(client, response)
    booking = db.session.scalar(select(Booking))
    _lapse(db, booking)  # the transfer never came
    assert booking.status is BookingStatus.EXPIRED and session.booked == 0
    assert db.session.scalar(select(Order)).status is OrderStatus.EXPIRED


def test_a_visit_added_after_choosing_cash_on_delivery_sends_the_shopper_back_to_choose_again(db, client):
    tea = make_product(name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5)
    session = session_on(make_experience(), next_saturday())
    db.session.commit()
    add_to_cart(client, tea, 1)
    fill_checkout(client, payment="cod", email="hoa@example.com")  # goods alone: cash on delivery is offered
    book_now(client, session, adults=1, children=0)  # then a visit, which is paid now
    reviewed = {"idempotency_key": "k" * 32, "reviewed_total_vnd": str(380_000 + 250_000 + 20_000)}
    response = place(client, reviewed)  # a review form of the new total, posted with cash on delivery chosen
    assert response.status_code == 302 and db.session.scalar(select(Order)) is None
    assert client.get("/checkout/review").headers["Location"] == "/checkout/options"
    assert 'value="cod"' not in client.get("/checkout/options").get_data(as_text=True)


def _pay_by_vnpay(client, vnpay, contact=BOOKER, *, goods=False) -> str:
    """Place the cart's order with VNPay and open VNPay's page; return the attempt's reference."""
    if goods:
        fill_checkout(client, payment="vnpay", email="hoa@example.com")
    else:
        client.post("/checkout", data=contact)
        client.post("/checkout/options", data={"payment_method": "vnpay"})
    started = place(client, review_key(client))
    assert started.status_code == 303, (started.headers.get("Location"), follow(client, started)[-3000:])
    with urllib.request.urlopen(started.headers["Location"], timeout=10) as gateway:
        assert gateway.status == 200
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started.headers["Location"]).query))["vnp_TxnRef"]


def test_a_host_cancelling_the_session_of_an_unpaid_visits_only_order_cancels_the_order_and_a_late_payment_buys_nothing(
    db, client, vnpay
):
    from storefront.experiences.bookings import cancel_session

    session = session_on(make_experience(), next_saturday())
    db.session.commit()
    book_now(client, session, adults=2, children=0)
    ref = _pay_by_vnpay(client, vnpay)
    order, booking = db.session.scalar(select(Order)), db.session.scalar(select(Booking))
    assert order.status is OrderStatus.PENDING_PAYMENT and booking.status is BookingStatus.HELD

    assert cancel_session(session, reason="Mưa lũ, đường vào bản bị ngập") == 1
    db.session.commit()
    assert booking.status is BookingStatus.CANCELLED and session.booked == 0
    assert order.status is OrderStatus.CANCELLED and order.payments[0].status is PaymentStatus.CANCELLED
    assert "Mưa lũ" in order.cancel_reason
    retry = client.post(f"/orders/{order.code}/pay")  # paying again opens no gateway
    assert retry.status_code == 302 and retry.headers["Location"] == f"/orders/{order.code}"

    # The guest had VNPay's page open and pays anyway: the money does not buy the cancelled visit.
    client.get("/payments/vnpay/webhook?" + urllib.parse.urlencode(vnpay.complete(ref, deliver=False)))
    db.session.expire_all()
    assert order.status is OrderStatus.CANCELLED and booking.status is BookingStatus.CANCELLED
    assert session.booked == 0
    late = [p for p in order.payments if p.status is PaymentStatus.NEEDS_REFUND]
    assert [p.amount_vnd for p in late] == [500_000]  # on the office's list of money to give back


def test_a_visit_cancelled_while_a_mixed_order_awaits_payment_is_refunded_when_the_payment_arrives(db, client, vnpay):
    tea = make_product(name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5)
    session = session_on(make_experience(), next_saturday())
    db.session.commit()
    add_to_cart(client, tea, 1)
    book_now(client, session, adults=2, children=0)
    ref = _pay_by_vnpay(client, vnpay, goods=True)
    order, booking = db.session.scalar(select(Order)), db.session.scalar(select(Booking))
    assert order.total_vnd == 380_000 + 500_000 + 20_000

    cancel_by_host(booking, reason="Chủ nhà bận việc gia đình")
    db.session.commit()
    assert order.status is OrderStatus.PENDING_PAYMENT  # the tea can still be bought, at the price VNPay was given
    assert booking.status is BookingStatus.CANCELLED and booking.refunded_vnd == 0

    client.get("/payments/vnpay/webhook?" + urllib.parse.urlencode(vnpay.complete(ref, deliver=False)))
    db.session.expire_all()
    payment = db.session.scalar(select(Payment))
    assert order.status is OrderStatus.PAID and payment.status is PaymentStatus.SUCCEEDED
    assert booking.status is BookingStatus.CANCELLED and session.booked == 0
    assert booking.refunded_vnd == 500_000 and payment.refunded_vnd == 500_000  # the visit's share, through VNPay
    assert [refund.amount_vnd for refund in payment.refunds] == [500_000]
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains(order.code))).all()
    assert any("500.000" in mail.body_text and "hoàn" in mail.body_text for mail in told), [
        (m.subject, m.body_text[:200]) for m in told
    ]


def mixed_bank_transfer_order(db, client):
    """A tea (380.000 ₫) and a visit for 2 adults (500.000 ₫) ordered by bank transfer: (order, booking, office user)."""
    from storefront.accounts.models import Role
    from tests.factories import make_user

    tea = make_product(name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5)
    session = session_on(make_experience(), next_saturday())
    office = make_user(role=Role.OFFICE)
    db.session.commit()
    add_to_cart(client, tea, 1)
    book_now(client, session, adults=2, children=0)
    fill_checkout(client, payment="bank_transfer", email="hoa@example.com")
    place(client, review_key(client))
    return db.session.scalar(select(Order)), db.session.scalar(select(Booking)), office


def test_a_visit_cancelled_before_a_mixed_bank_transfer_arrives_is_listed_for_the_office_to_refund(db, client, login):
    from storefront.checkout.payments.refunds import payments_needing_attention

    order, booking, office = mixed_bank_transfer_order(db, client)
    assert order.total_vnd == 380_000 + 500_000 + 20_000

    cancel_by_host(booking, reason="Chủ nhà bận việc gia đình")
    db.session.commit()
    assert order.status is OrderStatus.PENDING_PAYMENT and booking.status is BookingStatus.CANCELLED

    login.logout()
    login(office)
    assert client.post(f"/office/orders/{order.id}/payment-received").status_code == 302  # the transfer came
    db.session.expire_all()
    assert order.status is OrderStatus.PAID and order.fulfilments[0].status.value == "pending"  # the tea ships
    transfer, owed = order.payments
    assert (transfer.status, transfer.amount_vnd) == (PaymentStatus.SUCCEEDED, 900_000)
    assert (owed.status, owed.method, owed.amount_vnd) == (PaymentStatus.NEEDS_REFUND, "bank_transfer", 500_000)
    assert type(owed.amount_vnd) is int and booking.code in owed.attention_reason
    assert payments_needing_attention() == [owed]
    page = client.get("/office/orders").get_data(as_text=True)
    refunds = page[page.index(booking.code) - 2000 : page.index(booking.code) + 500]
    assert order.code in refunds and "500.000" in refunds


def test_a_host_cancelling_a_visit_already_paid_by_bank_transfer_lists_its_share_for_the_office_to_refund(
    db, client, login
):
    from storefront.checkout.payments.refunds import payments_needing_attention

    order, booking, office = mixed_bank_transfer_order(db, client)
    login.logout()
    login(office)
    assert client.post(f"/office/orders/{order.id}/payment-received").status_code == 302  # the transfer came
    db.session.expire_all()
    assert order.status is OrderStatus.PAID and booking.status is BookingStatus.CONFIRMED
    assert payments_needing_attention() == []

    cancel_by_host(booking, reason="Mưa lớn, đồi chè đóng cửa")  # after the money arrived
    db.session.commit()
    db.session.expire_all()
    transfer, owed = order.payments
    assert (transfer.status, transfer.amount_vnd) == (PaymentStatus.SUCCEEDED, 900_000)
    assert (owed.status, owed.method, owed.amount_vnd) == (PaymentStatus.NEEDS_REFUND, "bank_transfer", 500_000)
    assert order.status is OrderStatus.PAID  # the tea still ships
    assert payments_needing_attention() == [owed]


def visits_only_bank_transfer_order(db, client, session):
    """A visit for 2 adults in *session*, ordered alone by bank transfer (awaiting payment): (order, booking)."""
    book_now(client, session, adults=2, children=0)
    client.post("/checkout", data=BOOKER)
    client.post("/checkout/options", data={"payment_method": "bank_transfer"})
    place(client, review_key(client))
    return db.session.scalar(select(Order)), db.session.scalar(select(Booking))


def test_the_office_hiding_an_experience_cancels_an_unpaid_bank_transfer_visits_only_order(db, client):
    from storefront.accounts.models import Role
    from storefront.checkout.models import IllegalTransition
    from storefront.office.moderation import hide_product
    from tests.factories import make_user

    experience = make_experience()
    session = session_on(experience, next_saturday())
    office = make_user(role=Role.OFFICE)
    db.session.commit()
    order, booking = visits_only_bank_transfer_order(db, client, session)

    hide_product(experience.product, reason="Chưa có giấy phép", actor=office, cancel_bookings=True)
    db.session.commit()
    assert booking.status is BookingStatus.CANCELLED and booking.cancelled_by == "office"
    assert order.status is OrderStatus.CANCELLED and session.booked == 0
    with pytest.raises(IllegalTransition):  # the desk cannot take a transfer for it any more
        mark_payment_received(order, actor=office)
    db.session.rollback()
    page = client.get(f"/orders/{order.code}").get_data(as_text=True)
    assert "Chưa có giấy phép" in page or "huỷ" in page


def test_a_visits_only_order_cannot_be_placed_without_an_email_after_the_goods_left_the_cart(db, client):
    tea = make_product(name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5)
    session = session_on(make_experience(), next_saturday())
    db.session.commit()
    add_to_cart(client, tea, 1)
    fill_checkout(client, payment="bank_transfer", email="")  # goods alone: the e-mail is optional
    book_now(client, session, adults=1, children=0)
    with_goods = client.post("/checkout", data={**_contact(), "email": ""})  # goods and a visit: it is not
    assert with_goods.status_code == 200 and "Vui lòng nhập email để nhận phiếu đặt chỗ." in with_goods.get_data(
        as_text=True
    )
    assert client.post("/cart/remove", data={"product_id": str(tea.id)}).status_code == 302  # only the visit is left
    reviewed = {"idempotency_key": "k" * 32, "reviewed_total_vnd": "250000"}
    for response in (client.get("/checkout/review"), place(client, reviewed)):
        assert response.headers["Location"] == "/checkout"
    assert db.session.scalar(select(Order)) is None
    page = client.get("/checkout").get_data(as_text=True)
    assert "Vui lòng nhập email để nhận phiếu đặt chỗ." in page and 'name="street"' not in page
    assert client.post("/checkout", data=BOOKER).headers["Location"] == "/checkout/options"
    assert client.post("/checkout/options", data={"payment_method": "bank_transfer"}).status_code == 302
    place(client, review_key(client))
    assert db.session.scalar(select(Order)).email == "hoa@example.com"


@pytest.mark.parametrize("who", ["guest", "host"])
def test_a_cancelled_visit_that_ends_its_unpaid_visits_only_order_sends_one_mail(db, client, who):
    """Cancelling the only visit of an order still awaiting its bank transfer cancels the order too: the
    shopper gets one mail that says both (before: the visit's mail and an order mail with an internal reason)."""
    saturday = next_saturday()
    session = session_on(make_experience(free_cancel_hours=24), saturday)
    db.session.commit()
    order, booking = visits_only_bank_transfer_order(db, client, session)
    assert order.status is OrderStatus.PENDING_PAYMENT and order.fulfilments == []
    queued_before = db.session.scalar(select(func.max(OutboxMessage.id)))

    if who == "guest":
        cancel_by_guest(booking, reason="Ốm", now=vn(saturday - timedelta(days=2), 7))
    else:
        cancel_by_host(booking, reason="Mưa lũ, đường vào bản bị ngập")
    db.session.commit()

    assert order.status is OrderStatus.CANCELLED and booking.status is BookingStatus.CANCELLED
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > queued_before)).all()
    assert [(m.to_address, m.subject) for m in mails] == [
        ("hoa@example.com", f"Đặt chỗ {booking.code} và đơn hàng {order.code} đã huỷ")
    ]
    body = mails[0].body_text
    assert f"Đơn hàng {order.code} chưa thanh toán nên cũng đã được huỷ" in body and booking.code in body
    assert "cancelled" not in body  # the order's internal reason stays off the shopper's mail
    if who == "host":
        assert "Chủ nhà huỷ vì: Mưa lũ" in body


def test_a_visits_only_payment_arriving_after_its_places_went_does_not_say_the_visit_is_confirmed(db, client, vnpay):
    """The hold lapsed and others took the places before VNPay reported the payment: the visit is
    refunded, and the payment mail must not tell the guest it is confirmed."""
    experience = make_experience(capacity=2)
    session = session_on(experience, next_saturday())
    db.session.commit()
    ref = _visits_only_order_at_vnpay(client, session)
    booking = db.session.scalar(select(Booking))
    _lapse(db, booking)
    session.booked = session.capacity  # another guest took the places meanwhile
    db.session.commit()

    client.get("/payments/vnpay/webhook?" + urllib.parse.urlencode(vnpay.complete(ref, deliver=False)))
    db.session.expire_all()
    assert booking.status is BookingStatus.EXPIRED and booking.refunded_vnd == 500_000
    paid_mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.contains("đã được thanh toán")))
    assert paid_mail is not None
    assert "đã được xác nhận" not in paid_mail.body_text and "gửi hàng" not in paid_mail.body_text
    refund_mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.contains("đã hoàn tiền")))
    assert "500.000" in refund_mail.body_text  # the guest is told of the refund in its own mail

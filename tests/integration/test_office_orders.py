"""Office order desk: bank transfers marked received, orders cancelled with a reason, refunds recorded; all audited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront.audit.models import AuditLogEntry
from storefront.checkout.models import OrderStatus, Payment, PaymentMethod, PaymentStatus
from storefront.checkout.orders import expire_lapsed_orders
from storefront.columns import utcnow
from storefront.inventory.models import Stock
from tests.factories import make_product
from tests.factories_checkout import make_order
from tests.factories_office import office, request_context  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_context")


def audit_actions(db):
    return db.session.scalars(select(AuditLogEntry.action).order_by(AuditLogEntry.id)).all()


def stock_of(db, product):
    db.session.expire_all()
    return db.session.scalars(select(Stock).where(Stock.product_id == product.id)).one()


def test_the_office_marks_a_bank_transfer_received_and_the_order_becomes_paid(client, db, office):
    product = make_product(on_hand=5)
    order = make_order([(product, 2)], payment="bank_transfer")
    db.session.commit()
    assert order.code in client.get("/office/orders").get_data(as_text=True)

    response = client.post(f"/office/orders/{order.id}/payment-received")

    assert response.status_code == 302
    db.session.refresh(order)
    assert order.status is OrderStatus.PAID
    payment = db.session.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    assert (payment.status, payment.confirmed_by_id) == (PaymentStatus.SUCCEEDED, office.id)
    entry = db.session.scalars(select(AuditLogEntry)).one()
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_id) == (
        "order.payment_received",
        "Order",
        order.id,
        office.id,
    )
    assert entry.before["status"] == "pending_payment" and entry.after["status"] == "paid"
    assert order.code not in client.get("/office/orders").get_data(as_text=True)


def test_marking_an_already_paid_order_received_again_changes_nothing(client, db, office):
    order = make_order([(make_product(), 1)], payment="bank_transfer")
    db.session.commit()
    client.post(f"/office/orders/{order.id}/payment-received")

    response = client.post(f"/office/orders/{order.id}/payment-received")

    assert response.status_code == 302
    assert audit_actions(db) == ["order.payment_received"]
    assert "Không thể thực hiện thao tác này" in client.get(f"/office/orders/{order.id}").get_data(as_text=True)


def test_a_transfer_that_arrives_after_the_units_were_sold_to_someone_else_is_refused(client, db, office):
    product = make_product(on_hand=1)
    late = make_order([(product, 1)], payment="bank_transfer")
    expire_lapsed_orders(now=utcnow() + timedelta(days=30))
    make_order([(product, 1)], payment="cod")
    db.session.commit()
    assert late.status is OrderStatus.EXPIRED

    client.post(f"/office/orders/{late.id}/payment-received")

    db.session.refresh(late)
    assert late.status is OrderStatus.EXPIRED and audit_actions(db) == []
    assert "hãy hoàn tiền cho khách" in client.get(f"/office/orders/{late.id}").get_data(as_text=True)


def test_cancelling_an_order_needs_a_reason_puts_the_units_back_and_is_audited(client, db, office):
    product = make_product(on_hand=5)
    order = make_order([(product, 2)], payment="cod")
    db.session.commit()

    client.post(f"/office/orders/{order.id}/cancel", data={"reason": ""})
    db.session.refresh(order)
    assert order.status is not OrderStatus.CANCELLED and audit_actions(db) == []

    client.post(f"/office/orders/{order.id}/cancel", data={"reason": "Khách gọi điện xin huỷ"})

    db.session.refresh(order)
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "Khách gọi điện xin huỷ")
    stock = stock_of(db, product)
    assert stock.on_hand - stock.reserved == 5
    entry = db.session.scalars(select(AuditLogEntry)).one()
    assert (entry.action, entry.reason, entry.after["status"]) == (
        "order.cancel",
        "Khách gọi điện xin huỷ",
        "cancelled",
    )
    assert "Khách gọi điện xin huỷ" in client.get(f"/office/orders/{order.id}").get_data(as_text=True)


def test_a_delivered_order_cannot_be_cancelled(client, db, office):
    order = make_order([(make_product(), 1)], payment="cod")
    order.status = OrderStatus.DELIVERED
    db.session.commit()

    assert client.post(f"/office/orders/{order.id}/cancel", data={"reason": "Thử"}).status_code == 302

    db.session.refresh(order)
    assert order.status is OrderStatus.DELIVERED and audit_actions(db) == []


def needs_refund(order, amount=99_000):
    payment = Payment(
        order=order,
        method=PaymentMethod.CARD,
        amount_vnd=amount,
        status=PaymentStatus.NEEDS_REFUND,
        attention_reason="paid 99000 vnd, order total differs",
    )
    order.payments.append(payment)
    return payment


def test_a_payment_needing_a_refund_is_listed_until_the_office_records_the_refund(client, db, office):
    order = make_order([(make_product(), 1)], payment="card")
    payment = needs_refund(order)
    db.session.commit()
    page = client.get("/office/orders").get_data(as_text=True)
    assert "paid 99000 vnd, order total differs" in page and "99.000" in page

    client.post(f"/office/payments/{payment.id}/refunded", data={"reason": "Hoàn qua Stripe ngày 29/11"})

    db.session.refresh(payment)
    assert (payment.status, payment.confirmed_by_id) == (PaymentStatus.REFUNDED, office.id)
    entry = db.session.scalars(select(AuditLogEntry)).one()
    assert (entry.action, entry.object_type, entry.before["status"], entry.after["status"]) == (
        "payment.refund",
        "Payment",
        "needs_refund",
        "refunded",
    )
    assert "paid 99000 vnd" not in client.get("/office/orders").get_data(as_text=True)


@pytest.mark.parametrize("status", [PaymentStatus.PENDING, PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED])
def test_only_a_payment_awaiting_a_refund_can_be_recorded_as_refunded(client, db, office, status):
    order = make_order([(make_product(), 1)], payment="card")
    payment = needs_refund(order)
    payment.status = status
    db.session.commit()

    client.post(f"/office/payments/{payment.id}/refunded", data={"reason": "Hoàn"})

    db.session.refresh(payment)
    assert payment.status is status and audit_actions(db) == []


def test_an_order_is_found_by_its_code(client, db, office):
    order = make_order([(make_product(), 1)], payment="cod")
    db.session.commit()
    page = client.get(f"/office/orders?code={order.code.lower()}").get_data(as_text=True)
    assert f'/office/orders/{order.id}"' in page
    assert "Không có đơn mang mã" in client.get("/office/orders?code=TN-NOPE").get_data(as_text=True)


def test_office_pages_load_the_office_stylesheet(client, db, office):
    for url in ("/office/", "/office/orders", "/office/producers", "/office/audit"):
        assert "/static/css/office.css" in client.get(url).get_data(as_text=True), url
    css = client.get("/static/css/office.css")
    assert css.status_code == 200 and b".chart-grid" in css.data
    css.close()

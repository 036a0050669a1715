"""MoMo wallet payments end to end against the loopback MoMo stand-in (tests/gateway_standins.py)."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from storefront.checkout.models import Order, OrderStatus, Payment, PaymentStatus, ProcessedWebhookEvent
from tests.factories import make_producer, make_product
from tests.factories_checkout import CONTACT, add_to_cart, fill_checkout, held_stock, place
from tests.fixtures_gateways import MOMO_ACCESS, MOMO_SECRET, app_config, momo, vnpay  # noqa: F401  (fixtures)
from tests.gateway_standins import _MOMO_RESULT, momo_signature


@pytest.fixture
def products(db):
    rice = make_product(
        producer=make_producer(name="HTX Gạo Bao Thai"), name_vi="Gạo Bao Thai", price_vnd=120_000, on_hand=5
    )
    db.session.commit()
    return (rice,)


def momo_order(client, db, momo, products, quantity=1):
    """Buy with MoMo up to the wallet's page; return (order, MoMo orderId)."""
    add_to_cart(client, products[0], quantity)
    response = place(client, fill_checkout(client, payment="momo"))
    assert response.status_code == 303, (response.get_data(as_text=True)[:500], momo.refusals)
    assert response.headers["Location"].startswith(momo.base_url + "/pay/")
    db.session.expire_all()
    order = db.session.scalar(select(Order))
    return order, urllib.parse.unquote(response.headers["Location"].rsplit("/", 1)[1])


def ipn(client, params: dict):
    return client.post("/payments/momo/webhook", data=json.dumps(params), content_type="application/json", csrf=False)


def resign(params: dict) -> dict:
    return {**params, "signature": momo_signature({**params, "accessKey": MOMO_ACCESS}, _MOMO_RESULT, MOMO_SECRET)}


def test_the_create_request_is_signed_in_whole_dong_with_a_per_attempt_order_id(client, db, momo, products):
    order, order_id = momo_order(client, db, momo, products)
    request = momo.orders[order_id]["request"]
    assert request["amount"] == order.total_vnd == 140_000  # whole đồng, no ×100
    assert order_id == request["requestId"] == order.code.replace("-", "") + "01"
    assert request["requestType"] == "captureWallet"
    assert request["ipnUrl"].endswith("/payments/momo/webhook")
    assert request["redirectUrl"].endswith(f"/orders/{order.code}/paid")
    assert momo.refusals == []
    assert order.status is OrderStatus.PENDING_PAYMENT and held_stock(db, products[0]) == (5, 1)


def test_the_ipn_is_answered_204_and_marks_the_order_paid(client, db, momo, products):
    order, order_id = momo_order(client, db, momo, products)
    response = ipn(client, momo.complete(order_id, deliver=False))
    assert response.status_code == 204 and response.get_data() == b""
    db.session.expire_all()
    assert order.status is OrderStatus.PAID
    payment = db.session.scalar(select(Payment))
    assert payment.status is PaymentStatus.SUCCEEDED and payment.provider_data["trans_id"]
    assert held_stock(db, products[0]) == (4, 0)


def test_an_ipn_with_a_bad_signature_is_a_400_and_changes_nothing(client, db, momo, products):
    order, order_id = momo_order(client, db, momo, products)
    params = momo.complete(order_id, deliver=False)
    assert ipn(client, {**params, "amount": 1_000}).status_code == 400  # changed after MoMo signed
    assert ipn(client, {k: v for k, v in params.items() if k != "signature"}).status_code == 400
    assert ipn(client, resign({**params, "partnerCode": "OTHER"})).status_code == 400
    assert (
        client.post("/payments/momo/webhook", data="[1]", content_type="application/json", csrf=False).status_code
        == 400
    )
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0
    assert held_stock(db, products[0]) == (5, 1)


def test_a_paid_ipn_with_the_wrong_amount_is_flagged_not_paid(client, db, momo, products):
    order, order_id = momo_order(client, db, momo, products)
    assert ipn(client, momo.complete(order_id, amount_vnd=14_000, deliver=False)).status_code == 204
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    payment = db.session.scalar(select(Payment))
    assert (payment.status, payment.amount_vnd) == (PaymentStatus.NEEDS_REFUND, 14_000)


def test_a_duplicate_ipn_makes_one_payment(client, db, momo, products):
    order, order_id = momo_order(client, db, momo, products)
    params = momo.complete(order_id, deliver=False)
    assert ipn(client, params).status_code == 204
    assert ipn(client, params).status_code == 204
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 1
    assert held_stock(db, products[0]) == (4, 0)


def test_a_return_without_the_ipn_stays_pending_then_the_ipn_pays(client, db, momo, products):
    order, order_id = momo_order(client, db, momo, products)
    params = momo.complete(order_id, deliver=False)
    response = client.get(f"/orders/{order.code}/paid?" + urllib.parse.urlencode(params))
    assert "Chúng tôi đang chờ MoMo xác nhận thanh toán" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    ipn(client, params)
    db.session.expire_all()
    assert order.status is OrderStatus.PAID
    response = client.get(f"/orders/{order.code}/paid?" + urllib.parse.urlencode(params))  # IPN before return
    assert "Thanh toán thành công" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_refused_payment_shows_momos_reason_and_can_be_retried(client, db, momo, products):
    order, order_id = momo_order(client, db, momo, products)
    params = momo.complete(order_id, result_code=1006, deliver=False)
    assert ipn(client, params).status_code == 204
    response = client.get(f"/orders/{order.code}/paid?" + urllib.parse.urlencode(params))
    assert "Bạn đã từ chối xác nhận thanh toán." in client.get(response.headers["Location"]).get_data(as_text=True)
    retry = client.post(f"/orders/{order.code}/pay")
    assert retry.status_code == 303 and retry.headers["Location"].endswith(order_id[:-2] + "02")
    assert momo.refusals == []  # a new orderId/requestId: MoMo refuses reused ones (40, 41)


def test_a_total_above_momos_limit_cannot_choose_momo(client, db, momo):
    big = make_product(price_vnd=30_000_000, on_hand=5)
    db.session.commit()
    add_to_cart(client, big, 2)
    client.post("/checkout", data=CONTACT)
    response = client.post("/checkout/options", data={"delivery_method": "standard", "payment_method": "momo"})
    assert response.status_code == 200
    assert "Thanh toán qua ví MoMo tối đa 50.000.000\u00a0₫ mỗi đơn" in response.get_data(as_text=True)


def test_partial_and_full_refunds_go_through_momos_refund_api(app, client, db, momo, products):
    from storefront.checkout.payments.refunds import refund_payment

    order, order_id = momo_order(client, db, momo, products)
    ipn(client, momo.complete(order_id, deliver=False))
    db.session.expire_all()
    payment = db.session.scalar(select(Payment))
    refund_payment(payment, 40_000, reason="giao thiếu")
    db.session.commit()
    assert momo.orders[order_id]["refunded"] == 40_000 and order.status is OrderStatus.PAID
    refund_payment(payment, 100_000, reason="huỷ")
    db.session.commit()
    db.session.expire_all()
    assert payment.status is PaymentStatus.REFUNDED and payment.refunded_vnd == 140_000
    assert order.status is OrderStatus.REFUNDED
    assert momo.orders[order_id]["refunded"] == 140_000 and momo.refusals == []


def test_checkout_lists_every_configured_method_in_the_expected_order_with_limits(app, client, db, products):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    add_to_cart(client, products[0], 1)
    client.post("/checkout", data=CONTACT)
    page = client.get("/checkout/options").get_data(as_text=True)
    positions = [page.index(f'data-method="{code}"') for code in ("cod", "bank_transfer", "vnpay", "momo", "card")]
    assert positions == sorted(positions)
    assert "Từ 5.000\u00a0₫ đến 999.999.999\u00a0₫ mỗi đơn." in page  # VNPay
    assert "Từ 10.000\u00a0₫ đến 50.000.000\u00a0₫ mỗi đơn." in page  # MoMo (payWithATM's minimum)
    assert "Tối đa 99.999.999\u00a0₫ mỗi đơn." in page  # Stripe


def test_without_keys_vnpay_and_momo_are_not_offered(app, client, db, products):
    app.config.update(VNPAY_HASH_SECRET="", MOMO_SECRET_KEY="")
    add_to_cart(client, products[0], 1)
    client.post("/checkout", data=CONTACT)
    page = client.get("/checkout/options").get_data(as_text=True)
    assert 'data-method="vnpay"' not in page and 'data-method="momo"' not in page
    response = client.post("/checkout/options", data={"delivery_method": "standard", "payment_method": "momo"})
    assert response.status_code == 200  # not a choice: the form refuses it
    assert client.get("/payments/momo/webhook").status_code == 404  # MoMo's IPN is a POST


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 140000.5},
        {"amount": "mười"},
        {"resultCode": True},
        {"orderId": "TN\x00ABCDE01"},
        {"orderId": "x" * 300},
        {"transId": "4100 ; drop"},
    ],
)
def test_a_signed_ipn_with_values_the_shop_cannot_use_is_a_400(client, db, momo, products, change):
    order, order_id = momo_order(client, db, momo, products)
    params = resign({**momo.complete(order_id, deliver=False), **change})
    assert ipn(client, params).status_code == 400
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0


def test_a_start_momo_took_but_the_shop_never_recorded_is_not_reused_on_retry(client, db, momo, products, monkeypatch):
    from storefront.checkout.views import common

    def database_gone(*args, **kwargs):
        raise RuntimeError("database went away after MoMo answered")

    monkeypatch.setattr(common, "attach_attempt", database_gone)
    add_to_cart(client, products[0], 1)
    with pytest.raises(RuntimeError):
        place(client, fill_checkout(client, payment="momo"))
    monkeypatch.undo()
    order = db.session.scalar(select(Order))
    assert db.session.scalar(select(Payment.provider_ref)) is None
    assert list(momo.orders) == [order.code.replace("-", "") + "01"]  # MoMo has it
    with client.session_transaction() as browser:
        browser["orders"] = [order.code]
    retry = client.post(f"/orders/{order.code}/pay")
    assert retry.status_code == 303 and retry.headers["Location"].endswith(order.code.replace("-", "") + "02")
    assert momo.refusals == []  # no duplicate orderId (41)

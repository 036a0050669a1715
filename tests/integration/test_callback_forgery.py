"""Provider callbacks cannot be forged for a provider whose keys are not configured.

VNPay and MoMo sign with the merchant's secret; when that secret is unset (the default, or keys
removed while orders of that method still wait), an HMAC keyed with the empty string must not
verify, or anyone could sign "paid" for any order and fill processed_webhook_events.
"""

import json
import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.checkout.models import Order, OrderStatus, Payment, PaymentStatus, ProcessedWebhookEvent
from storefront.checkout.providers.vnpay import sign_query
from tests.factories import make_producer, make_product
from tests.factories_checkout import add_to_cart, fill_checkout, place
from tests.fixtures_gateways import app_config as gateways_config  # noqa: F401
from tests.fixtures_gateways import momo, vnpay  # noqa: F401  (fixtures)
from tests.gateway_standins import _MOMO_RESULT, momo_signature

UNSET = {
    "VNPAY_TMN_CODE": "",
    "VNPAY_HASH_SECRET": "",
    "MOMO_PARTNER_CODE": "",
    "MOMO_ACCESS_KEY": "",
    "MOMO_SECRET_KEY": "",
}


def forged_vnpay(ref: str, amount_vnd: int) -> dict:
    params = {
        "vnp_TmnCode": "",
        "vnp_TxnRef": ref,
        "vnp_Amount": str(amount_vnd * 100),
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "00",
        "vnp_TransactionNo": "1",
    }
    return {**params, "vnp_SecureHash": sign_query(params, "")}


def forged_momo(order_id: str, amount_vnd: int) -> dict:
    values = {"orderId": order_id, "amount": amount_vnd, "resultCode": 0, "transId": 1, "partnerCode": ""}
    return {**values, "signature": momo_signature({**values, "accessKey": ""}, _MOMO_RESULT, "")}


def vnpay_ipn(client, params):
    return client.get("/payments/vnpay/webhook?" + urllib.parse.urlencode(params))


def momo_ipn(client, values):
    return client.post("/payments/momo/webhook", data=json.dumps(values), content_type="application/json", csrf=False)


@pytest.fixture
def app_config(gateways_config):
    return gateways_config


def test_an_anonymous_visitor_cannot_fill_the_event_table_through_unconfigured_gateways(app, client, db):
    app.config.update(UNSET)  # the default: neither gateway has keys
    for n in range(3):
        assert vnpay_ipn(client, forged_vnpay(f"TNZZZZZZ{n:02d}", 10_000)).status_code in (400, 404)
        assert momo_ipn(client, forged_momo(f"TNZZZZZZ{n:02d}", 10_000)).status_code in (400, 404)
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0


@pytest.mark.parametrize("method", ["vnpay", "momo"])
def test_a_pending_order_cannot_be_marked_paid_once_its_gateway_keys_are_removed(app, client, db, method, vnpay, momo):
    make_product(producer=make_producer(name="HTX Chè"), name_vi="Chè búp", price_vnd=250_000, on_hand=5)
    db.session.commit()
    add_to_cart(client, db.session.scalar(select(Product)), 1)
    assert place(client, fill_checkout(client, payment=method)).status_code == 303
    order = db.session.scalar(select(Order))
    ref = db.session.scalar(select(Payment.provider_ref))
    app.config.update(UNSET)  # the shop drops the gateway's keys while the order still waits
    if method == "vnpay":
        response = vnpay_ipn(client, forged_vnpay(ref, order.total_vnd))
    else:
        response = momo_ipn(client, forged_momo(ref, order.total_vnd))
    assert response.status_code in (400, 404)
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(Payment.status)) is PaymentStatus.PENDING
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0


def test_a_deeply_nested_momo_body_is_a_400_not_a_500(app, client, db):
    # The body is read before the signature can be checked; a nesting too deep for Python's parser.
    response = client.post("/payments/momo/webhook", data=b'{"a":' * 5000, content_type="application/json", csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0


def test_a_signature_with_non_ascii_characters_is_a_400_not_a_500(app, client, db):
    # hmac.compare_digest raises TypeError on a non-ASCII str: the configured gateways must refuse it cleanly.
    assert vnpay_ipn(client, {"vnp_TxnRef": "TNZZZZZZ01", "vnp_SecureHash": "é" * 128}).status_code == 400
    assert momo_ipn(client, {"orderId": "TNZZZZZZ01", "signature": "é" * 64}).status_code == 400
    app.config["STRIPE_WEBHOOK_SECRET"] = "whsec_review"
    stripe_signature = f"t={int(time.time())},v1={'é' * 64}"
    response = client.post(
        "/payments/stripe/webhook", data=b"{}", headers={"Stripe-Signature": stripe_signature}, csrf=False
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0

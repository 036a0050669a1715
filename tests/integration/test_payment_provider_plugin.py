"""A provider written only in this file and added with one registry line works end to end.

"Bank X" is a made-up gateway: it redirects the buyer, calls back with a JSON body signed
by an HMAC header, and refunds. Nothing outside this module and the registry knows it.
"""

import hashlib
import hmac
import json

import pytest
from sqlalchemy import select

from storefront.checkout import providers
from storefront.checkout.models import Order, OrderStatus, Payment, PaymentStatus
from storefront.checkout.providers.base import (
    FAILED,
    PAID,
    Attempt,
    Callback,
    InvalidCallback,
    Payable,
    PaymentEvent,
    Provider,
    Refunded,
    Started,
)
from tests.factories import make_product
from tests.factories_checkout import CONTACT, add_to_cart, fill_checkout, place

SECRET = "bank-x-secret"


class BankX(Provider):
    code = "bankx"
    label = "Ngân hàng X"
    short_label = "qua Ngân hàng X"
    brand = "Ngân hàng X"
    description = "Thanh toán qua cổng của Ngân hàng X."
    requires = ("BANKX_SECRET",)
    min_vnd, max_vnd = 10_000, 2_000_000
    redirects = True
    can_refund = True

    def __init__(self):
        super().__init__()
        self.refunds = []

    def start(self, config, attempt: Attempt) -> Started:
        return Started(
            provider_ref=attempt.ref,
            redirect_url=f"https://bankx.example/pay/{attempt.ref}?amount={attempt.amount_vnd}",
        )

    def parse_callback(self, config, callback: Callback) -> PaymentEvent:
        expected = hmac.new(config["BANKX_SECRET"].encode(), callback.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(callback.headers.get("X-Bankx-Signature", ""), expected):
            raise InvalidCallback("bad signature")
        body = json.loads(callback.body)
        return PaymentEvent(
            kind=PAID if body["status"] == "ok" else FAILED,
            amount=body["amount"],
            currency="VND",
            provider_ref=body["ref"],
            event_id=body["event"],
            order_code=self.order_code_from_ref(body["ref"]),
            data={"txn": body["txn"]},
        )

    def refund(self, config, payment: Payable, amount_vnd: int, *, key: str, reason: str, actor: str) -> Refunded:
        self.refunds.append((payment.data["txn"], amount_vnd, key))
        return Refunded(provider_ref=f"xr-{len(self.refunds)}")


@pytest.fixture
def app_config():
    return {"BANKX_SECRET": SECRET}


@pytest.fixture
def bank_x(monkeypatch):
    provider = BankX()
    monkeypatch.setitem(providers.REGISTRY, provider.code, provider)  # the one registry line
    return provider


def callback(client, body: dict, secret=SECRET):
    raw = json.dumps(body).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return client.post(
        "/payments/bankx/webhook",
        data=raw,
        headers={"X-Bankx-Signature": signature, "Content-Type": "application/json"},
        csrf=False,
    )


def test_a_provider_added_in_one_module_and_one_registry_line_takes_and_refunds_a_payment(client, db, bank_x):
    from storefront.checkout.payments.refunds import refund_payment

    product = make_product(price_vnd=80_000, on_hand=3)
    db.session.commit()
    add_to_cart(client, product, 1)
    options = client.get("/checkout/options")  # no contact yet: redirected; fill the steps first
    assert options.status_code == 302
    response = place(client, fill_checkout(client, payment="bankx"))
    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    ref = order.code.replace("-", "") + "01"
    assert response.headers["Location"] == f"https://bankx.example/pay/{ref}?amount={order.total_vnd}"
    assert order.payment_method == "bankx" and order.status is OrderStatus.PENDING_PAYMENT
    page = client.get(f"/orders/{order.code}").get_data(as_text=True)
    assert "Thanh toán qua Ngân hàng X" in page

    event = {"ref": ref, "amount": order.total_vnd, "status": "ok", "event": "x-1", "txn": "T900"}
    assert callback(client, event, secret="wrong").status_code == 400
    assert callback(client, event).status_code == 200
    assert callback(client, event).get_json()["outcome"] == "already processed"
    db.session.expire_all()
    assert order.status is OrderStatus.PAID
    payment = db.session.scalar(select(Payment))
    refund_payment(payment, 30_000, reason="giao thiếu")
    db.session.commit()
    assert bank_x.refunds == [("T900", 30_000, f"rf{payment.id}n1")]
    assert payment.refunded_vnd == 30_000 and payment.status is PaymentStatus.SUCCEEDED


def test_the_new_provider_is_listed_with_its_limits_in_registry_order(client, db, bank_x):
    product = make_product(price_vnd=80_000, on_hand=3)
    db.session.commit()
    add_to_cart(client, product, 1)
    client.post("/checkout", data=CONTACT)
    page = client.get("/checkout/options").get_data(as_text=True)
    assert (
        page.index('data-method="cod"') < page.index('data-method="bank_transfer"') < page.index('data-method="bankx"')
    )
    assert "Từ 10.000\u00a0₫ đến 2.000.000\u00a0₫ mỗi đơn." in page


def test_refunding_a_second_payment_in_full_leaves_the_paid_order_paid(client, db, bank_x):
    from storefront.checkout.payments.refunds import payments_needing_attention, refund_payment

    product = make_product(price_vnd=80_000, on_hand=3)
    db.session.commit()
    add_to_cart(client, product, 1)
    place(client, fill_checkout(client, payment="bankx"))
    order = db.session.scalar(select(Order))
    ref = order.code.replace("-", "")
    first = {"ref": ref + "01", "amount": order.total_vnd, "status": "ok", "event": "x-1", "txn": "T1"}
    second = {**first, "ref": ref + "02", "event": "x-2", "txn": "T2"}  # paid again in another tab
    assert callback(client, first).get_json()["outcome"] == "paid"
    assert callback(client, second).get_json()["outcome"] == "needs refund"
    [extra] = payments_needing_attention()
    refund_payment(extra, extra.amount_vnd, reason="trả hai lần")
    db.session.commit()
    db.session.expire_all()
    assert extra.status is PaymentStatus.REFUNDED and bank_x.refunds[0][0] == "T2"
    assert order.status is OrderStatus.PAID  # the order keeps the first payment

"""Two payments of one order confirmed at once: the second never overwrites the first's record.

The buyer pays attempt 01 and 02 (two tabs); VNPay's two IPNs arrive together. The second
delivery read the payment row before the first committed; it must still see the payment
succeeded and keep its own money as a separate payment to refund.
"""

import threading
import urllib.parse
import urllib.request

from sqlalchemy import select

from storefront.checkout.models import Order, OrderStatus, Payment, PaymentStatus
from storefront.checkout.payments.attempts import current_payment
from storefront.checkout.payments.events import apply_event
from storefront.checkout.providers import vnpay as vnpay_module
from storefront.checkout.providers.base import Callback
from tests.factories import make_producer, make_product
from tests.factories_checkout import add_to_cart, fill_checkout, place
from tests.fixtures_gateways import app_config, momo, vnpay  # noqa: F401  (fixtures)


def started(response):
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as page:  # the buyer opens VNPay's page
        assert page.status == 200
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response.headers["Location"]).query))["vnp_TxnRef"]


def test_a_second_payment_confirmed_while_the_first_commits_is_kept_apart(app, client, db, vnpay):
    tea = make_product(producer=make_producer(name="HTX Chè"), name_vi="Chè búp", price_vnd=250_000, on_hand=5)
    db.session.commit()
    add_to_cart(client, tea, 1)
    first_ref = started(place(client, fill_checkout(client, payment="vnpay")))
    code = db.session.scalar(select(Order.code))
    second_ref = started(client.post(f"/orders/{code}/pay"))
    assert second_ref != first_ref
    first = vnpay.complete(first_ref, deliver=False)
    second = vnpay.complete(second_ref, deliver=False)

    with app.app_context():  # the second delivery's own session reads the order and payment first
        late = db.session.scalar(select(Order).where(Order.code == code))
        assert current_payment(late).status is PaymentStatus.PENDING
        # ... meanwhile the first delivery is applied and committed (its own thread, context and session)
        answers = []
        deliver = threading.Thread(
            target=lambda: answers.append(client.get("/payments/vnpay/webhook?" + urllib.parse.urlencode(first)))
        )
        deliver.start()
        deliver.join(30)
        assert answers[0].get_json()["RspCode"] == "00"
        event = vnpay_module.PROVIDER.parse_callback(app.config, Callback("GET", second, b"", {}))
        assert apply_event("vnpay", event) == "needs refund"
        db.session.commit()
        db.session.remove()

    db.session.expire_all()
    order = db.session.scalar(select(Order))
    assert order.status is OrderStatus.PAID
    payments = db.session.scalars(select(Payment).order_by(Payment.id)).all()
    assert [(p.status, p.provider_ref) for p in payments] == [
        (PaymentStatus.SUCCEEDED, first_ref),
        (PaymentStatus.NEEDS_REFUND, second_ref),
    ]
    assert payments[0].provider_data["transaction_no"] == first["vnp_TransactionNo"]
    assert payments[1].provider_data["transaction_no"] == second["vnp_TransactionNo"]

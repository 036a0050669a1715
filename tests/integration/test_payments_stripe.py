"""Card payments: the real stripe library against localstripe and the Checkout Session stub."""

import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.checkout.models import Order, OrderStatus, Payment, PaymentStatus, ProcessedWebhookEvent
from storefront.inventory.models import Stock
from tests.factories import make_producer, make_product
from tests.factories_checkout import add_to_cart, fill_checkout, place
from tests.fixtures_stripe import app_config, localstripe_url, stub  # noqa: F401  (fixtures)
from tests.stripe_peers import sign_webhook


@pytest.fixture
def products(db):
    tea = make_product(
        producer=make_producer(name="HTX Chè Hảo Đạt"), name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5
    )
    noodles = make_product(
        producer=make_producer(name="HTX Miến Việt Cường"), name_vi="Miến dong", price_vnd=55_500, on_hand=5
    )
    db.session.commit()
    return tea, noodles


def stock(db, product):
    db.session.expire_all()
    row = db.session.scalar(select(Stock).where(Stock.product_id == product.id))
    return row.on_hand, row.reserved


def card_order(client, db, stub, products, quantities=(1, 2), province_code="19", ward_code=None):
    """Buy by card up to the redirect to Stripe; return (order, stripe session id)."""
    for product, quantity in zip(products, quantities):
        add_to_cart(client, product, quantity)
    extra = {"province_code": province_code, **({"ward_code": ward_code} if ward_code else {})}
    response = place(client, fill_checkout(client, payment="card", email="hoa@example.vn", **extra))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].startswith(stub.base_url + "/pay/cs_test_")
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    db.session.expire_all()
    return db.session.scalar(select(Order)), session_id


def post_event(client, signed, *, signature=None):
    headers = {**signed.headers}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/payments/stripe/webhook", data=signed.payload, headers=headers, csrf=False)


def test_a_card_order_sends_whole_dong_amounts_and_an_expiry_matched_to_the_hold(client, db, stub, products):
    order, session_id = card_order(client, db, stub, products)
    session = stub.session(session_id)
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert session["amount_total"] == order.total_vnd == 380_000 + 2 * 55_500 + 20_000  # zero-decimal: no ×100
    assert session["currency"] == "vnd"
    assert session["client_reference_id"] == order.code
    assert session["success_url"].endswith(f"/orders/{order.code}/paid?session_id={{CHECKOUT_SESSION_ID}}")
    hold = db.session.scalar(select(func.min(Stock.reserved)))
    assert hold == 1
    assert 30 * 60 <= session["expires_at"] - time.time() <= 40 * 60
    assert db.session.scalar(select(Payment.provider_ref)) == session_id
    assert stock(db, products[0]) == (5, 1)


def test_a_paid_session_webhook_marks_the_order_paid_and_sells_the_stock(client, db, stub, products):
    order, session_id = card_order(client, db, stub, products)
    response = post_event(client, stub.complete(session_id))
    assert response.status_code == 200
    db.session.expire_all()
    assert order.status is OrderStatus.PAID
    assert db.session.scalar(select(Payment.status)) is PaymentStatus.SUCCEEDED
    assert stock(db, products[0]) == (4, 0) and stock(db, products[1]) == (3, 0)
    page = client.get(f"/orders/{order.code}/paid?session_id={session_id}")
    assert "Thanh toán thành công" in client.get(page.headers["Location"]).get_data(as_text=True)


def test_a_webhook_with_a_bad_signature_is_refused_and_changes_nothing(client, db, stub, products):
    order, session_id = card_order(client, db, stub, products)
    signed = stub.complete(session_id)
    forged = sign_webhook(signed.payload, "whsec_wrong")
    assert post_event(client, signed, signature=forged).status_code == 400
    assert post_event(client, signed, signature="").status_code == 400
    tampered = signed.payload.replace(b'"paid"', b'"paid" ')
    assert client.post("/payments/stripe/webhook", data=tampered, headers=signed.headers, csrf=False).status_code == 400
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0
    assert stock(db, products[0]) == (5, 1)


def test_a_replayed_webhook_is_applied_once(client, db, stub, products):
    order, session_id = card_order(client, db, stub, products)
    signed = stub.complete(session_id)
    first, again = post_event(client, signed), post_event(client, signed)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json()["outcome"] == "already processed"
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 1
    assert stock(db, products[0]) == (4, 0)


def test_an_expired_session_releases_the_stock_and_expires_the_order(client, db, stub, products):
    order, session_id = card_order(client, db, stub, products)
    assert post_event(client, stub.expire(session_id)).status_code == 200
    db.session.expire_all()
    assert order.status is OrderStatus.EXPIRED
    assert stock(db, products[0]) == (5, 0) and stock(db, products[1]) == (5, 0)
    assert db.session.scalar(select(Payment.status)) is PaymentStatus.CANCELLED


def test_a_delayed_payment_is_fulfilled_when_it_succeeds_not_when_the_session_completes(client, db, stub, products):
    order, session_id = card_order(client, db, stub, products)
    post_event(client, stub.complete(session_id, async_payment=True))
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    post_event(client, stub.async_payment_succeeded(session_id))
    db.session.expire_all()
    assert order.status is OrderStatus.PAID
    assert stock(db, products[0]) == (4, 0)


def test_retrying_the_payment_reuses_the_same_stripe_session(client, db, stub, products):
    order, session_id = card_order(client, db, stub, products)
    response = client.post(f"/orders/{order.code}/pay")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/pay/" + session_id)


def test_the_stripe_pay_page_completes_the_payment_through_the_webhook(app, client, db, stub, products, live_app):
    order, session_id = card_order(client, db, stub, products)
    stub.webhook_url = live_app + "/payments/stripe/webhook"
    request = urllib.request.Request(f"{stub.base_url}/pay/{session_id}", data=b"", method="POST")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=10)
    redirect.value.close()
    assert redirect.value.code == 303
    assert redirect.value.headers["Location"].endswith(f"/orders/{order.code}/paid?session_id={session_id}")
    assert stub.deliveries == [("checkout.session.completed", 200)]
    db.session.expire_all()
    assert order.status is OrderStatus.PAID
    payment_intent = stub.session(session_id)["payment_intent"]
    assert payment_intent.startswith("pi_")  # a real PaymentIntent in localstripe


def test_a_stripe_outage_keeps_the_order_and_says_so(app, client, db, products):
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    add_to_cart(client, products[0], 1)
    response = place(client, fill_checkout(client, payment="card", email="hoa@example.vn"))
    order = db.session.scalar(select(Order))
    assert response.headers["Location"] == f"/orders/{order.code}"
    assert "Chưa kết nối được cổng thanh toán thẻ" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert order.status is OrderStatus.PENDING_PAYMENT


def test_a_declined_payment_shows_the_providers_reason_and_keeps_the_order(client, db, products, monkeypatch):
    from storefront.checkout.providers import stripe_card
    from storefront.checkout.providers.base import PaymentDeclined

    def decline(*args, **kwargs):
        raise PaymentDeclined("Thẻ của bạn bị từ chối.")

    monkeypatch.setattr(stripe_card, "create_checkout_session", decline)
    add_to_cart(client, products[0], 1)
    response = place(client, fill_checkout(client, payment="card", email="hoa@example.vn"))
    order = db.session.scalar(select(Order))
    assert "Thẻ của bạn bị từ chối." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert order.status is OrderStatus.PENDING_PAYMENT


def test_card_payment_needs_an_email(client, db, products):
    add_to_cart(client, products[0], 1)
    client.post(
        "/checkout",
        data={
            "contact_name": "Hoa",
            "phone": "0912345678",
            "email": "",
            "province_code": "19",
            "ward_code": "5503",
            "street": "Xóm 1",
        },
    )
    response = client.post("/checkout/options", data={"delivery_method": "standard", "payment_method": "card"})
    assert response.status_code == 200
    assert "Thanh toán bằng thẻ cần email" in response.get_data(as_text=True)


def test_the_webhook_is_the_only_route_without_csrf(app):
    from storefront.extensions import csrf

    exempt = {view for view in csrf._exempt_views if view.startswith("storefront.checkout")}
    assert exempt == {"storefront.checkout.views.callbacks.provider_callback"}


@pytest.fixture
def live_app(app):
    """Serve the app on loopback so the stub can deliver webhooks to it."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def paid_session(order, session_id, **kw):
    return {
        "id": session_id,
        "amount_total": order.total_vnd,
        "currency": "vnd",
        "payment_status": "paid",
        "metadata": {"order_code": order.code},
        **kw,
    }


def test_a_card_payment_with_the_wrong_amount_is_kept_as_needing_a_refund(client, db, stub, products):
    from storefront.checkout.payments.events import fulfil_card_payment
    from storefront.checkout.payments.refunds import payments_needing_attention

    order, session_id = card_order(client, db, stub, products)
    assert fulfil_card_payment(paid_session(order, session_id, amount_total=1_000)) == "amount mismatch"
    db.session.commit()
    assert order.status is OrderStatus.PENDING_PAYMENT
    [payment] = payments_needing_attention()
    assert (payment.order_id, payment.status, payment.amount_vnd) == (order.id, PaymentStatus.NEEDS_REFUND, 1_000)
    assert "paid 1000 vnd" in payment.attention_reason
    assert stock(db, products[0]) == (5, 1)


def test_a_card_payment_after_the_hold_lapsed_and_sold_out_is_not_marked_paid(client, db, stub, products):
    from datetime import timedelta

    from storefront.checkout.payments.events import fulfil_card_payment
    from storefront.checkout.payments.refunds import payments_needing_attention
    from storefront.columns import utcnow
    from storefront.inventory.services import release_expired
    from tests.factories_checkout import make_order

    order, session_id = card_order(client, db, stub, products, quantities=(1, 0))
    release_expired(utcnow() + timedelta(hours=2))  # the expiry's release won the race
    make_order([(products[0], 5)], payment="cod")
    assert fulfil_card_payment(paid_session(order, session_id)) == "needs refund"
    db.session.commit()
    assert order.status is OrderStatus.EXPIRED
    assert stock(db, products[0]) == (0, 0)
    assert [p.order_id for p in payments_needing_attention()] == [order.id]


def test_a_late_card_payment_re_books_the_order_while_stock_allows(client, db, stub, products):
    from datetime import timedelta

    from storefront.checkout.orders import expire_lapsed_orders
    from storefront.columns import utcnow

    order, session_id = card_order(client, db, stub, products, quantities=(2, 0))
    expire_lapsed_orders(utcnow() + timedelta(hours=2))
    db.session.commit()
    response = post_event(client, stub.complete(session_id))
    assert response.get_json()["outcome"] == "paid"
    db.session.expire_all()
    assert order.status is OrderStatus.PAID and stock(db, products[0]) == (3, 0)


def test_the_stripe_session_ends_minutes_before_the_stock_hold(client, db, stub, products):
    from storefront.inventory.models import Reservation

    order, session_id = card_order(client, db, stub, products)
    hold = db.session.scalar(select(func.min(Reservation.expires_at)))
    assert int(hold.timestamp()) - stub.session(session_id)["expires_at"] == 5 * 60


def test_a_card_retry_after_some_minutes_extends_the_hold_and_gets_a_new_session(client, db, stub, products):
    from datetime import timedelta

    from storefront.checkout.payments.attempts import card_session_params
    from storefront.columns import utcnow
    from storefront.inventory.models import Reservation

    order, session_id = card_order(client, db, stub, products)
    later = utcnow() + timedelta(minutes=6)
    params = card_session_params(order, now=later)
    assert params["idempotency_key"] == f"checkout-session-{order.code}-2"
    assert params["expires_at"] - later.timestamp() >= 30 * 60
    hold = db.session.scalar(select(func.min(Reservation.expires_at)))
    assert hold - later >= timedelta(minutes=35)


def test_a_card_retry_after_the_hold_lapsed_says_the_window_closed(client, db, stub, products):
    from datetime import timedelta

    from sqlalchemy import update

    from storefront.columns import utcnow
    from storefront.inventory.models import Reservation

    order, session_id = card_order(client, db, stub, products)
    db.session.execute(update(Reservation).values(expires_at=utcnow() - timedelta(minutes=1)))  # cron not run yet
    db.session.commit()
    response = client.post(f"/orders/{order.code}/pay")
    assert response.headers["Location"] == f"/orders/{order.code}"
    assert "Thời gian giữ hàng cho thanh toán thẻ qua Stripe đã hết" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert order.status is OrderStatus.PENDING_PAYMENT


def test_retrying_when_the_session_would_be_too_short_for_stripe_opens_a_new_one(client, db, stub, products):
    from datetime import timedelta

    from sqlalchemy import update

    from storefront.columns import utcnow
    from storefront.inventory.models import Reservation

    order, session_id = card_order(client, db, stub, products)
    db.session.execute(update(Reservation).values(expires_at=utcnow() + timedelta(minutes=20)))  # 15+ min later
    db.session.commit()
    response = client.post(f"/orders/{order.code}/pay")
    assert response.status_code == 303
    new_id = response.headers["Location"].rsplit("/", 1)[1]
    assert new_id != session_id
    assert stub.session(new_id)["expires_at"] - time.time() >= 30 * 60 - 5
    assert db.session.scalar(select(Payment.attempts)) == 2


def test_an_older_session_expiring_after_a_retry_does_not_expire_the_order(client, db, stub, products):
    from storefront.checkout.payments.events import expire_card_payment

    order, session_id = card_order(client, db, stub, products)
    assert expire_card_payment({"id": "cs_test_older", "metadata": {"order_code": order.code}}) == "nothing to expire"
    assert order.status is OrderStatus.PENDING_PAYMENT


def test_a_paid_session_this_shop_never_opened_cannot_pay_an_order_named_in_its_metadata(app, db, stub, products):
    """Another shop on the same Stripe account (or anyone writing its metadata) can name our order code and amount."""
    from storefront.checkout.providers import stripe_card

    mine, my_session = card_order(app.test_client(), db, stub, products)
    other_shop, _ = stripe_card.create_checkout_session(
        app.config,
        order_code=mine.code,
        email="x@example.com",
        lines=[("Hàng của shop khác", mine.total_vnd, 1)],
        expires_at=int(time.time()) + 3600,
        idempotency_key="another-shop-1",
        success_url="https://other.example/ok",
        cancel_url="https://other.example/cancel",
    )
    response = post_event(app.test_client(), stub.complete(other_shop))
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    db.session.expire_all()
    assert mine.status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(Payment.status)) is PaymentStatus.PENDING
    assert stock(db, products[0]) == (5, 1) and stock(db, products[1]) == (5, 2)  # held, not sold
    assert post_event(app.test_client(), stub.complete(my_session)).get_json()["outcome"] == "paid"
    db.session.expire_all()
    assert mine.status is OrderStatus.PAID and stock(db, products[0]) == (4, 0)


def test_a_session_a_retry_replaced_but_stripe_could_not_close_still_pays_its_order(
    client, db, stub, products, monkeypatch
):
    """The buyer paid the first session as the retry started: Stripe had not closed it, its id is kept."""
    from datetime import timedelta

    from sqlalchemy import update

    from storefront.checkout.providers import stripe_card
    from storefront.columns import utcnow
    from storefront.inventory.models import Reservation

    order, first = card_order(client, db, stub, products)
    db.session.execute(update(Reservation).values(expires_at=utcnow() + timedelta(minutes=20)))
    db.session.commit()
    monkeypatch.setattr(stripe_card, "expire_checkout_session", lambda config, session_id: None)
    second = client.post(f"/orders/{order.code}/pay").headers["Location"].rsplit("/", 1)[1]
    assert second != first and db.session.scalar(select(Payment.provider_ref)) == second
    assert post_event(client, stub.complete(first)).get_json()["outcome"] == "paid"
    db.session.expire_all()
    assert order.status is OrderStatus.PAID and stock(db, products[0]) == (4, 0)


def test_card_payment_is_refused_above_stripes_maximum_amount(client, db):
    product = make_product(price_vnd=50_000_000, on_hand=5)
    db.session.commit()
    add_to_cart(client, product, 2)
    client.post(
        "/checkout",
        data={
            "contact_name": "Hoa",
            "phone": "0912345678",
            "email": "hoa@example.vn",
            "province_code": "19",
            "ward_code": "5503",
            "street": "Xóm 1",
        },
    )
    response = client.post("/checkout/options", data={"delivery_method": "standard", "payment_method": "card"})
    assert response.status_code == 200
    assert "Thanh toán thẻ qua Stripe tối đa 99.999.999\u00a0₫" in response.get_data(as_text=True)
    assert (
        client.post("/checkout/options", data={"delivery_method": "standard", "payment_method": "cod"}).status_code
        == 302
    )


def test_a_card_order_is_committed_before_stripe_is_called_and_the_session_id_after(
    client, db, stub, products, monkeypatch
):
    from storefront.checkout.providers import stripe_card

    real = stripe_card.create_checkout_session
    seen = {}

    def create_and_look(*args, **kwargs):
        # Stripe is called between the two commits: the order and its hold are already durable.
        with Session(db.engine) as other:
            seen["orders"] = other.scalar(select(func.count(Order.id)))
            seen["reserved"] = other.scalar(select(func.sum(Stock.reserved)))
        return real(*args, **kwargs)

    monkeypatch.setattr(stripe_card, "create_checkout_session", create_and_look)
    order, session_id = card_order(client, db, stub, products)
    assert seen == {"orders": 1, "reserved": 3}
    assert db.session.scalar(select(Payment.provider_ref)) == session_id


def test_a_failure_after_stripe_answered_keeps_the_order_and_its_hold_and_a_retry_reuses_the_session(
    client, db, stub, products, monkeypatch
):
    from storefront.checkout.providers import stripe_card
    from storefront.checkout.views import common

    real, opened = stripe_card.create_checkout_session, []

    def create_and_remember(*args, **kwargs):
        opened.append(real(*args, **kwargs)[0])
        return opened[-1], f"{stub.base_url}/pay/{opened[-1]}"

    def broken_attach(order, session_id, data=None):
        raise RuntimeError("database went away before the session id was saved")

    monkeypatch.setattr(stripe_card, "create_checkout_session", create_and_remember)
    monkeypatch.setattr(common, "attach_attempt", broken_attach)
    add_to_cart(client, products[0], 1)
    with pytest.raises(RuntimeError):
        place(client, fill_checkout(client, payment="card", email="hoa@example.vn"))
    db.session.expire_all()
    order = db.session.scalar(select(Order))
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert stock(db, products[0]) == (5, 1)  # held, not sold, not lost
    assert db.session.scalar(select(Payment.provider_ref)) is None
    monkeypatch.undo()
    with client.session_transaction() as browser:  # the failed request set no cookie: look the order up
        browser["orders"] = [order.code]
    response = client.post(f"/orders/{order.code}/pay")  # the order page's "pay" button
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/pay/" + opened[0])  # same attempt, same Stripe session
    db.session.expire_all()
    assert db.session.scalar(select(Payment.provider_ref)) == opened[0]
    assert stock(db, products[0]) == (5, 1)


def test_a_retry_that_opens_a_new_session_expires_the_previous_one_first(client, db, stub, products):
    from datetime import timedelta

    from sqlalchemy import update

    from storefront.columns import utcnow
    from storefront.inventory.models import Reservation

    order, session_id = card_order(client, db, stub, products)
    db.session.execute(update(Reservation).values(expires_at=utcnow() + timedelta(minutes=20)))
    db.session.commit()
    response = client.post(f"/orders/{order.code}/pay")
    new_id = response.headers["Location"].rsplit("/", 1)[1]
    assert new_id != session_id
    assert stub.session(session_id)["status"] == "expired"  # the older session can no longer take money
    assert stub.session(new_id)["status"] == "open"
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT  # expiring an older session does not expire the order


def test_a_card_refund_goes_through_stripes_api_with_an_idempotency_key(client, db, stub, products, monkeypatch):
    import stripe

    from storefront.checkout.payments.refunds import refund_payment
    from storefront.checkout.providers import stripe_card

    order, session_id = card_order(client, db, stub, products)
    assert post_event(client, stub.complete(session_id)).status_code == 200
    db.session.expire_all()
    payment = db.session.scalar(select(Payment))
    assert payment.provider_data["payment_intent"].startswith("pi_")
    keys = []
    real_client = stripe_card._client

    def spying_client(config):
        client_ = real_client(config)
        create = client_.v1.refunds.create

        def create_and_remember(params=None, options=None):
            keys.append((options or {}).get("idempotency_key"))
            return create(params=params, options=options)

        client_.v1.refunds.create = create_and_remember
        return client_

    monkeypatch.setattr(stripe_card, "_client", spying_client)
    refund_payment(payment, 100_000, reason="thiếu một gói")
    db.session.commit()
    assert keys == [f"rf{payment.id}n1"]
    [refund] = payment.refunds
    ls = stripe.StripeClient("sk_test_ocop", base_addresses={"api": stub.base_url})
    assert ls.v1.refunds.retrieve(refund.provider_ref).amount == 100_000
    assert payment.refunded_vnd == 100_000 and order.status is OrderStatus.PAID
    refund_payment(payment, payment.refundable_vnd, reason="huỷ đơn")
    db.session.commit()
    assert keys[-1] == f"rf{payment.id}n2"
    assert payment.status is PaymentStatus.REFUNDED and order.status is OrderStatus.REFUNDED


def test_refunds_stripe_reports_are_recorded_once_whether_made_here_or_in_the_dashboard(client, db, stub, products):
    import json

    from storefront.checkout.models import PaymentRefund
    from storefront.checkout.payments.refunds import refund_payment
    from tests.fixtures_stripe import WEBHOOK_SECRET

    order, session_id = card_order(client, db, stub, products)
    post_event(client, stub.complete(session_id))
    db.session.expire_all()
    payment = db.session.scalar(select(Payment))
    intent = payment.provider_data["payment_intent"]
    refund_payment(payment, 100_000, reason="thiếu một gói")  # through the API
    db.session.commit()

    def charge_refunded(event_id, total):
        body = json.dumps(
            {
                "id": event_id,
                "type": "charge.refunded",
                "data": {
                    "object": {
                        "id": "ch_test_1",
                        "object": "charge",
                        "payment_intent": intent,
                        "amount_refunded": total,
                        "currency": "vnd",
                    }
                },
            }
        ).encode()
        headers = {"Stripe-Signature": sign_webhook(body, WEBHOOK_SECRET), "Content-Type": "application/json"}
        return client.post("/payments/stripe/webhook", data=body, headers=headers, csrf=False).get_json()["outcome"]

    assert charge_refunded("evt_r1", 100_000) == "already refunded"  # Stripe's echo of our own refund
    assert charge_refunded("evt_r2", 250_000) == "refunded"  # 150.000 more, given back in the Dashboard
    assert charge_refunded("evt_r2", 250_000) == "already processed"
    db.session.expire_all()
    assert payment.refunded_vnd == 250_000 and order.status is OrderStatus.PAID
    assert sorted(r.amount_vnd for r in db.session.scalars(select(PaymentRefund))) == [100_000, 150_000]
    assert charge_refunded("evt_r3", order.total_vnd) == "refunded"
    db.session.expire_all()
    assert payment.status is PaymentStatus.REFUNDED and order.status is OrderStatus.REFUNDED

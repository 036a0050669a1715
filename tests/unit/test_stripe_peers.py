"""The Stripe test peers behave enough like Stripe for the real stripe library."""

import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from tests.fixtures_stripe import localstripe_url, stub  # noqa: F401  (fixtures)
from tests.stripe_peers import sign_webhook


@pytest.fixture
def client(stub):
    # One API base for everything: the stub answers checkout sessions and
    # forwards the rest to localstripe.
    return stripe.StripeClient("sk_test_x", base_addresses={"api": stub.base_url}, max_network_retries=0)


def session_params(**kw):
    return {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "vnd", "unit_amount": 120000, "product_data": {"name": "Chè Tân Cương"}},
                "quantity": 2,
            },
            {
                "price_data": {"currency": "vnd", "unit_amount": 85000, "product_data": {"name": "Mật ong"}},
                "quantity": 1,
            },
        ],
        "success_url": "http://shop.test/checkout/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/cart",
        "client_reference_id": "OC-2026-000123",
        "metadata": {"order_number": "OC-2026-000123"},
        "expires_at": int(time.time()) + 3600,
        "customer_email": "hoa@example.vn",
        **kw,
    }


def test_stripe_library_creates_retrieves_and_expires_a_session(client, stub):
    created = client.v1.checkout.sessions.create(params=session_params())
    assert created.id.startswith("cs_test_")
    assert created.object == "checkout.session"
    assert created.amount_total == 2 * 120000 + 85000  # VND is zero-decimal: no ×100
    assert created.currency == "vnd"
    assert (created.status, created.payment_status) == ("open", "unpaid")
    assert created.url == f"{stub.base_url}/pay/{created.id}"
    assert created.metadata["order_number"] == "OC-2026-000123"
    assert client.v1.checkout.sessions.retrieve(created.id).client_reference_id == "OC-2026-000123"
    assert client.v1.checkout.sessions.expire(created.id).status == "expired"
    assert stub.events[-1].event["type"] == "checkout.session.expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(created.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.retrieve("cs_test_missing")


def test_same_idempotency_key_returns_the_same_session(client):
    params = session_params()
    first = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "OC-1"})
    again = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "OC-1"})
    other = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "OC-2"})
    assert again.id == first.id != other.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="OC-9"), options={"idempotency_key": "OC-1"}
        )


def test_expiry_under_30_minutes_is_refused_as_on_stripe(client):
    with pytest.raises(stripe.InvalidRequestError, match="30 minutes"):
        client.v1.checkout.sessions.create(params=session_params(expires_at=int(time.time()) + 15 * 60))


def test_signed_event_verifies_only_with_the_right_secret(client, stub):
    session = client.v1.checkout.sessions.create(params=session_params())
    signed = stub.complete(session.id)
    event = stripe.Webhook.construct_event(signed.payload, signed.signature, stub.webhook_secret)
    assert event.type == "checkout.session.completed"
    assert event.data.object.id == session.id
    assert event.data.object.payment_status == "paid"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(signed.payload, signed.signature, "whsec_wrong")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(signed.payload.replace(b"paid", b"PAID"), signed.signature, stub.webhook_secret)
    header = sign_webhook(b'{"object": "event"}', "whsec_x", timestamp=1_700_000_000)
    assert header == stripe.WebhookSignature.generate_signature_header(
        '{"object": "event"}', "whsec_x", timestamp=1_700_000_000
    )


def test_async_payment_completes_unpaid_then_succeeds(client, stub):
    session = client.v1.checkout.sessions.create(params=session_params())
    completed = stub.complete(session.id, async_payment=True).event["data"]["object"]
    assert (completed["status"], completed["payment_status"]) == ("complete", "unpaid")
    settled = stub.async_payment_succeeded(session.id).event
    assert settled["type"] == "checkout.session.async_payment_succeeded"
    assert settled["data"]["object"]["payment_status"] == "paid"


@pytest.fixture
def webhook_inbox():
    received = []

    class Inbox(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhook", received
    server.shutdown()
    server.server_close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def test_pay_button_completes_posts_webhook_and_redirects(client, stub, webhook_inbox):
    stub.webhook_url, received = webhook_inbox
    session = client.v1.checkout.sessions.create(params=session_params())
    with urllib.request.urlopen(session.url) as page:
        assert b'<button type="submit" id="pay">Pay</button>' in page.read()
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(urllib.request.Request(session.url, data=b"", method="POST"))
    redirect.value.close()  # an HTTPError holds the open response and its socket; a cycle left it to the collector
    assert redirect.value.code == 303
    assert redirect.value.headers["Location"] == f"http://shop.test/checkout/done?session_id={session.id}"
    [(body, signature)] = received
    event = stripe.Webhook.construct_event(body, signature, stub.webhook_secret)
    assert (event.type, event.data.object.id) == ("checkout.session.completed", session.id)
    # Upstream is localstripe: the session's PaymentIntent is real there and refundable.
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert client.v1.payment_intents.retrieve(paid.payment_intent).amount == 325000
    refund = client.v1.refunds.create(params={"payment_intent": paid.payment_intent, "amount": 85000})
    assert (refund.status, refund.amount, refund.currency) == ("succeeded", 85000, "vnd")


def test_localstripe_confirms_a_vnd_payment_intent(localstripe_url):
    ls = stripe.StripeClient("sk_test_x", base_addresses={"api": localstripe_url}, max_network_retries=0)
    intent = ls.v1.payment_intents.create(
        params={"amount": 325000, "currency": "vnd", "payment_method": "pm_card_visa"},
        options={"idempotency_key": "OC-2026-000123"},
    )
    assert intent.status == "requires_confirmation"
    confirmed = ls.v1.payment_intents.confirm(intent.id)
    assert (confirmed.status, confirmed.amount, confirmed.currency) == ("succeeded", 325000, "vnd")


def test_localstripe_declines_charge_customer_fail(localstripe_url):
    ls = stripe.StripeClient("sk_test_x", base_addresses={"api": localstripe_url}, max_network_retries=0)
    intent = ls.v1.payment_intents.create(
        params={"amount": 325000, "currency": "vnd", "payment_method": "pm_card_chargeCustomerFail"}
    )
    with pytest.raises(stripe.CardError) as declined:
        ls.v1.payment_intents.confirm(intent.id)
    assert declined.value.code == "card_declined"
    assert ls.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"

"""Cards from abroad through Stripe Checkout Sessions and webhooks (the one module that talks to Stripe).

Stripe does not onboard Vietnamese businesses: this is for an operator with an account
outside Vietnam. Amounts are whole đồng: VND is zero-decimal for Stripe, so no ×100.
"""

import json
import logging
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from storefront.checkout.providers.base import (
    EXPIRED,
    FAILED,
    PAID,
    REFUNDED,
    Answer,
    Attempt,
    Callback,
    InvalidCallback,
    Payable,
    PaymentDeclined,
    PaymentError,
    PaymentEvent,
    Provider,
    Refunded,
    RefundFailed,
    Started,
)
from storefront.text import CONTROL_RE

if TYPE_CHECKING:
    import stripe

log = logging.getLogger(__name__)
# The stripe package is imported where a payment needs it: it adds about 15 MB to every web
# worker that loads it, and most workers never take a card payment.

#: Stripe's largest amount: eight digits in the currency's smallest unit (whole đồng for VND).
STRIPE_MAX_AMOUNT_VND = 99_999_999
#: Stripe refuses a Checkout Session that expires sooner than 30 minutes after creation.
STRIPE_MIN_SESSION_MINUTES = 30


class UnusableEvent(InvalidCallback):
    """A signed webhook body that is not a Stripe event this shop can read (answered 400)."""


def _client(config) -> "stripe.StripeClient":
    import stripe

    base = config.get("STRIPE_API_BASE")
    options = {"base_addresses": {"api": base}} if base else {}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], max_network_retries=2, **options)


def create_checkout_session(
    config, *, order_code, email, lines, expires_at: int, idempotency_key: str, success_url: str, cancel_url: str
):
    """Create (or, for the same key, find again) the Stripe Checkout Session; return (id, url).

    :raises PaymentDeclined: for errors the customer can act on.
    :raises PaymentError: for everything else (logged).
    """
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "vnd", "unit_amount": unit_amount, "product_data": {"name": name}},
                "quantity": quantity,
            }
            for name, unit_amount, quantity in lines
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": order_code,
        "metadata": {"order_code": order_code},
        "payment_intent_data": {"metadata": {"order_code": order_code}},
        "expires_at": expires_at,
        "locale": "vi",
    }
    if email:
        params["customer_email"] = email
    import stripe

    try:
        session = _client(config).v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.CardError as exc:
        raise PaymentDeclined(exc.user_message or str(exc)) from exc
    except stripe.StripeError as exc:
        log.error("stripe checkout session for %s failed: %s", order_code, exc)
        raise PaymentError(str(exc)) from exc
    return session.id, session.url


def expire_checkout_session(config, session_id: str) -> None:
    """Close an older session before a retry opens a new one, so only one can take money.

    :raises PaymentDeclined: the older session was already paid (its webhook is on the way).
    """
    import stripe

    client = _client(config)
    try:
        client.v1.checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError as exc:
        try:
            status = client.v1.checkout.sessions.retrieve(session_id).status
        except stripe.StripeError:
            status = None
        if status == "complete":
            raise PaymentDeclined(str(_l("Đơn hàng đã được thanh toán; chúng tôi đang chờ Stripe xác nhận."))) from exc
        log.info("older stripe session %s not expired (%s): %s", session_id, status, exc)
    except stripe.StripeError as exc:
        log.error("expiring stripe session %s failed: %s", session_id, exc)
        raise PaymentError(str(exc)) from exc


def verify_webhook(payload: bytes, signature: str | None, secret: str) -> dict:
    """Return the parsed body once its signature verifies, else raise InvalidCallback."""
    if not secret or not signature:
        raise InvalidCallback("missing signature or secret")
    if not signature.isascii():  # stripe's comparison raises TypeError on non-ASCII text
        raise InvalidCallback("signature is not ASCII")
    import stripe

    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
        # Parsed here, not by construct_event: it fails with AttributeError on a signed array.
        return json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:  # JSON errors are ValueErrors
        raise InvalidCallback(str(exc)) from exc


def read_stripe_event(event) -> dict:
    """Return the event's data object (a Checkout Session), or raise UnusableEvent.

    The signature proves who sent the body, not its shape: an array, an event without an id,
    type or data, or a session without an id cannot be applied or remembered.
    """
    if not isinstance(event, dict):
        raise UnusableEvent("not a JSON object")
    if not _storable(event):
        raise UnusableEvent("text the database cannot store (NUL or a lone surrogate)")
    if not _usable_text(event.get("id"), 255):
        raise UnusableEvent("no event id")
    if not _usable_text(event.get("type"), 80):
        raise UnusableEvent("no event type")
    data = event.get("data")
    session = data.get("object") if isinstance(data, dict) else None
    if not isinstance(session, dict) or not _usable_text(session.get("id"), 255):
        raise UnusableEvent("no data object with an id")
    return session


def _storable(value) -> bool:
    """Whether every text in a parsed JSON value is free of NUL and lone surrogates (Stripe sends neither)."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def _usable_text(value, max_length: int) -> bool:
    """Whether *value* is text the events table can store (PostgreSQL refuses NUL, columns have lengths)."""
    return isinstance(value, str) and 0 < len(value) <= max_length and not CONTROL_RE.search(value)


def charge_refunded_event(event: dict, charge: dict) -> PaymentEvent:
    """``charge.refunded`` (from the shop's API refunds and the Dashboard alike): the total refunded so far."""
    intent, refunded = charge.get("payment_intent"), charge.get("amount_refunded")
    return PaymentEvent(
        kind=REFUNDED if isinstance(intent, str) and type(refunded) is int else None,
        amount=refunded if type(refunded) is int else None,
        currency=str(charge.get("currency") or ""),
        provider_ref=charge["id"],
        event_id=event["id"],
        event_type=event["type"],
        payment_key=("payment_intent", intent) if isinstance(intent, str) and len(intent) <= 255 else None,
        data={"refund_id": charge["id"]},
    )


def session_event(event: dict) -> PaymentEvent:
    """Read a verified Stripe event into the neutral event (kind None: recorded, not applied)."""
    session = read_stripe_event(event)
    if event["type"] == "charge.refunded":
        return charge_refunded_event(event, session)
    kind_of = {
        "checkout.session.async_payment_succeeded": PAID,
        "checkout.session.async_payment_failed": FAILED,
        "checkout.session.expired": EXPIRED,
    }
    kind = kind_of.get(event["type"])
    if event["type"] == "checkout.session.completed" and session.get("payment_status") == "paid":
        kind = PAID
    metadata = session.get("metadata")
    code = (metadata.get("order_code") if isinstance(metadata, dict) else None) or session.get("client_reference_id")
    amount = session.get("amount_total")
    intent = session.get("payment_intent")
    return PaymentEvent(
        kind=kind,
        amount=amount if type(amount) is int else None,
        currency=str(session.get("currency") or ""),
        provider_ref=session["id"],
        event_id=event["id"],
        order_code=code if isinstance(code, str) and len(code) <= 40 else None,
        event_type=event["type"],
        data={"payment_intent": intent} if isinstance(intent, str) else {},
    )


class StripeCard(Provider):
    code = "card"
    slug = "stripe"
    label = _l("Thẻ quốc tế (Visa, Mastercard) qua Stripe")
    brand = "Stripe"
    short_label = _l("thẻ qua Stripe")
    description = _l("Thanh toán trên trang bảo mật của Stripe.")
    requires = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
    max_vnd = STRIPE_MAX_AMOUNT_VND
    email_required = _l("Thanh toán bằng thẻ cần email: vui lòng quay lại bước 1 để nhập email.")
    redirects = True
    new_ref_each_start = False
    min_window_minutes = STRIPE_MIN_SESSION_MINUTES
    can_refund = True

    def start(self, config, attempt: Attempt) -> Started:
        if attempt.previous_ref:
            expire_checkout_session(config, attempt.previous_ref)
        session_id, url = create_checkout_session(
            config,
            order_code=attempt.order_code,
            email=attempt.email,
            lines=attempt.lines,
            expires_at=int(attempt.expires_at.timestamp()),
            idempotency_key=attempt.idempotency_key,
            success_url=attempt.return_url + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=attempt.cancel_url,
        )
        return Started(provider_ref=session_id, redirect_url=url)

    def parse_callback(self, config, callback: Callback) -> PaymentEvent:
        event = verify_webhook(
            callback.body, callback.headers.get("Stripe-Signature"), config.get("STRIPE_WEBHOOK_SECRET", "")
        )
        return session_event(event)

    def answer(self, outcome: str, event: PaymentEvent | None) -> Answer:
        # Stripe only needs a 2xx; another shop's session on the same account is "ignored".
        return super().answer("ignored" if outcome == "not found" else outcome, event)

    def refund(self, config, payment: Payable, amount_vnd: int, *, key: str, reason: str, actor: str) -> Refunded:
        """Refund through the API; *key* is the idempotency key, so a retried request refunds once."""
        import stripe

        intent = payment.data.get("payment_intent")
        if not intent:
            raise RefundFailed(str(_l("Stripe chưa báo mã thanh toán (payment intent) của khoản này.")))
        try:
            refund = _client(config).v1.refunds.create(
                params={
                    "payment_intent": intent,
                    "amount": amount_vnd,
                    "metadata": {"order_code": payment.order_code, "by": actor},
                },
                options={"idempotency_key": key},
            )
        except stripe.StripeError as exc:
            log.error("stripe refund %s for %s failed: %s", key, payment.order_code, exc)
            raise RefundFailed(getattr(exc, "user_message", None) or str(exc)) from exc
        return Refunded(provider_ref=refund.id, data={"status": refund.status})


PROVIDER = StripeCard()

"""Payment methods and the one module that talks to Stripe (Checkout Sessions, webhooks)."""

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from storefront.errors import DomainError

if TYPE_CHECKING:
    import stripe

log = logging.getLogger(__name__)
# The stripe package is imported where a payment needs it: it adds about 15 MB to every web
# worker that loads it, and most workers never take a card payment.


class PaymentError(DomainError):
    """The payment failed for a reason the customer cannot fix; logged, shown generically."""


class PaymentDeclined(PaymentError):
    """The provider refused the payment for a reason the customer can fix; ``message`` is shown."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidWebhook(DomainError):
    """A webhook whose body or signature does not verify."""


@dataclass(frozen=True)
class PaymentOption:
    code: str
    label: str
    description: str
    #: Config keys that must be set for the option to be offered.
    requires: tuple[str, ...] = ()


#: The methods a customer can choose, in the order shown.
PAYMENT_METHODS = {
    "cod": PaymentOption("cod", _l("Thanh toán khi nhận hàng (COD)"), _l("Trả tiền mặt cho người giao hàng.")),
    "bank_transfer": PaymentOption(
        "bank_transfer",
        _l("Chuyển khoản ngân hàng (VietQR)"),
        _l("Quét mã VietQR bằng ứng dụng ngân hàng; đơn được xử lý khi nhận được tiền."),
        ("BANK_BIN", "BANK_ACCOUNT"),
    ),
    "card": PaymentOption(
        "card",
        _l("Thẻ quốc tế (Visa, Mastercard) qua Stripe"),
        _l("Thanh toán trên trang bảo mật của Stripe."),
        ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
    ),
}


def available_methods(config) -> dict[str, PaymentOption]:
    """Return the methods whose settings are configured; card is hidden without Stripe keys."""
    return {code: option for code, option in PAYMENT_METHODS.items() if all(config.get(key) for key in option.requires)}


def _client(config) -> "stripe.StripeClient":
    import stripe

    base = config.get("STRIPE_API_BASE")
    options = {"base_addresses": {"api": base}} if base else {}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], max_network_retries=2, **options)


def create_checkout_session(
    config, *, order, lines, expires_at: int, idempotency_key: str, success_url: str, cancel_url: str
):
    """Create (or, for the same order code, find again) the Stripe Checkout Session; return (id, url).

    Amounts are whole đồng: VND is zero-decimal for Stripe, so no ×100. The key (order
    code + attempt) makes a retried request return the same session.
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
        "client_reference_id": order.code,
        "metadata": {"order_code": order.code},
        "payment_intent_data": {"metadata": {"order_code": order.code}},
        "expires_at": expires_at,
        "locale": "vi",
    }
    if order.email:
        params["customer_email"] = order.email
    import stripe

    try:
        session = _client(config).v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.CardError as exc:
        raise PaymentDeclined(exc.user_message or str(exc)) from exc
    except stripe.StripeError as exc:
        log.error("stripe checkout session for %s failed: %s", order.code, exc)
        raise PaymentError(str(exc)) from exc
    return session.id, session.url


def verify_webhook(payload: bytes, signature: str | None, secret: str) -> dict:
    """Return the parsed body once its signature verifies, else raise InvalidWebhook."""
    if not secret or not signature:
        raise InvalidWebhook("missing signature or secret")
    import stripe

    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
        # Parsed here, not by construct_event: it fails with AttributeError on a signed array.
        # What the parsed body holds is checked by services.read_stripe_event.
        return json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:  # JSON errors are ValueErrors
        raise InvalidWebhook(str(exc)) from exc

"""The one interface every payment provider implements, and the neutral types it speaks.

Pure of Flask and the database: a provider gets the app config and plain values, and
gives back plain values. Order services (``storefront.checkout.settlement``) only ever
see a :class:`PaymentEvent`, whichever provider sent it.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from storefront.errors import DomainError

#: Vietnam time (GMT+7): VNPay and MoMo timestamps are written in it.
VN_TZ = timezone(timedelta(hours=7))


class PaymentError(DomainError):
    """The payment failed for a reason the customer cannot fix; logged, shown generically."""


class PaymentDeclined(PaymentError):
    """The provider refused for a reason the customer can act on; ``message`` is shown."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidCallback(DomainError):
    """A callback, webhook or return whose signature or shape does not verify (answered 400)."""


class RefundFailed(DomainError):
    """The provider refused or could not be reached for a refund; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


#: What a provider's reference or transaction number may look like (letters, digits, ``_.:-``):
#: anything else in a signed callback is refused rather than stored.
SAFE_REF = re.compile(r"[A-Za-z0-9_.:-]{1,100}")

#: Event kinds order services understand.
PAID, FAILED, EXPIRED, REFUNDED = "paid", "failed", "expired", "refunded"


@dataclass(frozen=True)
class PaymentEvent:
    """What a provider said about one payment attempt, in the shop's terms.

    ``provider_ref`` is the attempt's id at the provider (the one ``start`` returned);
    for REFUNDED, ``amount`` is the total refunded so far at the provider (so events may
    arrive in any order and twice);
    ``order_code`` lets an older attempt still find its order (a Stripe session only when the
    order recorded its id: payments/events.py); ``event_id`` is unique per
    provider and makes redelivery a no-op; ``amount`` is whole đồng.
    """

    kind: str | None  #: PAID, FAILED, EXPIRED, REFUNDED, or None for an event the shop ignores
    amount: int | None
    currency: str
    provider_ref: str
    event_id: str
    order_code: str | None = None
    event_type: str = ""  #: the provider's own name for it, for the log
    message: str = ""  #: the provider's reason for a failure, in Vietnamese when it has one
    data: dict = field(default_factory=dict)  #: kept on the payment for later refunds/queries
    #: A provider_data entry that names the payment when provider_ref does not (a refund
    #: event names the charge, not the attempt): ("payment_intent", "pi_...").
    payment_key: tuple[str, str] | None = None


@dataclass(frozen=True)
class Attempt:
    """One try at paying an order, as a provider needs it."""

    order_code: str
    number: int  #: 1, 2, ... per order
    ref: str  #: unique attempt id at the provider (VNPay vnp_TxnRef, MoMo orderId)
    amount_vnd: int
    lines: list  #: [(name, unit price đồng, quantity)], delivery fee included
    expires_at: datetime  #: when the provider must stop taking money (UTC)
    idempotency_key: str
    previous_ref: str | None  #: the attempt this one replaces, which the provider should close
    return_url: str
    notify_url: str
    cancel_url: str
    client_ip: str = "127.0.0.1"
    email: str | None = None
    language: str = "vi"
    description: str = ""


@dataclass(frozen=True)
class Started:
    """How the buyer goes on: a page to go to, or a QR / instructions shown on the order page."""

    provider_ref: str
    redirect_url: str | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Callback:
    """An incoming HTTP request from a provider (IPN, webhook) or the buyer's return, Flask-free."""

    method: str
    args: dict  #: query string, first value of each name
    body: bytes
    headers: dict


@dataclass(frozen=True)
class Refunded:
    provider_ref: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Payable:
    """What a refund needs to know about the payment being refunded."""

    amount_vnd: int
    refunded_vnd: int
    provider_ref: str
    data: dict
    order_code: str


@dataclass(frozen=True)
class Answer:
    """The HTTP answer a provider expects to its callback."""

    status: int
    body: str | bytes = b""
    content_type: str = "application/json"


class Provider:
    """A way to pay. Subclasses set the class attributes and override what they support.

    Adding a provider: one module with a subclass, its config keys, its tests, and one line
    in ``storefront.checkout.providers.REGISTRY``.
    """

    code: str = ""
    #: Name in callback URLs (/payments/<slug>/webhook); the code unless the provider's own name differs.
    slug: str = ""
    label = ""  #: shown in the list of methods
    #: Fits "Thanh toán …" / "cổng thanh toán …" in messages (e.g. "qua VNPay").
    short_label = ""
    #: The provider's own name, for "we are waiting for … to confirm".
    brand = ""
    description = ""
    #: Config keys that must all be set for the method to be offered.
    requires: tuple[str, ...] = ()
    #: Smallest and largest order total the provider takes, whole đồng (None: no limit).
    min_vnd: int | None = None
    max_vnd: int | None = None
    #: Message when the buyer gave no email and the provider needs one (None: not needed).
    email_required = None
    #: The buyer leaves the shop to pay (redirect); False for COD and transfers.
    redirects = False
    #: Every start needs a new attempt id (VNPay and MoMo refuse a reused one); Stripe
    #: instead finds the same session again by idempotency key.
    new_ref_each_start = True
    #: The provider refuses a payment window shorter than this (Stripe: 30 minutes).
    min_window_minutes = 0
    #: The provider's window ends this long before the stock hold ends.
    window_margin_minutes = 5
    #: The provider can give money back through its API.
    can_refund = False
    #: Shown on the unpaid order page (instructions, QR, "pay now"); None: nothing to show.
    order_template: str | None = None
    #: A script (under static/) that template needs, e.g. copy buttons.
    order_script: str | None = None
    #: The buyer's return from the provider carries a signed result worth showing.
    has_return_page = False
    #: HTTP methods of the provider's callback (IPN / webhook).
    callback_methods: tuple[str, ...] = ("POST",)

    def __init__(self):
        if self.redirects and self.order_template is None:
            self.order_template = "checkout/_pay_redirect.html"

    def available(self, config) -> bool:
        return all(config.get(key) for key in self.requires)

    def hold_minutes(self, config) -> int:
        minutes = config.get("RESERVATION_MINUTES", 30)
        return max(minutes, self.min_window_minutes + self.window_margin_minutes + 5) if self.redirects else minutes

    def limits_error(self, total_vnd: int) -> bool:
        return (self.min_vnd is not None and total_vnd < self.min_vnd) or (
            self.max_vnd is not None and total_vnd > self.max_vnd
        )

    def attempt_ref(self, order_code: str, number: int) -> str:
        """A unique attempt id tied to the order: ``TN7F3K9Q`` + attempt number (letters and digits only)."""
        return f"{order_code.replace('-', '')}{number:02d}"

    def order_code_from_ref(self, ref: str) -> str | None:
        """The order code inside an attempt id made by :meth:`attempt_ref`, or None."""
        if not isinstance(ref, str) or len(ref) < 10 or not ref[:2] == "TN" or not ref[8:].isdigit():
            return None
        return f"TN-{ref[2:8]}"

    def start(self, config, attempt: Attempt) -> Started:
        raise NotImplementedError

    def parse_callback(self, config, callback: Callback) -> PaymentEvent:
        """Verify and read a callback; raise InvalidCallback when it does not verify."""
        raise InvalidCallback(f"{self.code} sends no callbacks")

    def answer(self, outcome: str, event: PaymentEvent | None) -> Answer:
        """The answer to a verified callback after the shop applied it (*outcome* from settlement)."""
        return Answer(200, json.dumps({"received": True, "outcome": outcome}))

    def invalid_answer(self, reason: str) -> Answer:
        return Answer(400, json.dumps({"error": "invalid signature", "reason": reason}))

    def parse_return(self, config, callback: Callback) -> PaymentEvent:
        """Verify the buyer's return from the provider; only shown, never applied."""
        raise InvalidCallback(f"{self.code} has no return page")

    def refund(self, config, payment: Payable, amount_vnd: int, *, key: str, reason: str, actor: str) -> Refunded:
        raise RefundFailed("this payment method cannot refund through the provider")

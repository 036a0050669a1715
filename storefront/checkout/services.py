"""Checkout and order rules: delivery fees, placing orders, payments and fulfilment moves.

Services flush and never commit; the view, webhook or CLI command that calls them commits.
Status mail is queued in the same transaction and sent after the commit.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from storefront.addresses import THAI_NGUYEN, format_address, ward_in_province
from storefront.cart.services import CartSummary, summarize
from storefront.checkout import providers
from storefront.checkout.models import (
    ORDER_TRANSITIONS,
    Fulfilment,
    FulfilmentStatus,
    IllegalTransition,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentRefund,
    PaymentStatus,
    ProcessedWebhookEvent,
)
from storefront.checkout.providers.base import EXPIRED, FAILED, PAID, REFUNDED, Payable
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.filters import vnd
from storefront.inventory.services import (
    commit_sale,
    extend_reservations,
    lapsed_order_ids,
    open_reservations,
    release_expired,
    release_reservations,
    reserve_stock,
    return_sold_stock,
    return_units,
    sell_unreserved,
    units_by_stock,
)
from storefront.outbox.services import queue_mail
from storefront.text import display_phone

log = logging.getLogger(__name__)

#: Flat delivery fee by zone, first match wins; "provinces": None means every other province.
#: Override the whole dict with the DELIVERY_ZONES setting.
DEFAULT_DELIVERY_ZONES = {
    "thai_nguyen": {
        "label": _l("Nội tỉnh Thái Nguyên"),
        "provinces": {THAI_NGUYEN},
        "fee_vnd": 20_000,
        "days": _l("1–2 ngày"),
    },
    "north": {
        "label": _l("Các tỉnh miền Bắc"),
        "fee_vnd": 35_000,
        "days": _l("2–3 ngày"),
        "provinces": {1, 4, 8, 11, 12, 14, 15, 20, 22, 24, 25, 31, 33, 37},
    },
    "rest": {"label": _l("Các tỉnh còn lại"), "provinces": None, "fee_vnd": 45_000, "days": _l("3–5 ngày")},
}
DELIVERY_METHODS = {"standard": _l("Giao hàng tiêu chuẩn (bưu điện / đơn vị vận chuyển)")}
#: Largest order we take: above it a quantity is a typo or an attack, and it keeps every
#: sum far inside the BigInteger columns.
MAX_ORDER_TOTAL_VND = 1_000_000_000
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L


class CheckoutError(DomainError):
    """Base of the checkout and order errors."""


class CartNotReady(CheckoutError):
    """The cart is empty or holds products that cannot be bought as they are."""


class BadAddress(CheckoutError):
    """The ward is not in the chosen province."""


class OrderNotReady(CheckoutError):
    """The order is not in a state that allows this step (e.g. packing an unpaid order)."""


class PaymentTooLate(CheckoutError):
    """Money arrived for an order whose stock hold lapsed and whose units are sold out; the office refunds."""


class PriceChanged(CheckoutError):
    """The total differs from the one the buyer confirmed on the review page (Decree 52)."""

    def __init__(self, reviewed_vnd: int, total_vnd: int):
        super().__init__(f"reviewed {reviewed_vnd} VND, now {total_vnd} VND")
        self.reviewed_vnd = reviewed_vnd
        self.total_vnd = total_vnd


class OrderTooLarge(CheckoutError):
    """The total is above MAX_ORDER_TOTAL_VND."""


class AmountOutsideLimits(CheckoutError):
    """The total is outside what the chosen payment provider takes in one payment."""

    def __init__(self, total_vnd: int, provider):
        super().__init__(total_vnd)
        self.total_vnd = total_vnd
        self.provider = provider


#: Old name (card was the only method with a limit).
CardLimitExceeded = AmountOutsideLimits


class UnknownMethod(CheckoutError):
    """No payment provider has this code."""


class CannotCancel(CheckoutError):
    """The buyer may no longer cancel: the order is paid by card, shipping or closed."""


class CardRetryClosed(CheckoutError):
    """The stock hold of a card order lapsed, so no new card payment can start."""


@dataclass
class CheckoutDetails:
    """What the shopper typed in the checkout steps; nothing about prices."""

    contact_name: str
    phone: str
    email: str | None
    province_code: int
    ward_code: int
    street: str
    delivery_method: str = "standard"
    payment_method: str = "cod"
    note: str = ""
    language: str = "vi"  #: the shopper's page language; the order's mails use it


@dataclass
class DeliveryQuote:
    zone: str
    label: str
    fee_vnd: int
    days: str


@dataclass
class Quote:
    cart: CartSummary
    delivery: DeliveryQuote

    @property
    def subtotal_vnd(self) -> int:
        return self.cart.subtotal_vnd

    @property
    def total_vnd(self) -> int:
        return self.subtotal_vnd + self.delivery.fee_vnd


def delivery_quote(province_code: int, subtotal_vnd: int) -> DeliveryQuote:
    """Return the zone, fee and expected time for delivery to a province; free above the threshold."""
    zones = current_app.config.get("DELIVERY_ZONES") or DEFAULT_DELIVERY_ZONES
    for name, zone in zones.items():
        if zone.get("provinces") is None or int(province_code) in zone["provinces"]:
            free_from = current_app.config.get("FREE_SHIPPING_FROM_VND")
            fee = 0 if free_from and subtotal_vnd >= free_from else int(zone["fee_vnd"])
            return DeliveryQuote(name, zone["label"], fee, zone["days"])
    raise BadAddress(province_code)


def quote(contents: dict, province_code: int) -> Quote:
    """Price a cart for delivery to a province from the database, never from the browser."""
    cart = summarize(contents)
    # Stock is not checked here: the guarded reservation decides, race-free.
    if not cart.items or not all(item.is_on_sale for item in cart.items):
        raise CartNotReady()
    return Quote(cart, delivery_quote(province_code, cart.subtotal_vnd))


def check_total(total_vnd: int, method: str) -> None:
    """Refuse totals above the shop's cap, and totals outside the payment provider's limits.

    :raises OrderTooLarge, AmountOutsideLimits, UnknownMethod:
    """
    if total_vnd > MAX_ORDER_TOTAL_VND:
        raise OrderTooLarge(total_vnd)
    provider = providers.get(method)
    if provider is None:
        raise UnknownMethod(method)
    if provider.limits_error(total_vnd):
        raise AmountOutsideLimits(total_vnd, provider)


def new_order_code() -> str:
    """Return an unused code like TN-7F3K9Q: short to read out, not guessable."""
    while True:
        code = "TN-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Order.id).where(Order.code == code)) is None:
            return code


def order_by_idempotency_key(key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.idempotency_key == key))


def _latest_lot(product) -> str | None:
    batches = [b for b in getattr(product, "batches", []) if b.is_published and b.recalled_at is None]
    return batches[-1].lot_code if batches else None


def hold_minutes(method: str) -> int:
    """How long the stock is held for an order paid this way (the provider decides)."""
    return providers.get(method).hold_minutes(current_app.config)


def place_order(
    contents: dict,
    details: CheckoutDetails,
    *,
    user=None,
    idempotency_key: str,
    reviewed_total_vnd: int | None = None,
    now: datetime | None = None,
) -> Order:
    """Create the order from the cart at current prices, reserve its stock and start its payment.

    A second call with the same idempotency key returns the first order. Cash on delivery
    is confirmed at once and its units are sold; transfer and card orders wait for payment.
    *reviewed_total_vnd* is the total the buyer confirmed on the review page; the order is
    only made at that total (Decree 52: the buyer agrees to the price before the contract).
    :raises CartNotReady, BadAddress, InsufficientStock, PriceChanged, OrderTooLarge, CardLimitExceeded:
        nothing is kept; the caller rolls back.
    """
    existing = order_by_idempotency_key(idempotency_key)
    if existing is not None:
        return existing
    if not ward_in_province(details.ward_code, details.province_code):
        raise BadAddress(details.ward_code)
    now = now or utcnow()
    expire_lapsed_orders(now)
    priced = quote(contents, details.province_code)
    if reviewed_total_vnd is not None and reviewed_total_vnd != priced.total_vnd:
        raise PriceChanged(reviewed_total_vnd, priced.total_vnd)
    check_total(priced.total_vnd, details.payment_method)
    method = details.payment_method
    order = Order(
        code=new_order_code(),
        user_id=user.id if user else None,
        idempotency_key=idempotency_key,
        contact_name=details.contact_name,
        phone=details.phone,
        email=details.email or None,
        province_code=details.province_code,
        ward_code=details.ward_code,
        street=details.street,
        delivery_method=details.delivery_method,
        delivery_fee_vnd=priced.delivery.fee_vnd,
        subtotal_vnd=priced.subtotal_vnd,
        total_vnd=priced.total_vnd,
        payment_method=method,
        note=details.note or "",
        language=details.language or "vi",
    )
    db.session.add(order)
    for producer, items in priced.cart.groups:
        fulfilment = Fulfilment(producer_id=producer.id)
        order.fulfilments.append(fulfilment)
        for item in items:
            line = OrderLine(
                product_id=item.product.id,
                producer_id=producer.id,
                product_name=item.product.name,
                producer_name=producer.name,
                lot_code=_latest_lot(item.product),
                unit_price_vnd=item.unit_price_vnd,
                quantity=item.quantity,
                line_total_vnd=item.line_total_vnd,
            )
            order.lines.append(line)
            fulfilment.lines.append(line)
    order.payments.append(Payment(method=method, amount_vnd=order.total_vnd))
    db.session.flush()
    reserve_stock(order, minutes=hold_minutes(method), now=now)
    if method == PaymentMethod.COD:
        move_order(order, OrderStatus.CONFIRMED)
        commit_sale(order, now=now)
    _notify(order, _l("Xác nhận đơn hàng %(code)s", code=order.code), lambda: _confirmation_text(order))
    db.session.flush()
    return order


def payment_attempt(order: Order, provider, *, now: datetime | None = None, retry: bool = False) -> dict:
    """Prepare the next try at paying *order* with a redirect *provider*; flushes, the caller commits.

    The provider's window ends ``window_margin_minutes`` before the stock hold. When that
    leaves less than the provider accepts (Stripe: 30 minutes), the hold is extended and the
    attempt number goes up; providers that refuse a reused reference (VNPay, MoMo) get a new
    attempt number on every start after the first (*retry*: the buyer's "pay" button). A new
    attempt names the one it replaces, which the provider closes first.
    :raises CardRetryClosed: nothing is held any more (the hold lapsed or the order moved on).
    """
    now = now or utcnow()
    held = open_reservations(order)
    if order.status is not OrderStatus.PENDING_PAYMENT or not held or held[0].expires_at <= now:
        raise CardRetryClosed(order.code)
    margin = timedelta(minutes=provider.window_margin_minutes)
    payment = current_payment(order)
    window_ends = held[0].expires_at - margin
    previous_ref = payment.provider_ref
    if window_ends < now + timedelta(minutes=provider.min_window_minutes + 1):
        hold_until = now + timedelta(minutes=provider.min_window_minutes + provider.window_margin_minutes + 5)
        extend_reservations(order, until=hold_until)
        payment.attempts += 1
        window_ends = hold_until - margin
    elif provider.new_ref_each_start and (retry or payment.provider_ref is not None):
        # A retry may follow a start the provider took but we never recorded: never reuse its reference.
        payment.attempts += 1
    else:
        previous_ref = None  # the same attempt again: the provider finds it by idempotency key
    lines = [(line.product_name, line.unit_price_vnd, line.quantity) for line in order.lines]
    if order.delivery_fee_vnd:
        lines.append((str(_l("Phí vận chuyển")), order.delivery_fee_vnd, 1))
    db.session.flush()
    return {
        "number": payment.attempts,
        "ref": provider.attempt_ref(order.code, payment.attempts),
        "amount_vnd": order.total_vnd,
        "lines": lines,
        "expires_at": window_ends,
        "idempotency_key": f"checkout-session-{order.code}-{payment.attempts}",
        "previous_ref": previous_ref,
    }


def card_session_params(order: Order, *, now: datetime | None = None) -> dict:
    """What a Stripe session needs: line items in whole đồng, expiry (epoch seconds) and idempotency key."""
    from storefront.checkout.providers import stripe_card

    attempt = payment_attempt(order, stripe_card.PROVIDER, now=now)
    return {**attempt, "expires_at": int(attempt["expires_at"].timestamp())}


def attach_attempt(order: Order, provider_ref: str, data: dict | None = None) -> None:
    """Remember the provider's id of the current attempt (what its callbacks name)."""
    payment = current_payment(order)
    payment.provider_ref = provider_ref
    if data:
        payment.provider_data = {**(payment.provider_data or {}), **data}
    db.session.flush()


def current_payment(order: Order) -> Payment | None:
    """The order's payment by its chosen method (the first one; later ones are extra money to refund)."""
    return next((p for p in order.payments if p.method == order.payment_method), None)


class RefundNotPossible(CheckoutError):
    """The payment has no money left to refund, the amount is wrong, or its provider cannot refund."""


def record_event(provider_code: str, event) -> bool:
    """Remember a provider event; False when it was already handled (a redelivery).

    The unique (provider, event id) pair also raises IntegrityError at commit when two
    deliveries of one event race; the caller answers that as already processed.
    """
    seen = db.session.scalar(
        select(ProcessedWebhookEvent.id).where(
            ProcessedWebhookEvent.provider == provider_code, ProcessedWebhookEvent.event_id == event.event_id
        )
    )
    if seen is not None:
        return False
    db.session.add(
        ProcessedWebhookEvent(
            provider=provider_code, event_id=event.event_id, event_type=(event.event_type or event.kind or "")[:80]
        )
    )
    db.session.flush()
    return True


def order_for_event(provider_code: str, event) -> Order | None:
    """The order an event is about (by the attempt's reference, else by the order code it carries).

    None for another shop's payment on the same account, or an order not paid this way.
    """
    order = db.session.scalar(
        select(Order)
        .join(Order.payments)
        .where(Payment.provider_ref == event.provider_ref, Payment.method == provider_code)
    )
    if order is None and event.payment_key is not None:
        order = db.session.scalar(select(Order).join(Order.payments).where(*_payment_key_match(provider_code, event)))
    if order is None and isinstance(event.order_code, str):
        order = db.session.scalar(select(Order).where(Order.code == event.order_code))
    if order is None or order.payment_method != provider_code:
        return None
    return order


def _payment_key_match(provider_code: str, event) -> tuple:
    key, value = event.payment_key
    return Payment.method == provider_code, Payment.provider_data[key].as_string() == value


def apply_event(provider_code: str, event, *, now: datetime | None = None) -> str:
    """Apply a verified neutral event once; return the outcome (for the log and the provider's answer).

    Outcomes: "paid", "already paid", "amount mismatch", "needs refund", "failed", "expired",
    "nothing to expire", "refunded", "ignored", "not found", "already processed".
    """
    if not record_event(provider_code, event):
        return "already processed"
    if event.kind is None:
        return "ignored"
    order = order_for_event(provider_code, event)
    if order is None:
        log.error("%s event %s (%s) matches no order paid that way", provider_code, event.event_id, event.provider_ref)
        return "not found"
    if event.kind == PAID:
        return fulfil_payment(order, event, now=now)
    if event.kind == FAILED:
        return fail_payment(order, event)
    if event.kind == EXPIRED:
        return expire_payment(order, event)
    if event.kind == REFUNDED:
        return record_refund_event(order, event)
    return "ignored"


def fulfil_payment(order: Order, event, *, now: datetime | None = None) -> str:
    """Mark the order paid from a provider's "paid" event and sell its units.

    Money that cannot buy the order (wrong amount or currency, a second payment, or too late
    with the units sold out) is kept as a payment the office refunds; the order is not paid.
    """
    payment = current_payment(order)
    if payment.status is PaymentStatus.SUCCEEDED and payment.provider_ref == event.provider_ref:
        return "already paid"
    if event.amount != order.total_vnd or str(event.currency).lower() != "vnd":
        _needs_refund(
            order, event, f"paid {event.amount} {str(event.currency).lower()}, order total {order.total_vnd} vnd"
        )
        return "amount mismatch"
    if payment.status is PaymentStatus.SUCCEEDED:
        return _needs_refund(order, event, "second payment for an order already paid")
    if not _sell_for_payment(order, now or utcnow()):
        return _needs_refund(order, event, f"paid while the order was {order.status.value}; units not available")
    payment.status = PaymentStatus.SUCCEEDED
    payment.provider_ref = event.provider_ref
    payment.provider_data = {**(payment.provider_data or {}), **event.data}
    payment.attention_reason = ""
    _notify(
        order,
        _l("Đơn hàng %(code)s đã được thanh toán", code=order.code),
        _l(
            "Chúng tôi đã nhận thanh toán %(total)s qua %(method)s cho đơn %(code)s. Các cơ sở sản xuất sẽ đóng gói và gửi hàng.",
            total=vnd(order.total_vnd),
            method=PAYMENT_METHOD_LABELS[order.payment_method],
            code=order.code,
        ),
    )
    db.session.flush()
    return "paid"


def _needs_refund(order: Order, event, reason: str) -> str:
    """Keep money that cannot buy the order as a payment the office must refund."""
    payment = current_payment(order)
    _lock(payment)  # read afresh: a payment confirmed since this delivery loaded it must not be overwritten
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.NEEDS_REFUND, PaymentStatus.REFUNDED):
        payment = Payment(method=order.payment_method, amount_vnd=0)
        order.payments.append(payment)
    amount = event.amount
    payment.amount_vnd = amount if type(amount) is int and 0 <= amount <= MAX_ORDER_TOTAL_VND * 100 else 0
    payment.status = PaymentStatus.NEEDS_REFUND
    payment.provider_ref = event.provider_ref
    payment.provider_data = {**(payment.provider_data or {}), **event.data}
    payment.attention_reason = reason[:300]
    log.error(
        "order %s: %s payment %s needs a refund: %s", order.code, order.payment_method, event.provider_ref, reason
    )
    db.session.flush()
    return "needs refund"


def fail_payment(order: Order, event) -> str:
    """A declined or abandoned attempt: the order keeps waiting (the buyer may retry while the hold lasts)."""
    payment = current_payment(order)
    if payment.status is PaymentStatus.PENDING and payment.provider_ref == event.provider_ref:
        payment.attention_reason = (event.message or event.event_type or "")[:300]
        db.session.flush()
    return "failed"


def expire_payment(order: Order, event) -> str:
    """Give back the stock of an order whose current attempt expired unpaid (an older attempt changes nothing)."""
    if current_payment(order).provider_ref != event.provider_ref:
        return "nothing to expire"  # an older attempt, replaced by a retry
    return "expired" if _expire(order) else "nothing to expire"


def _lock(payment: Payment) -> None:
    """Lock the payment row (PostgreSQL; SQLite serialises writers anyway) and read it afresh."""
    db.session.flush()
    db.session.execute(select(Payment.id).where(Payment.id == payment.id).with_for_update())
    db.session.refresh(payment)


def record_refund_event(order: Order, event) -> str:
    """Bring a payment in line with a refund the provider reports (made through the shop or its dashboard).

    ``event.amount`` is the total refunded so far; only what the shop has not yet recorded is
    added, so our own API refunds echoed back, and repeats, change nothing.
    """
    payment = None
    if event.payment_key is not None:
        key, value = event.payment_key
        payment = next((p for p in order.payments if (p.provider_data or {}).get(key) == value), None)
    payment = payment or next((p for p in order.payments if p.provider_ref == event.provider_ref), None)
    if payment is None or type(event.amount) is not int:
        return "ignored"
    _lock(payment)  # an API refund of ours still in flight holds it: its echo then finds it recorded
    total = min(event.amount, payment.amount_vnd)
    new = total - (payment.refunded_vnd or 0)
    if new <= 0:
        return "already refunded"
    was_paid = payment.status is PaymentStatus.SUCCEEDED and payment.method == order.payment_method
    payment.refunds.append(
        PaymentRefund(
            amount_vnd=new,
            request_key=f"ev-{hashlib.sha256(f'{payment.method}:{event.event_id}'.encode()).hexdigest()[:40]}",
            provider_ref=str(event.data.get("refund_id") or event.provider_ref)[:255],
            reason=str(_l("Hoàn tiền do cổng thanh toán báo về")),
        )
    )
    payment.refunded_vnd = total
    if total == payment.amount_vnd:
        _close_refunded(order, payment, was_paid)
    log.info("order %s: %s reports %s refunded in all", order.code, payment.method, total)
    db.session.flush()
    return "refunded"


def _close_refunded(order: Order, payment: Payment, was_paid: bool) -> None:
    """A payment given back in full; the order too when that was the money that bought it."""
    payment.status = PaymentStatus.REFUNDED
    if was_paid and order.status in (OrderStatus.PAID, OrderStatus.DELIVERED):
        previous = order.status
        move_order(order, OrderStatus.REFUNDED)
        if previous is OrderStatus.PAID:  # nothing left the shop: the units go back on sale
            return_sold_stock(order)
            for fulfilment in order.fulfilments:
                if fulfilment.status is FulfilmentStatus.PENDING:
                    fulfilment.move_to(FulfilmentStatus.CANCELLED)


def refund_payment(
    payment: Payment, amount_vnd: int, *, actor=None, reason: str = "", config=None, request_key: str | None = None
) -> Payment:
    """Give back *amount_vnd* of a payment through its provider (full or partial); flushes.

    *request_key* (the refund form's one-time key; by default payment id + refund number)
    goes to the provider as its idempotency key or request id, and a refund already made
    with it is not made again: a double-submitted form refunds once. The payment row is
    locked first, so two refunds of one payment never interleave. A full refund of an
    order's paid payment moves the order to refunded.
    :raises RefundNotPossible: wrong amount, nothing left, or the provider cannot refund.
    :raises storefront.checkout.providers.base.RefundFailed: the provider refused (its message).
    """
    _lock(payment)
    if request_key is not None and any(refund.request_key == request_key for refund in payment.refunds):
        return payment  # this very request was already done
    provider = providers.get(payment.method)
    if provider is None or not provider.can_refund:
        raise RefundNotPossible("provider cannot refund")
    if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.NEEDS_REFUND):
        raise RefundNotPossible(payment.status.value)
    if type(amount_vnd) is not int or not 0 < amount_vnd <= payment.refundable_vnd:
        raise RefundNotPossible(f"amount {amount_vnd} outside 1..{payment.refundable_vnd}")
    order = payment.order
    paid_the_order = payment.status is PaymentStatus.SUCCEEDED and payment.method == order.payment_method
    key = request_key or f"rf{payment.id}n{len(payment.refunds) + 1}"
    done = provider.refund(
        config or current_app.config,
        Payable(
            amount_vnd=payment.amount_vnd,
            refunded_vnd=payment.refunded_vnd or 0,
            provider_ref=payment.provider_ref or "",
            data=payment.provider_data or {},
            order_code=order.code,
        ),
        amount_vnd,
        key=key,
        reason=reason,
        actor=getattr(actor, "email", None) or "ocop",
    )
    payment.refunds.append(
        PaymentRefund(
            amount_vnd=amount_vnd,
            request_key=key,
            provider_ref=done.provider_ref[:255],
            reason=reason[:300],
            created_by_id=getattr(actor, "id", None),
        )
    )
    payment.refunded_vnd = (payment.refunded_vnd or 0) + amount_vnd
    if payment.refunded_vnd == payment.amount_vnd:
        _close_refunded(order, payment, paid_the_order)
    _notify(
        order,
        _l("Đơn hàng %(code)s: đã hoàn tiền", code=order.code),
        _l(
            "Chúng tôi đã hoàn %(amount)s cho đơn %(code)s qua %(method)s. Tiền về tài khoản của bạn tuỳ thời gian xử lý của ngân hàng.",
            amount=vnd(amount_vnd),
            code=order.code,
            method=PAYMENT_METHOD_LABELS[payment.method],
        ),
    )
    db.session.flush()
    return payment


def refundable_through_provider(payment: Payment) -> bool:
    """Whether the office can give (more of) this payment back through its provider's API."""
    provider = providers.get(payment.method)
    return (
        provider is not None
        and provider.can_refund
        and payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.NEEDS_REFUND)
        and payment.refundable_vnd > 0
        and bool(payment.provider_ref)
    )


def payments_needing_attention() -> list[Payment]:
    """Return the payments the office must refund, oldest first, with their orders loaded."""
    return db.session.scalars(
        select(Payment)
        .where(Payment.status == PaymentStatus.NEEDS_REFUND)
        .options(joinedload(Payment.order))
        .order_by(Payment.created_at, Payment.id)
    ).all()


def _card_event(session: dict, kind: str):
    from storefront.checkout.providers.stripe_card import session_event

    event = session_event({"id": f"direct-{session.get('id')}", "type": "direct", "data": {"object": session}})
    return replace(event, kind=kind)


def fulfil_card_payment(session: dict, *, now: datetime | None = None) -> str:
    """Apply a paid Checkout Session directly (no event recorded); for tests and the CLI."""
    event = _card_event(session, PAID)
    order = order_for_event(PaymentMethod.CARD, event)
    return fulfil_payment(order, event, now=now) if order is not None else "ignored"


def expire_card_payment(session: dict) -> str:
    """Apply an expired Checkout Session directly (no event recorded)."""
    event = _card_event(session, EXPIRED)
    order = order_for_event(PaymentMethod.CARD, event)
    return expire_payment(order, event) if order is not None else "nothing to expire"


def move_order(order: Order, target: OrderStatus) -> None:
    """Change the order's status with one guarded UPDATE, so of two racing moves only one wins.

    :raises IllegalTransition: the table forbids the move, or another transaction moved the
        order first (``order.status`` then reads the new state).
    """
    current = order.status
    if target not in ORDER_TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    if not _claim(order, current, target):
        raise IllegalTransition(order.status, target)


def _claim(order: Order, expected: OrderStatus, target: OrderStatus | None = None) -> bool:
    """Lock the order row if its status is still *expected* (moving it to *target*); else False.

    Payments and expiry both lock the order row first, then reservations, then stock, so
    they never wait on each other in a cycle; the loser sees the winner's status.
    """
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == expected)
        .values(status=target or expected, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.expire(order, ["updated_at"])
    if result.rowcount != 1:
        db.session.expire(order, ["status"])
        return False
    set_committed_value(order, "status", target or expected)
    return True


def _sell_for_payment(order: Order, now: datetime) -> bool:
    """Make a pending or lapsed order paid and sell its units; False, selling nothing, when they are gone."""
    if _claim(order, OrderStatus.PENDING_PAYMENT):
        sold = commit_sale(order, now=now)
        # An expiry that ran first released some holds: take those units off the shelf again.
        if sell_unreserved(units_by_stock(order) - sold):
            move_order(order, OrderStatus.PAID)
            return True
        return_units(sold)
        _expire(order, now=now)
        return False
    if _claim(order, OrderStatus.EXPIRED) and sell_unreserved(units_by_stock(order)):
        move_order(order, OrderStatus.PAID)
        for fulfilment in order.fulfilments:
            # Cancelled only by the expiry just undone, so they reopen (outside the fulfilment table).
            fulfilment.status = FulfilmentStatus.PENDING
        return True
    return False


def _expire(order: Order, *, now: datetime | None = None) -> bool:
    """Expire a still-unpaid order and give its held units back; False when it moved on first."""
    if order.status is not OrderStatus.PENDING_PAYMENT:
        return False
    try:
        move_order(order, OrderStatus.EXPIRED)
    except IllegalTransition:
        return False
    release_reservations(order, now=now)
    for payment in order.payments:
        if payment.status is PaymentStatus.PENDING:
            payment.status = PaymentStatus.CANCELLED
    for fulfilment in order.fulfilments:
        if fulfilment.status is not FulfilmentStatus.CANCELLED:
            fulfilment.move_to(FulfilmentStatus.CANCELLED)
    db.session.flush()
    return True


def expire_lapsed_orders(now: datetime | None = None) -> int:
    """Release holds past their expiry and mark their unpaid orders expired; return how many orders.

    Cheap when nothing lapsed (one indexed query), so checkout calls it before
    reserving stock; ``flask checkout release-expired`` runs it every minute as well.
    """
    now = now or utcnow()
    order_ids = lapsed_order_ids(now)
    if not order_ids:
        return 0
    count = 0
    for order_id in order_ids:
        order = db.session.get(Order, order_id)
        if order is not None and order.status is OrderStatus.PENDING_PAYMENT and _expire(order, now=now):
            count += 1
    release_expired(now)  # holds of orders that are no longer unpaid
    return count


def mark_payment_received(order: Order, *, actor) -> Order:
    """Record that a bank transfer (or the COD cash) arrived; a transfer order becomes paid.

    A transfer that arrives after the hold lapsed still buys the order while stock allows.
    :raises PaymentTooLate: the hold lapsed and the units are sold out; the caller rolls back.
    :raises IllegalTransition: the order was already paid, cancelled or refunded.
    """
    payment = next((p for p in order.payments if p.method == order.payment_method), None)
    if order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED):
        if not _sell_for_payment(order, utcnow()):
            raise PaymentTooLate(order.code)
    elif order.payment_method != PaymentMethod.COD or order.status is OrderStatus.CANCELLED:
        raise IllegalTransition(order.status, OrderStatus.PAID)
    if payment is not None:
        payment.status = PaymentStatus.SUCCEEDED
        payment.confirmed_by_id = actor.id if actor else None
    _notify(
        order,
        _l("Đơn hàng %(code)s: đã nhận thanh toán", code=order.code),
        _l("Chúng tôi đã nhận %(total)s cho đơn %(code)s. Cảm ơn bạn!", total=vnd(order.total_vnd), code=order.code),
    )
    db.session.flush()
    return order


def _require_sold(order: Order) -> None:
    if order.status not in (OrderStatus.PAID, OrderStatus.CONFIRMED, OrderStatus.PACKED, OrderStatus.SHIPPED):
        raise OrderNotReady(order.status.value)


def _all(order: Order, statuses) -> bool:
    live = [f for f in order.fulfilments if f.status is not FulfilmentStatus.CANCELLED]
    return bool(live) and all(f.status in statuses for f in live)


def pack_fulfilment(fulfilment: Fulfilment, *, actor) -> Fulfilment:
    """Mark one producer's part packed; the order is packed when every part is."""
    order = fulfilment.order
    _require_sold(order)
    fulfilment.move_to(FulfilmentStatus.PACKED)
    fulfilment.packed_at = utcnow()
    if _all(
        order, {FulfilmentStatus.PACKED, FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED}
    ) and order.status in (OrderStatus.PAID, OrderStatus.CONFIRMED):
        move_order(order, OrderStatus.PACKED)
    _notify(
        order,
        _l("Đơn hàng %(code)s đã được đóng gói", code=order.code),
        _l(
            "%(producer)s đã đóng gói phần hàng của bạn trong đơn %(code)s.",
            producer=_producer_name(fulfilment),
            code=order.code,
        ),
    )
    db.session.flush()
    return fulfilment


def ship_fulfilment(fulfilment: Fulfilment, *, carrier: str, tracking_number: str, actor) -> Fulfilment:
    """Hand one producer's part to a carrier; the order is shipped when every part is."""
    order = fulfilment.order
    _require_sold(order)
    fulfilment.move_to(FulfilmentStatus.SHIPPED)
    fulfilment.carrier, fulfilment.tracking_number = carrier.strip(), tracking_number.strip()
    fulfilment.shipped_at = utcnow()
    if _all(order, {FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED}) and order.status is OrderStatus.PACKED:
        move_order(order, OrderStatus.SHIPPED)
    _notify(
        order,
        _l("Đơn hàng %(code)s đang được giao", code=order.code),
        _l(
            "%(producer)s đã gửi hàng qua %(carrier)s, mã vận đơn %(tracking)s.",
            producer=_producer_name(fulfilment),
            carrier=fulfilment.carrier or "—",
            tracking=fulfilment.tracking_number or "—",
        ),
    )
    db.session.flush()
    return fulfilment


def deliver_fulfilment(fulfilment: Fulfilment, *, actor) -> Fulfilment:
    """Mark one part delivered; when all are, the order is delivered and COD cash counts as paid."""
    order = fulfilment.order
    fulfilment.move_to(FulfilmentStatus.DELIVERED)
    fulfilment.delivered_at = utcnow()
    if _all(order, {FulfilmentStatus.DELIVERED}) and order.status is OrderStatus.SHIPPED:
        move_order(order, OrderStatus.DELIVERED)
        for payment in order.payments:
            if payment.method == PaymentMethod.COD and payment.status is PaymentStatus.PENDING:
                payment.status = PaymentStatus.SUCCEEDED
    _notify(
        order,
        _l("Đơn hàng %(code)s đã giao thành công", code=order.code),
        _l(
            "Phần hàng của %(producer)s trong đơn %(code)s đã được giao. Cảm ơn bạn đã ủng hộ sản phẩm OCOP!",
            producer=_producer_name(fulfilment),
            code=order.code,
        ),
    )
    db.session.flush()
    return fulfilment


def cancel_order(order: Order, *, actor=None, reason: str = "") -> Order:
    """Cancel an order that has not shipped and put its units back on sale.

    :raises IllegalTransition: the order has shipped, was delivered or is already closed.
    """
    was = order.status
    move_order(order, OrderStatus.CANCELLED)
    order.cancel_reason = reason[:500]
    if was is OrderStatus.PENDING_PAYMENT:
        release_reservations(order)
    else:
        return_sold_stock(order)
    for fulfilment in order.fulfilments:
        if fulfilment.status in (FulfilmentStatus.PENDING, FulfilmentStatus.PACKED):
            fulfilment.move_to(FulfilmentStatus.CANCELLED)
    refund_due = False
    for payment in order.payments:
        if payment.status is PaymentStatus.PENDING:
            payment.status = PaymentStatus.CANCELLED
        elif payment.status is PaymentStatus.SUCCEEDED and payment.method != PaymentMethod.COD:
            refund_due = True

    def body():
        text = [str(_l("Đơn hàng %(code)s đã bị huỷ.", code=order.code))]
        if reason:
            text.append(str(_l("Lý do: %(reason)s", reason=reason)))
        if refund_due:
            text.append(str(_l("Số tiền bạn đã thanh toán sẽ được hoàn lại.")))
        return "\n".join(text)

    log.info("order %s cancelled by %s: %s", order.code, getattr(actor, "id", "customer"), reason)
    _notify(order, _l("Đơn hàng %(code)s đã bị huỷ", code=order.code), body)
    db.session.flush()
    return order


def buyer_can_cancel(order: Order) -> bool:
    """Say whether the buyer may still cancel: unpaid or COD-confirmed, and nothing shipped (Decree 52)."""
    return order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CONFIRMED) and not any(
        f.status in (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED) for f in order.fulfilments
    )


def cancel_order_by_buyer(order: Order, *, reason: str) -> Order:
    """Cancel at the buyer's request before the order is final; held or sold units go back.

    :raises CannotCancel: the order is paid, shipping or already closed (or became so meanwhile).
    """
    if not buyer_can_cancel(order):
        raise CannotCancel(order.status.value)
    try:
        return cancel_order(order, reason=reason)
    except IllegalTransition as error:  # paid or expired by another request meanwhile
        raise CannotCancel(error.current.value) from error


def find_order_for_lookup(code: str, phone: str) -> Order | None:
    """Return the order with this code placed with this phone (E.164), else None."""
    return db.session.scalar(select(Order).where(Order.code == code.strip().upper(), Order.phone == phone))


def orders_of(user) -> list[Order]:
    return db.session.scalars(
        select(Order).where(Order.user_id == user.id).order_by(Order.created_at.desc(), Order.id.desc())
    ).all()


def _producer_name(fulfilment: Fulfilment) -> str:
    return (
        fulfilment.producer.name
        if fulfilment.producer
        else (fulfilment.lines[0].producer_name if fulfilment.lines else "")
    )


def _confirmation_text(order: Order) -> str:
    lines = [
        str(_l("Cảm ơn bạn đã đặt hàng tại OCOP Thái Nguyên.")),
        "",
        str(_l("Mã đơn hàng: %(code)s", code=order.code)),
        "",
    ]
    for line in order.lines:
        lines.append(f"- {line.product_name} ({line.producer_name}) × {line.quantity}: {vnd(line.line_total_vnd)}")
    lines += [
        "",
        str(_l("Phí vận chuyển: %(fee)s", fee=vnd(order.delivery_fee_vnd))),
        str(_l("Tổng cộng: %(total)s", total=vnd(order.total_vnd))),
        str(
            _l(
                "Giao tới: %(name)s, %(phone)s, %(address)s",
                name=order.contact_name,
                phone=display_phone(order.phone),
                address=format_address(order.street, order.ward_code, order.province_code),
            )
        ),
    ]
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        config = current_app.config
        lines += [
            "",
            str(
                _l(
                    "Vui lòng chuyển khoản %(total)s tới %(bank)s, số tài khoản %(account)s (%(name)s), "
                    "nội dung: %(code)s.",
                    total=vnd(order.total_vnd),
                    bank=config.get("BANK_NAME", ""),
                    account=config.get("BANK_ACCOUNT", ""),
                    name=config.get("BANK_ACCOUNT_NAME", ""),
                    code=order.code,
                )
            ),
        ]
    lines += [
        "",
        str(_l("Xem đơn hàng: %(url)s", url=f"{current_app.config.get('PUBLIC_BASE_URL', '')}/orders/{order.code}")),
    ]
    return "\n".join(lines)


def _notify(order: Order, subject, body) -> None:
    """Queue a status mail in the order's language; *body* is lazy text or a function returning text."""
    if not order.email:
        return
    with force_locale(order.language or "vi"):
        text = body() if callable(body) else str(body)
        text += "\n\n" + str(
            _l(
                "Tra cứu đơn hàng (nhập mã đơn %(code)s và số điện thoại đặt hàng): %(url)s",
                code=order.code,
                url=_lookup_url(order),
            )
        )
        queue_mail(order.email, str(subject), text)


def _lookup_url(order: Order) -> str:
    """The public order look-up page with the code filled in; every order mail links it."""
    return f"{current_app.config.get('PUBLIC_BASE_URL') or ''}/orders/lookup?code={order.code}"


ORDER_STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: _l("Chờ thanh toán"),
    OrderStatus.PAID: _l("Đã thanh toán"),
    OrderStatus.CONFIRMED: _l("Đã xác nhận"),
    OrderStatus.PACKED: _l("Đã đóng gói"),
    OrderStatus.SHIPPED: _l("Đang giao"),
    OrderStatus.DELIVERED: _l("Đã giao"),
    OrderStatus.CANCELLED: _l("Đã huỷ"),
    OrderStatus.REFUNDED: _l("Đã hoàn tiền"),
    OrderStatus.EXPIRED: _l("Hết hạn giữ hàng"),
}
FULFILMENT_STATUS_LABELS = {
    FulfilmentStatus.PENDING: _l("Chờ đóng gói"),
    FulfilmentStatus.PACKED: _l("Đã đóng gói"),
    FulfilmentStatus.SHIPPED: _l("Đang giao"),
    FulfilmentStatus.DELIVERED: _l("Đã giao"),
    FulfilmentStatus.CANCELLED: _l("Đã huỷ"),
}


PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: _l("Chờ thanh toán"),
    PaymentStatus.SUCCEEDED: _l("Đã nhận tiền"),
    PaymentStatus.FAILED: _l("Thất bại"),
    PaymentStatus.CANCELLED: _l("Đã huỷ"),
    PaymentStatus.REFUNDED: _l("Đã hoàn tiền"),
    PaymentStatus.NEEDS_REFUND: _l("Cần hoàn tiền"),
}


class _MethodLabels(dict):
    """Label of a payment method by code, from the provider registry (unknown codes show as they are)."""

    def __missing__(self, code):
        provider = providers.get(code)
        return provider.label if provider is not None else str(code)


PAYMENT_METHOD_LABELS = _MethodLabels()

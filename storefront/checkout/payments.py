"""Payments of orders: attempts at a provider, the neutral events providers report, refunds.

Order services handle neutral events only (providers/base.py PaymentEvent): apply_event routes
each to fulfil_payment, fail_payment, expire_payment or record_refund_event, once per (provider,
event id); refund_payment is what the office desk calls. Services flush and never commit; the
view, webhook or CLI command that calls them commits.
"""

import hashlib
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from storefront.checkout import providers
from storefront.checkout.models import (
    FulfilmentStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentRefund,
    PaymentStatus,
    ProcessedWebhookEvent,
)
from storefront.checkout.providers.base import EXPIRED, FAILED, PAID, REFUNDED, Payable
from storefront.checkout.services import (
    MAX_ORDER_TOTAL_VND,
    PAYMENT_METHOD_LABELS,
    CardRetryClosed,
    CheckoutError,
    expire_order,
    move_order,
    notify,
    sell_for_payment,
)
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.filters import vnd
from storefront.inventory.services import (
    extend_reservations,
    open_reservations,
    return_sold_stock,
)

log = logging.getLogger(__name__)


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
    if not sell_for_payment(order, now or utcnow()):
        return _needs_refund(order, event, f"paid while the order was {order.status.value}; units not available")
    payment.status = PaymentStatus.SUCCEEDED
    payment.provider_ref = event.provider_ref
    payment.provider_data = {**(payment.provider_data or {}), **event.data}
    payment.attention_reason = ""
    notify(
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
    return "expired" if expire_order(order) else "nothing to expire"


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
    notify(
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

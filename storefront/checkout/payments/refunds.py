"""Refunds: through the provider from the office desk, or brought in line with what a provider reports."""

import hashlib
import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from storefront.checkout import extras, providers
from storefront.checkout.errors import RefundNotPossible
from storefront.checkout.labels import PAYMENT_METHOD_LABELS
from storefront.checkout.models import FulfilmentStatus, Order, OrderStatus, Payment, PaymentRefund, PaymentStatus
from storefront.checkout.notices import notify
from storefront.checkout.orders import move_order
from storefront.checkout.providers.base import Payable
from storefront.extensions import db
from storefront.filters import vnd
from storefront.inventory.services import return_sold_stock

log = logging.getLogger(__name__)


def lock_payment(payment: Payment) -> None:
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
    lock_payment(payment)  # an API refund of ours still in flight holds it: its echo then finds it recorded
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
        extras.closed(order)  # its visits free their places
        if previous is OrderStatus.PAID:  # nothing left the shop: the units go back on sale
            return_sold_stock(order)
            for fulfilment in order.fulfilments:
                if fulfilment.status is FulfilmentStatus.PENDING:
                    fulfilment.move_to(FulfilmentStatus.CANCELLED)


def refund_payment(
    payment: Payment,
    amount_vnd: int,
    *,
    actor=None,
    reason: str = "",
    config=None,
    request_key: str | None = None,
    tell_buyer: bool = True,
) -> Payment:
    """Give back *amount_vnd* of a payment through its provider (full or partial); flushes.

    *request_key* (the refund form's one-time key; by default payment id + refund number)
    goes to the provider as its idempotency key or request id, and a refund already made
    with it is not made again: a double-submitted form refunds once. The payment row is
    locked first, so two refunds of one payment never interleave. A full refund of an
    order's paid payment moves the order to refunded. The buyer is mailed, unless *tell_buyer* is
    False: the caller's own mail says it (a cancelled visit's, storefront/experiences/mail.py).
    :raises RefundNotPossible: wrong amount, nothing left, or the provider cannot refund.
    :raises storefront.checkout.providers.base.RefundFailed: the provider refused (its message).
    """
    lock_payment(payment)
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
    if tell_buyer:
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

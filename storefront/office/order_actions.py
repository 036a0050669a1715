"""Orders and payments the office handles: bank transfers received, cancellations, refunds."""

from sqlalchemy import select

from storefront.accounts.models import User
from storefront.audit.services import log_action
from storefront.checkout.cancelling import cancel_order as cancel_checkout_order
from storefront.checkout.models import Order, OrderStatus, Payment, PaymentMethod, PaymentStatus
from storefront.checkout.payments.events import mark_payment_received
from storefront.checkout.payments.refunds import refund_payment
from storefront.extensions import db
from storefront.office.rules import OfficeError, require_reason


class PaymentNotAwaitingRefund(OfficeError):
    pass


def _order_snapshot(order: Order) -> dict:
    return {
        "status": order.status.value,
        "cancel_reason": order.cancel_reason,
        "payments": {str(p.id): p.status.value for p in order.payments},
    }


def bank_transfers_awaiting(*, limit: int = 100) -> list[Order]:
    """Return bank-transfer orders still unpaid (or whose hold lapsed), oldest first."""
    return db.session.scalars(
        select(Order)
        .where(
            Order.payment_method == PaymentMethod.BANK_TRANSFER,
            Order.status.in_((OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)),
        )
        .order_by(Order.created_at, Order.id)
        .limit(limit)
    ).all()


def confirm_payment_received(order: Order, *, actor: User) -> Order:
    """Record that the office saw the transfer (or COD cash) arrive; the order becomes paid.

    :raises storefront.checkout.errors.PaymentTooLate: the hold lapsed and the units are gone.
    """
    before = _order_snapshot(order)
    mark_payment_received(order, actor=actor)
    log_action(actor, "order.payment_received", order, before=before, after=_order_snapshot(order))
    return order


def cancel_order(order: Order, *, reason: str, actor: User) -> Order:
    """Cancel an order that has not shipped, with a reason the customer is told."""
    reason = require_reason(reason)
    before = _order_snapshot(order)
    cancel_checkout_order(order, actor=actor, reason=reason)
    log_action(actor, "order.cancel", order, before=before, after=_order_snapshot(order), reason=reason)
    return order


def record_refund(payment: Payment, *, reason: str, actor: User) -> Payment:
    """Record that the office refunded a payment the shop could not use (by Stripe or bank, outside the shop).

    :param reason: how and when it was refunded, for the audit log.
    """
    reason = require_reason(reason)
    if payment.status is not PaymentStatus.NEEDS_REFUND:
        raise PaymentNotAwaitingRefund()
    before = {
        "status": payment.status.value,
        "amount_vnd": payment.amount_vnd,
        "attention_reason": payment.attention_reason,
    }
    payment.status = PaymentStatus.REFUNDED
    payment.confirmed_by_id = actor.id
    db.session.flush()
    log_action(
        actor, "payment.refund", payment, before=before, after={**before, "status": payment.status.value}, reason=reason
    )
    return payment


def refund_through_provider(
    payment: Payment, *, amount_vnd: int, reason: str, actor: User, request_key: str | None = None
) -> Payment:
    """Give money back through the payment's provider (VNPay, MoMo, Stripe...), full or partial.

    :raises storefront.checkout.errors.RefundNotPossible: wrong amount or nothing to refund.
    :raises storefront.checkout.providers.base.RefundFailed: the provider refused (its reason).
    """
    reason = require_reason(reason)
    before = {"status": payment.status.value, "refunded_vnd": payment.refunded_vnd, "order": payment.order.status.value}
    refunds_before = len(payment.refunds)
    refund_payment(payment, amount_vnd, actor=actor, reason=reason, request_key=request_key)
    if len(payment.refunds) == refunds_before:
        return payment  # the same form again: already refunded, nothing new to log
    after = {"status": payment.status.value, "refunded_vnd": payment.refunded_vnd, "order": payment.order.status.value}
    log_action(actor, "payment.refund_provider", payment, before=before, after=after, reason=reason)
    return payment


def orders_with_code(code: str) -> list[Order]:
    """Return the order with this code (a list: empty when none, or when no code was given)."""
    return db.session.scalars(select(Order).where(Order.code == code)).all() if code else []

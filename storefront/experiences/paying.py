"""Where bookings meet checkout: the order that pays for them, refunds through its payment provider."""

import logging

from sqlalchemy import select

from storefront.checkout import providers
from storefront.checkout.cancelling import cancel_order
from storefront.checkout.errors import RefundNotPossible
from storefront.checkout.models import OrderStatus, Payment, PaymentStatus
from storefront.checkout.payments.refunds import refund_payment
from storefront.checkout.providers.base import RefundFailed
from storefront.experiences.models import Booking, BookingStatus
from storefront.extensions import db

log = logging.getLogger(__name__)

OPEN = (BookingStatus.HELD, BookingStatus.CONFIRMED)


def settle_cancelled(booking: Booking, *, reason: str, actor=None) -> int:
    """No guest pays for a cancelled visit: refund what was paid for it, or keep it out of an unpaid order.

    An order still waiting for payment whose lines are all visits, none of them open any more, is
    cancelled: its payment can no longer be started, and money a provider still reports for it is
    kept as a payment the office refunds (storefront/checkout/payments/events.py); the buyer gets one
    mail, the visit's, which says so (no separate order mail). An unpaid order
    that keeps goods or other visits stays payable at the price the provider was given; the
    cancelled visit's share is refunded when the payment arrives (``ordering.VisitSource.settled``).
    """
    order = booking.order
    if order is not None and order.status is OrderStatus.PENDING_PAYMENT:
        if order.delivery_method == "none" and not any(
            other.status in OPEN for other in db.session.scalars(select(Booking).where(Booking.order_id == order.id))
        ):
            # The visit's own cancellation mail (mail.send_cancelled) says the order is cancelled too;
            # an order mail goes only where that one does not (a booking without this e-mail address).
            cancel_order(order, actor=actor, reason=reason[:500], tell_buyer=booking.email != order.email)
        return 0
    # The cancellation mail says what was refunded; no separate refund mail where it goes.
    tell_buyer = order is None or booking.email != order.email
    return refund_unheld(booking, reason=reason, actor=actor, tell_buyer=tell_buyer)


def refund_key(booking: Booking) -> str:
    """The request key of the refund of this booking's share (one per booking: a retry refunds once)."""
    return f"bk-{booking.code}"


def refund_unheld(booking: Booking, *, reason: str, actor=None, tell_buyer: bool = True) -> int:
    """Give back the share of a cancelled visit, or of one not held when the order's payment arrived.

    Returns the amount.

    Through the provider when it can refund; money the office took by hand (a bank transfer) is
    kept as a payment the office must refund, on its list as a late payment is
    (``payments.events._needs_refund``).
    """
    order = booking.order
    if order is None or booking.pay_at_venue:
        return refund_booking(booking, reason=reason, actor=actor)  # nothing was paid through the shop
    paid = next((p for p in order.payments if p.status is PaymentStatus.SUCCEEDED), None)
    provider = providers.get(paid.method) if paid is not None else None
    if paid is None or (provider is not None and provider.can_refund):
        return refund_booking(booking, reason=reason, actor=actor, tell_buyer=tell_buyer)
    amount = min(booking.total_vnd - (booking.refunded_vnd or 0), paid.refundable_vnd)
    if amount <= 0:
        return 0
    order.payments.append(
        Payment(method=paid.method, amount_vnd=amount, status=PaymentStatus.NEEDS_REFUND, attention_reason=reason[:300])
    )
    log.error("order %s: %s needs a refund of %s: %s", order.code, paid.method, amount, reason)
    db.session.flush()
    return amount


def refund_booking(booking: Booking, *, reason: str, actor=None, tell_buyer: bool = True) -> int:
    """Refund the booking's share of its order's succeeded payment through the provider; return the amount.

    Paid at the venue (or not paid yet): nothing to refund. A provider that cannot refund
    (bank transfer) refunds nothing here: ``refund_unheld`` lists the share for the office.
    """
    order = booking.order
    if booking.pay_at_venue or order is None:
        return 0
    payment = next((p for p in order.payments if p.status is PaymentStatus.SUCCEEDED), None)
    if payment is None:
        return 0
    amount = min(booking.total_vnd - (booking.refunded_vnd or 0), payment.refundable_vnd)
    if amount <= 0:
        return 0
    try:
        refund_payment(
            payment, amount, actor=actor, reason=reason[:300], request_key=refund_key(booking), tell_buyer=tell_buyer
        )
    except (RefundNotPossible, RefundFailed):
        return 0
    booking.refunded_vnd = (booking.refunded_vnd or 0) + amount
    return amount

"""Where bookings meet checkout: the order that pays for them, refunds through its payment provider."""

from sqlalchemy import select

from storefront.checkout.cancelling import cancel_order
from storefront.checkout.errors import RefundNotPossible
from storefront.checkout.models import OrderStatus, PaymentStatus
from storefront.checkout.payments.refunds import refund_payment
from storefront.checkout.providers.base import RefundFailed
from storefront.experiences.models import Booking, BookingStatus
from storefront.extensions import db

OPEN = (BookingStatus.HELD, BookingStatus.CONFIRMED)


def settle_cancelled(booking: Booking, *, reason: str, actor=None) -> int:
    """No guest pays for a cancelled visit: refund what was paid for it, or keep it out of an unpaid order.

    An order still waiting for payment whose lines are all visits, none of them open any more, is
    cancelled: its payment can no longer be started, and money a provider still reports for it is
    kept as a payment the office refunds (storefront/checkout/payments/events.py). An unpaid order
    that keeps goods or other visits stays payable at the price the provider was given; the
    cancelled visit's share is refunded when the payment arrives (``ordering.VisitSource.settled``).
    """
    order = booking.order
    if order is not None and order.status is OrderStatus.PENDING_PAYMENT:
        if order.delivery_method == "none" and not any(
            other.status in OPEN for other in db.session.scalars(select(Booking).where(Booking.order_id == order.id))
        ):
            cancel_order(order, actor=actor, reason=reason[:500])
        return 0
    return refund_booking(booking, reason=reason, actor=actor)


def refund_booking(booking: Booking, *, reason: str, actor=None) -> int:
    """Refund the booking's share of its order's succeeded payment through the provider; return the amount.

    Paid at the venue (or not paid yet): nothing to refund. A provider that cannot refund
    (bank transfer, cash) leaves it to the office, which sees the order as cancelled and paid.
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
        refund_payment(payment, amount, actor=actor, reason=reason[:300], request_key=f"bk-{booking.code}")
    except (RefundNotPossible, RefundFailed):
        return 0
    booking.refunded_vnd = (booking.refunded_vnd or 0) + amount
    return amount

"""Where bookings meet checkout: the order that pays for them, refunds through its payment provider."""

from storefront.checkout.errors import RefundNotPossible
from storefront.checkout.models import PaymentStatus
from storefront.checkout.payments.refunds import refund_payment
from storefront.checkout.providers.base import RefundFailed
from storefront.experiences.models import Booking


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

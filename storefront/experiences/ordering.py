"""Visits in the cart and the order: checkout's extra-line source (storefront/checkout/extras.py).

A held booking in the shopper's cart becomes one order line (no stock, no shipping); when the
order is paid the booking is confirmed, when it is cancelled, expires or is refunded the places go back.
"""

from datetime import timedelta

from flask import session
from flask_login import current_user
from sqlalchemy import select

from storefront.checkout.extras import ExtraLine
from storefront.columns import utcnow
from storefront.experiences.availability import bookable_session
from storefront.experiences.bookings import confirm_booking, held_for, release_booking
from storefront.experiences.models import Booking, BookingStatus
from storefront.experiences.paying import refund_unheld
from storefront.extensions import db

CART_KEY = "bookings"


def cart_codes() -> list[str]:
    raw = session.get(CART_KEY)
    return [code for code in raw if isinstance(code, str)][-10:] if isinstance(raw, list) else []


def cart_visits() -> list[Booking]:
    """The held bookings in this shopper's cart (session codes, or the signed-in account's) that can still be
    ordered: a hold of an experience hidden by the office, or of a session cancelled or started, leaves the
    cart (as a hidden product cannot be bought) and its places come back when the hold lapses."""
    codes = cart_codes()
    if not codes and not current_user.is_authenticated:
        return []  # most pages, most visitors: no query
    held = held_for(current_user if current_user.is_authenticated else None, codes)
    return [booking for booking in held if bookable_session(booking.session_id) is not None]


def line_name(booking: Booking) -> str:
    session_ = booking.session
    # Copied onto the order line in Vietnamese, like a product's name; spelled out, not "2 NL + 0 TE".
    guests = f"{booking.adults} người lớn" + (f", {booking.children} trẻ em" if booking.children else "")
    return (
        f"{booking.experience_name} · {session_.day.strftime('%d/%m/%Y')} {session_.start_time.strftime('%H:%M')}"
        f" · {guests} · {booking.code}"
    )[:200]


def order_bookings(order) -> list[Booking]:
    return db.session.scalars(select(Booking).where(Booking.order_id == order.id).order_by(Booking.id)).all()


class VisitSource:
    """What checkout asks about visits (see storefront/checkout/extras.py)."""

    def lines(self) -> list[ExtraLine]:
        return [
            ExtraLine(
                key=booking.code,
                producer_id=booking.producer_id,
                producer_name=booking.session.experience.product.producer.name,
                name=line_name(booking),
                total_vnd=booking.total_vnd,
                contact={"contact_name": booking.contact_name, "phone": booking.phone, "email": booking.email or ""},
            )
            for booking in cart_visits()
        ]

    def attach(self, order, lines: list[ExtraLine], hold_minutes: int) -> None:
        codes = {line.key for line in lines}
        if not codes:
            return
        for booking in db.session.scalars(select(Booking).where(Booking.code.in_(codes))).all():
            booking.order_id = order.id
            booking.user_id = booking.user_id or order.user_id
            booking.email = booking.email or order.email
            # The places are kept as long as the order's payment is awaited.
            booking.hold_expires_at = max(booking.hold_expires_at, utcnow() + timedelta(minutes=hold_minutes))
        db.session.flush()  # attached bookings leave the cart: cart_visits() lists only unordered holds

    def settled(self, order) -> int:
        """The order's payment succeeded: its visits are confirmed, and a visit cancelled while the payment was
        awaited, or lapsed with its places gone, has its share refunded through the provider (a bank transfer's
        is listed for the office to refund). Returns how many of its visits stand confirmed."""
        confirmed = 0
        for booking in order_bookings(order):
            if booking.status in (BookingStatus.HELD, BookingStatus.EXPIRED) and confirm_booking(booking):
                confirmed += 1
                continue
            if booking.status is BookingStatus.CONFIRMED:
                confirmed += 1
            elif booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED) and not booking.pay_at_venue:
                refund_unheld(booking, reason=f"{booking.code}: visit not held when the payment arrived")
        return confirmed

    def hold_ends(self, order):
        held = [b.hold_expires_at for b in order_bookings(order) if b.status is BookingStatus.HELD]
        return min(held) if held else None

    def extend(self, order, until) -> None:
        for booking in order_bookings(order):
            if booking.status is BookingStatus.HELD and booking.hold_expires_at < until:
                booking.hold_expires_at = until
        db.session.flush()

    def closed(self, order) -> None:
        for booking in order_bookings(order):
            target = BookingStatus.CANCELLED if booking.status is BookingStatus.CONFIRMED else BookingStatus.EXPIRED
            release_booking(booking, target, by="system", reason=f"order {order.code} {order.status.value}")


def expire_unpaid_orders(bookings: list[Booking], now=None) -> int:
    """Orders still waiting for payment of visits whose hold lapsed expire too (a visit-only order holds
    no stock, so the stock sweep never sees it)."""
    from storefront.checkout.models import OrderStatus
    from storefront.checkout.orders import expire_order

    orders = {booking.order for booking in bookings if booking.order is not None}
    return sum(1 for order in orders if order.status is OrderStatus.PENDING_PAYMENT and expire_order(order, now=now))

"""Booking rules: price and take places, confirm, cancel within the policy, check guests in.

Services flush and never commit; the view, job or CLI command that calls them commits.
Times are UTC instants; the policy window counts hours before the session's start in Vietnam.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.experiences.availability import give_back_places, take_places
from storefront.experiences.models import Booking, BookingStatus, Experience, ExperienceSession
from storefront.extensions import db

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone


class BookingError(DomainError):
    """Base of the booking errors."""


class BadGuests(BookingError):
    """The guest numbers are outside the experience's minimum and maximum."""


class SessionClosed(BookingError):
    """The session has started, is cancelled, or its day is closed."""


class NotEnoughPlaces(BookingError):
    """Fewer places are left than guests asked for; ``left`` says how many."""

    def __init__(self, left: int):
        super().__init__(f"only {left} places left")
        self.left = left


class PayAtVenueNotOffered(BookingError):
    """The host takes no payment at the venue for this experience."""


class CannotCancel(BookingError):
    """The booking may no longer be cancelled this way (window passed, checked in, closed)."""


class CannotCheckIn(BookingError):
    """The booking is not confirmed (unpaid, cancelled), already checked in, or not for today."""


@dataclass
class Guests:
    adults: int
    children: int = 0
    extra_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.adults + self.children


@dataclass
class Contact:
    name: str
    phone: str  #: E.164
    email: str | None = None
    language: str = "vi"


@dataclass
class Price:
    adults_vnd: int
    children_vnd: int
    extras: list[dict]
    extras_vnd: int

    @property
    def total_vnd(self) -> int:
        return self.adults_vnd + self.children_vnd + self.extras_vnd


def price(experience: Experience, guests: Guests) -> Price:
    """The booking's price from the database (integer VND), never from the browser."""
    chosen = [extra for extra in experience.extras if extra.id in set(guests.extra_ids)]
    extras = [{"name": extra.name_vi, "name_en": extra.name_en, "price_vnd": extra.price_vnd} for extra in chosen]
    return Price(
        adults_vnd=guests.adults * experience.adult_price_vnd,
        children_vnd=guests.children * experience.child_price_vnd,
        extras=extras,
        extras_vnd=sum(extra["price_vnd"] for extra in extras),
    )


def check_guests(experience: Experience, guests: Guests) -> None:
    if guests.adults < 0 or guests.children < 0 or guests.adults < 1 and guests.children > 0:
        raise BadGuests("a child comes with an adult")
    if not experience.min_guests <= guests.count <= experience.max_guests:
        raise BadGuests(f"{guests.count} outside {experience.min_guests}..{experience.max_guests}")


def new_booking_code() -> str:
    while True:
        code = "DL-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Booking.id).where(Booking.code == code)) is None:
            return code


def normalize_code(raw: str) -> str:
    """ "dl 7f3k9q", "DL-7F3K9Q" and "7f3k9q" all read as "DL-7F3K9Q"."""
    text = "".join(ch for ch in str(raw or "").upper() if ch.isascii() and ch.isalnum())
    if text.startswith("DL"):
        text = text[2:]
    return "DL-" + text if len(text) == 6 else ""


def book(
    session: ExperienceSession,
    guests: Guests,
    contact: Contact,
    *,
    pay_at_venue: bool,
    user=None,
    now: datetime | None = None,
) -> Booking:
    """Take places on *session* and record the booking.

    Paid at the venue: confirmed at once. Paid now: held for RESERVATION_MINUTES while the
    guest pays (checkout confirms it through ``confirm_booking``; ``expire_held`` frees it).
    :raises BadGuests, SessionClosed, NotEnoughPlaces, PayAtVenueNotOffered: nothing is kept.
    """
    now = now or utcnow()
    experience = session.experience
    check_guests(experience, guests)
    if session.is_cancelled or session.starts_at <= now:
        raise SessionClosed(session.id)
    if pay_at_venue and not experience.allow_pay_at_venue:
        raise PayAtVenueNotOffered(experience.id)
    if not take_places(session.id, guests.count):
        db.session.refresh(session)
        raise NotEnoughPlaces(session.places_left)
    cost = price(experience, guests)
    booking = Booking(
        code=new_booking_code(),
        session=session,
        producer_id=experience.product.producer_id,
        user_id=user.id if user else None,
        status=BookingStatus.CONFIRMED if pay_at_venue else BookingStatus.HELD,
        experience_name=experience.product.name_vi,
        adults=guests.adults,
        children=guests.children,
        adult_price_vnd=experience.adult_price_vnd,
        child_price_vnd=experience.child_price_vnd,
        extras=cost.extras,
        extras_vnd=cost.extras_vnd,
        total_vnd=cost.total_vnd,
        pay_at_venue=pay_at_venue,
        contact_name=contact.name,
        phone=contact.phone,
        email=contact.email or None,
        language=contact.language or "vi",
        hold_expires_at=None if pay_at_venue else now + timedelta(minutes=current_app.config["RESERVATION_MINUTES"]),
    )
    db.session.add(booking)
    db.session.flush()
    db.session.refresh(session)
    if pay_at_venue:
        _confirmed(booking)
    return booking


def _confirmed(booking: Booking) -> None:
    from storefront.experiences.mail import send_confirmation

    send_confirmation(booking)


def _move(booking: Booking, expected: tuple, target: BookingStatus, **values) -> bool:
    """Move the booking with one guarded UPDATE, so of two racing moves only one wins."""
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status.in_(expected))
        .values(status=target, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(booking)
    return result.rowcount == 1


def confirm_booking(booking: Booking, *, now: datetime | None = None) -> bool:
    """The guest paid: a held (or lapsed, if places are still there) booking is confirmed; mail goes out."""
    if booking.status is BookingStatus.EXPIRED:
        if not take_places(booking.session_id, booking.guests):
            return False  # paid too late and the places went: the order's payment is refunded by the office
        if not _move(booking, (BookingStatus.EXPIRED,), BookingStatus.CONFIRMED, hold_expires_at=None):
            give_back_places(booking.session_id, booking.guests)
            return False
    elif not _move(booking, (BookingStatus.HELD,), BookingStatus.CONFIRMED, hold_expires_at=None):
        return booking.status is BookingStatus.CONFIRMED
    _confirmed(booking)
    return True


def release_booking(booking: Booking, target: BookingStatus, *, by: str = "system", reason: str = "") -> bool:
    """Close a held or confirmed booking and give its places back (once, however often it is called)."""
    if not _move(
        booking,
        (BookingStatus.HELD, BookingStatus.CONFIRMED),
        target,
        cancelled_by=by if target is BookingStatus.CANCELLED else "",
        cancel_reason=reason[:300],
    ):
        return False
    give_back_places(booking.session_id, booking.guests)
    db.session.expire(booking.session, ["booked"])
    return True


def expire_held(now: datetime | None = None) -> list[Booking]:
    """Free the places of held bookings whose payment did not come in time (periodic job); return them."""
    now = now or utcnow()
    lapsed = db.session.scalars(
        select(Booking).where(Booking.status == BookingStatus.HELD, Booking.hold_expires_at <= now)
    ).all()
    return [booking for booking in lapsed if release_booking(booking, BookingStatus.EXPIRED)]


def free_cancel_until(booking: Booking) -> datetime:
    """The last instant a guest may cancel free of charge (hours before the start, Vietnam time)."""
    return booking.session.starts_at - timedelta(hours=booking.session.experience.free_cancel_hours)


def guest_can_cancel(booking: Booking, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return booking.status in (BookingStatus.HELD, BookingStatus.CONFIRMED) and now < free_cancel_until(booking)


def _lock_order(booking: Booking) -> None:
    """Lock the booking's order row before the booking's (PostgreSQL), in the order a payment takes them
    (order, then its bookings), so a cancel racing a payment waits instead of deadlocking, then sees its outcome."""
    if booking.order_id is not None:
        from storefront.checkout.models import Order

        db.session.scalars(
            select(Order)
            .where(Order.id == booking.order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        db.session.refresh(booking)


def cancel_by_guest(booking: Booking, *, reason: str = "", now: datetime | None = None) -> Booking:
    """The guest cancels within the free window: places back, full refund of what was paid online.

    :raises CannotCancel: past the window, or the booking is no longer open.
    """
    if not guest_can_cancel(booking, now):
        raise CannotCancel(booking.status.value)
    _lock_order(booking)
    if not release_booking(booking, BookingStatus.CANCELLED, by="guest", reason=reason):
        raise CannotCancel(booking.status.value)
    _refund(booking, reason="guest cancelled within the policy")
    from storefront.experiences.mail import send_cancelled

    send_cancelled(booking)
    return booking


def cancel_by_host(booking: Booking, *, reason: str, actor=None, by: str = "host") -> Booking:
    """The host (or, *by* "office", the OCOP office) cancels: places back, full refund, the guest is told why.

    :raises CannotCancel: the booking is already closed or the guests were checked in.
    """
    if not reason.strip():
        raise CannotCancel("a reason is required")
    _lock_order(booking)
    if not release_booking(booking, BookingStatus.CANCELLED, by=by, reason=reason):
        raise CannotCancel(booking.status.value)
    _refund(booking, reason=f"{by} cancelled: {reason}"[:300], actor=actor)
    from storefront.experiences.mail import send_cancelled

    send_cancelled(booking)
    return booking


def cancel_session(session: ExperienceSession, *, reason: str, actor=None) -> int:
    """The host cancels a whole session: every open booking is cancelled and refunded, no new ones."""
    session.is_cancelled = True
    session.cancel_reason = reason[:300]
    count = 0
    for booking in list(session.bookings):
        if booking.status in (BookingStatus.HELD, BookingStatus.CONFIRMED):
            cancel_by_host(booking, reason=reason, actor=actor)
            count += 1
    db.session.flush()
    return count


def open_bookings_ahead(experience, now: datetime | None = None) -> list[Booking]:
    """The experience's held or confirmed bookings of sessions not yet started."""
    return db.session.scalars(
        select(Booking)
        .join(ExperienceSession, Booking.session_id == ExperienceSession.id)
        .where(
            ExperienceSession.experience_id == experience.id,
            ExperienceSession.starts_at > (now or utcnow()),
            Booking.status.in_((BookingStatus.HELD, BookingStatus.CONFIRMED)),
        )
        .order_by(ExperienceSession.starts_at, Booking.id)
    ).all()


def _refund(booking: Booking, *, reason: str, actor=None) -> None:
    """Give back what the guest paid online for this booking (the order may hold goods too), or keep an
    order still unpaid from charging for it."""
    from storefront.experiences.paying import settle_cancelled

    settle_cancelled(booking, reason=reason, actor=actor)


def booking_for_host(producer, raw_code: str) -> Booking | None:
    """The booking with this code if it is for one of *producer*'s experiences; else None (no hint)."""
    code = normalize_code(raw_code)
    if not code:
        return None
    booking = db.session.scalar(select(Booking).where(Booking.code == code).options(selectinload(Booking.session)))
    return booking if booking is not None and booking.producer_id == producer.id else None


def check_in(booking: Booking, *, now: datetime | None = None) -> Booking:
    """Mark the guests arrived: a confirmed booking, on the session's day (Vietnam) or the day after.

    :raises CannotCheckIn: unpaid, cancelled, already checked in, or another day.
    """
    from storefront.clock import VIETNAM_TZ

    now = now or utcnow()
    today = now.astimezone(VIETNAM_TZ).date()
    if not 0 <= (today - booking.session.day).days <= 1:
        raise CannotCheckIn("another day")
    if not _move(
        booking, (BookingStatus.CONFIRMED, BookingStatus.NO_SHOW), BookingStatus.CHECKED_IN, checked_in_at=now
    ):
        raise CannotCheckIn(booking.status.value)
    return booking


def mark_no_show(booking: Booking, *, now: datetime | None = None) -> Booking:
    """After the start, a confirmed booking whose guests did not come; places stay taken."""
    now = now or utcnow()
    if now < booking.session.starts_at:
        raise CannotCheckIn("not started")
    if not _move(booking, (BookingStatus.CONFIRMED,), BookingStatus.NO_SHOW):
        raise CannotCheckIn(booking.status.value)
    return booking


def bookings_of(user) -> list[Booking]:
    return db.session.scalars(
        select(Booking).where(Booking.user_id == user.id).order_by(Booking.created_at.desc())
    ).all()


def booking_by_code(code: str) -> Booking | None:
    code = normalize_code(code)
    return db.session.scalar(select(Booking).where(Booking.code == code)) if code else None


def held_for(user, codes: list[str], now: datetime | None = None) -> list[Booking]:
    """Held bookings waiting in a shopper's cart: by the codes their session holds, or their account's."""
    now = now or utcnow()
    clauses = [Booking.code.in_([c for c in codes if isinstance(c, str)][:20])]
    if user is not None:
        clauses.append(Booking.user_id == user.id)
    from sqlalchemy import or_

    return db.session.scalars(
        select(Booking)
        .where(
            or_(*clauses),
            Booking.status == BookingStatus.HELD,
            Booking.order_id.is_(None),
            Booking.hold_expires_at > now,
        )
        .order_by(Booking.id)
    ).all()

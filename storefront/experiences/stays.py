"""Overnight stays: what the police declaration (khai báo lưu trú) needs, kept only until the stay ends.

Collected only for bookings of experiences with nights > 0, shown to the host to declare, and
deleted by a periodic job the day after check-out (personal data law 91/2025/QH15: collect the
least needed for a stated purpose, delete what is no longer needed).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select

from storefront.clock import VIETNAM_TZ
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.experiences.models import Booking, BookingStatus, Experience, ExperienceSession, StayGuest
from storefront.extensions import db
from storefront.text import clean_text

ID_RE = re.compile(r"^[A-Z0-9]{6,20}$")


class StayDetailsInvalid(DomainError):
    """A row misses a name, a plausible birth date, an ID/passport number or a nationality; ``row`` says which."""

    def __init__(self, row: int, field: str):
        super().__init__(f"row {row}: {field}")
        self.row = row
        self.field = field


@dataclass
class StayGuestInput:
    full_name: str
    birth_date: date | None
    id_number: str
    nationality: str


def checkout_day(booking: Booking) -> date:
    return booking.session.day + timedelta(days=booking.session.experience.nights)


def needs_stay_details(booking: Booking) -> bool:
    return booking.session.experience.is_overnight and booking.status in (
        BookingStatus.HELD,
        BookingStatus.CONFIRMED,
        BookingStatus.CHECKED_IN,
    )


def save_stay_guests(booking: Booking, rows: list[StayGuestInput], *, today: date | None = None) -> list[StayGuest]:
    """Replace the booking's stay details with *rows* (one per guest)."""
    if not needs_stay_details(booking):
        raise StayDetailsInvalid(0, "not an overnight booking")
    today = today or utcnow().astimezone(VIETNAM_TZ).date()
    kept = []
    for number, row in enumerate(rows, start=1):
        name = clean_text(row.full_name or "")[:120]
        id_number = re.sub(r"\s", "", (row.id_number or "").upper())
        nationality = (row.nationality or "").strip().upper()
        if not name:
            raise StayDetailsInvalid(number, "full_name")
        if row.birth_date is None or not date(1900, 1, 1) <= row.birth_date <= today:
            raise StayDetailsInvalid(number, "birth_date")
        if not ID_RE.match(id_number):
            raise StayDetailsInvalid(number, "id_number")
        if not re.fullmatch(r"[A-Z]{2}", nationality):
            raise StayDetailsInvalid(number, "nationality")
        kept.append(StayGuest(full_name=name, birth_date=row.birth_date, id_number=id_number, nationality=nationality))
    if len(kept) != booking.guests:
        raise StayDetailsInvalid(len(kept) + 1, "one row per guest")
    booking.stay_guests[:] = kept
    db.session.flush()
    return kept


def stays_to_declare(producer, *, today: date) -> list[Booking]:
    """The host's overnight bookings arriving from today on for a week, with their guests' details."""
    return db.session.scalars(
        select(Booking)
        .join(ExperienceSession, Booking.session_id == ExperienceSession.id)
        .join(Experience, ExperienceSession.experience_id == Experience.id)
        .where(
            Booking.producer_id == producer.id,
            Experience.nights > 0,
            Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)),
            ExperienceSession.day >= today - timedelta(days=1),
            ExperienceSession.day <= today + timedelta(days=7),
        )
        .order_by(ExperienceSession.starts_at)
    ).all()


def purge_stay_details(now: datetime | None = None) -> int:
    """Delete the stay details of every stay that ended before today (Vietnam); periodic job, commits."""
    today = (now or utcnow()).astimezone(VIETNAM_TZ).date()
    ended = [
        booking
        for booking in db.session.scalars(
            select(Booking).where(Booking.id.in_(select(StayGuest.booking_id).distinct()))
        ).all()
        if checkout_day(booking) < today
        or booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.NO_SHOW)
    ]
    if not ended:
        return 0
    ids = [booking.id for booking in ended]
    removed = db.session.execute(delete(StayGuest).where(StayGuest.booking_id.in_(ids))).rowcount
    for booking in ended:
        booking.stay_purged_at = now or utcnow()
    db.session.commit()
    return removed

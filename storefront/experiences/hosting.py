"""What a host (the producer) sees and edits: their experiences, sessions with bookings, figures."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from storefront.addresses import THAI_NGUYEN, ward_in_province
from storefront.catalog.groups import VISIT_GROUP
from storefront.catalog.models import Product
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.experiences.models import ACTIVE_STATUSES, Booking, BookingStatus, Experience, ExperienceSession
from storefront.extensions import db


class ExperienceInvalid(DomainError):
    """The experience's details break a rule; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict):
        super().__init__(", ".join(errors))
        self.errors = errors


def tourism_products(producer) -> list[Product]:
    """The producer's OCOP group 6 products, each with its experience (or none yet)."""
    return db.session.scalars(
        select(Product)
        .where(Product.producer_id == producer.id, Product.ocop_group == VISIT_GROUP)
        .order_by(Product.id)
    ).all()


def experiences_by_product(producer) -> dict[int, Experience]:
    rows = db.session.scalars(
        select(Experience).join(Product, Experience.product_id == Product.id).where(Product.producer_id == producer.id)
    ).all()
    return {experience.product_id: experience for experience in rows}


def bookings_ahead(product_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Product id -> (open bookings, guests) of sessions not yet started, for the experiences among *product_ids*."""
    rows = db.session.execute(
        select(Experience.product_id, func.count(Booking.id), func.sum(Booking.adults + Booking.children))
        .join(ExperienceSession, ExperienceSession.experience_id == Experience.id)
        .join(Booking, Booking.session_id == ExperienceSession.id)
        .where(
            Experience.product_id.in_(product_ids),
            ExperienceSession.starts_at > utcnow(),
            Booking.status.in_((BookingStatus.HELD, BookingStatus.CONFIRMED)),
        )
        .group_by(Experience.product_id)
    ).all()
    found = {product_id: (count, guests or 0) for product_id, count, guests in rows}
    experiences = db.session.scalars(select(Experience.product_id).where(Experience.product_id.in_(product_ids)))
    return {product_id: found.get(product_id, (0, 0)) for product_id in experiences}


def save_experience(product, values: dict) -> Experience:
    """Create or update the experience of a group 6 product from checked form values.

    :raises ExperienceInvalid: not a tourism product, ward outside the province, guests or coordinates inconsistent.
    """
    errors = {}
    if not product.is_visit:
        errors["ocop_group"] = "not a tourism product"
    if not ward_in_province(values["meeting_ward_code"] or 0, THAI_NGUYEN):
        errors["meeting_ward_code"] = "ward outside Thái Nguyên"
    if values["max_guests"] < values["min_guests"]:
        errors["max_guests"] = "max below min"
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        errors["latitude"] = "both or neither"
    elif values.get("latitude") is not None and not (
        20.9 <= values["latitude"] <= 22.6 and 105.2 <= values["longitude"] <= 106.5
    ):
        errors["latitude"] = "outside Thái Nguyên"
    if errors:
        raise ExperienceInvalid(errors)
    experience = db.session.scalar(select(Experience).where(Experience.product_id == product.id))
    if experience is None:
        experience = Experience(product_id=product.id, **values)
        db.session.add(experience)
    else:
        for name, value in values.items():
            setattr(experience, name, value)
    db.session.flush()
    return experience


def session_with_bookings(session_id: int) -> ExperienceSession | None:
    return db.session.scalar(
        select(ExperienceSession)
        .where(ExperienceSession.id == session_id)
        .options(selectinload(ExperienceSession.bookings).selectinload(Booking.stay_guests))
    )


def session_owner_id(session: ExperienceSession) -> int:
    return session.experience.product.producer_id


@dataclass
class HostFigures:
    bookings: int
    guests: int
    checked_in: int
    no_shows: int
    cancelled: int
    revenue_vnd: int


def host_figures(producer, *, since: date) -> HostFigures:
    """Bookings of the host's sessions from *since*: guests, arrivals, no-shows, cancellations, money."""
    rows = db.session.execute(
        select(
            Booking.status,
            func.count(Booking.id),
            func.sum(Booking.adults + Booking.children),
            func.sum(Booking.total_vnd),
        )
        .join(ExperienceSession, Booking.session_id == ExperienceSession.id)
        .where(Booking.producer_id == producer.id, ExperienceSession.day >= since)
        .group_by(Booking.status)
    ).all()
    by = {status: (count, guests or 0, money or 0) for status, count, guests, money in rows}
    active = [by.get(status, (0, 0, 0)) for status in ACTIVE_STATUSES if status is not BookingStatus.HELD]
    return HostFigures(
        bookings=sum(item[0] for item in active),
        guests=sum(item[1] for item in active),
        checked_in=by.get(BookingStatus.CHECKED_IN, (0, 0, 0))[1],
        no_shows=by.get(BookingStatus.NO_SHOW, (0, 0, 0))[1],
        cancelled=by.get(BookingStatus.CANCELLED, (0, 0, 0))[0],
        revenue_vnd=sum(item[2] for item in active),
    )


def guests_per_month_per_ward(first_day: date, last_day: date) -> list[tuple[str, str, int, int]]:
    """(month "2026-12", ward name, bookings, guests) of sessions in the period, for the office dashboard.

    Counts bookings that stand (confirmed, checked in, no-show), by the month of the session and the
    ward of the meeting place; months are folded here so the query is the same on SQLite and PostgreSQL.
    """
    from storefront.addresses import ward_name

    rows = db.session.execute(
        select(
            ExperienceSession.day,
            Experience.meeting_ward_code,
            func.count(Booking.id),
            func.sum(Booking.adults + Booking.children),
        )
        .join(ExperienceSession, Booking.session_id == ExperienceSession.id)
        .join(Experience, ExperienceSession.experience_id == Experience.id)
        .where(
            ExperienceSession.day >= first_day,
            ExperienceSession.day <= last_day,
            Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)),
        )
        .group_by(ExperienceSession.day, Experience.meeting_ward_code)
    ).all()
    totals: dict[tuple[str, int], list[int]] = {}
    for day, ward, count, guests in rows:
        key = (day.strftime("%Y-%m"), ward)
        totals.setdefault(key, [0, 0])
        totals[key][0] += count
        totals[key][1] += guests or 0
    return [(month, ward_name(ward), count, guests) for (month, ward), (count, guests) in sorted(totals.items())]


def host_months(producer) -> list[dict]:
    """The host's bookings per session month: bookings, guests, arrivals, no-shows, money (standing bookings)."""
    rows = db.session.execute(
        select(ExperienceSession.day, Booking.status, Booking.adults + Booking.children, Booking.total_vnd)
        .join(ExperienceSession, Booking.session_id == ExperienceSession.id)
        .where(
            Booking.producer_id == producer.id,
            Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)),
        )
    ).all()
    months: dict[str, dict] = {}
    for day, status, guests, total in rows:
        month = months.setdefault(
            day.strftime("%Y-%m"),
            {"month": day.strftime("%Y-%m"), "bookings": 0, "guests": 0, "checked_in": 0, "no_show": 0, "total_vnd": 0},
        )
        month["bookings"] += 1
        month["guests"] += guests
        month["checked_in"] += guests if status is BookingStatus.CHECKED_IN else 0
        month["no_show"] += guests if status is BookingStatus.NO_SHOW else 0
        month["total_vnd"] += total
    return [months[key] for key in sorted(months)]

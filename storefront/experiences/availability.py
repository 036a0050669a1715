"""Sessions of an experience: made from repeating rules, closed by blackout days, sold by guarded UPDATE.

Places work like stock (storefront/inventory): ``ExperienceSession.booked`` only moves in one
SQL UPDATE whose WHERE re-checks the rule (``capacity - booked >= n``), so bookers racing for the
last places cannot all win, on SQLite (writers serialised) and PostgreSQL (READ COMMITTED
re-evaluates the WHERE on the locked row) alike; a CHECK constraint backs it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from storefront.catalog.models import Product
from storefront.catalog.services import visible_products_query
from storefront.clock import VIETNAM_TZ, today_vn
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.experiences.models import ACTIVE_STATUSES, Blackout, Booking, Experience, ExperienceSession, SessionRule
from storefront.extensions import db

#: How many days ahead sessions are made and shown.
WINDOW_DAYS = 60


class AvailabilityError(DomainError):
    """A session, rule or blackout the host asked for cannot be kept as it is."""


def vn_instant(day: date, start: time) -> datetime:
    """Return the UTC instant of a wall-clock time in Vietnam (UTC+7, no daylight saving)."""
    return datetime.combine(day, start, tzinfo=VIETNAM_TZ).astimezone(UTC)


def _blackout_days(experience) -> set[date]:
    return {blackout.day for blackout in experience.blackouts}


def materialize_sessions(experience, *, start: date | None = None, days: int = WINDOW_DAYS) -> int:
    """Make the sessions the rules call for in the next *days* days (idempotent); return how many were added.

    Blackout days get none. An existing session (made before, or by hand) is left as it is.
    """
    start = start or today_vn()
    end = start + timedelta(days=days)
    blackout = _blackout_days(experience)
    existing = {
        (day, at)
        for day, at in db.session.execute(
            select(ExperienceSession.day, ExperienceSession.start_time).where(
                ExperienceSession.experience_id == experience.id,
                ExperienceSession.day >= start,
                ExperienceSession.day < end,
            )
        )
    }
    added = 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day in blackout:
            continue
        for rule in experience.rules:
            if rule.weekday != day.weekday() or day < rule.valid_from:
                continue
            if rule.valid_until is not None and day > rule.valid_until:
                continue
            if (day, rule.start_time) in existing:
                continue
            existing.add((day, rule.start_time))
            try:
                with db.session.begin_nested():
                    db.session.add(_session(experience, day, rule.start_time, rule.capacity, rule_id=rule.id))
                added += 1
            except IntegrityError:  # made meanwhile by another request or the nightly job
                continue
    return added


def _session(experience, day: date, start: time, capacity: int, rule_id: int | None = None) -> ExperienceSession:
    return ExperienceSession(
        experience_id=experience.id,
        day=day,
        start_time=start,
        starts_at=vn_instant(day, start),
        capacity=capacity,
        rule_id=rule_id,
    )


def add_rule(experience, *, weekday: int, start_time: time, capacity: int, valid_from: date | None = None):
    """Add a repeating session (every *weekday* at *start_time*) and make its sessions for the window."""
    if not 0 <= weekday <= 6 or not 0 < capacity <= 10_000:
        raise AvailabilityError("weekday or capacity out of range")
    rule = SessionRule(
        experience=experience,
        weekday=weekday,
        start_time=start_time,
        capacity=capacity,
        valid_from=valid_from or today_vn(),
    )
    db.session.add(rule)
    db.session.flush()
    materialize_sessions(experience)
    return rule


def add_session(experience, *, day: date, start_time: time, capacity: int) -> ExperienceSession:
    """Add one session by hand; a blackout day, a past day or a time already taken is refused."""
    if day < today_vn() or not 0 < capacity <= 10_000:
        raise AvailabilityError("past day or capacity out of range")
    if day in _blackout_days(experience):
        raise AvailabilityError("blackout day")
    session = _session(experience, day, start_time, capacity)
    try:
        with db.session.begin_nested():
            db.session.add(session)
    except IntegrityError as error:
        raise AvailabilityError("a session already starts then") from error
    return session


def add_blackout(experience, *, day: date, reason: str = "") -> Blackout:
    """Close a day: its sessions without bookings are cancelled; a day with bookings is refused
    (the host cancels that session with a reason first, so its guests are told and refunded)."""
    sessions = db.session.scalars(
        select(ExperienceSession).where(
            ExperienceSession.experience_id == experience.id,
            ExperienceSession.day == day,
            ExperienceSession.is_cancelled.is_(False),
        )
    ).all()
    if any(session.booked > 0 for session in sessions):
        raise AvailabilityError("the day has bookings")
    for session in sessions:
        session.is_cancelled = True
        session.cancel_reason = reason[:300]
    blackout = Blackout(experience_id=experience.id, day=day, reason=reason[:200])
    try:
        with db.session.begin_nested():
            db.session.add(blackout)
    except IntegrityError as error:
        raise AvailabilityError("already closed") from error
    db.session.expire(experience, ["blackouts"])
    return blackout


def take_places(session_id: int, count: int) -> bool:
    """Take *count* places of a session if that many are left; one guarded UPDATE, True if it won."""
    result = db.session.execute(
        update(ExperienceSession)
        .where(
            ExperienceSession.id == session_id,
            ExperienceSession.is_cancelled.is_(False),
            ExperienceSession.capacity - ExperienceSession.booked >= count,
        )
        .values(booked=ExperienceSession.booked + count)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def give_back_places(session_id: int, count: int) -> None:
    """Return *count* places to a session (a cancelled or lapsed booking)."""
    db.session.execute(
        update(ExperienceSession)
        .where(ExperienceSession.id == session_id, ExperienceSession.booked >= count)
        .values(booked=ExperienceSession.booked - count)
        .execution_options(synchronize_session=False)
    )


@dataclass
class CalendarDay:
    day: date
    sessions: list


def calendar(experience, *, now: datetime | None = None, days: int = WINDOW_DAYS) -> list[CalendarDay]:
    """The next *days* days that have a session still to start, each with its sessions and places left."""
    now = now or utcnow()
    start = now.astimezone(VIETNAM_TZ).date()
    sessions = db.session.scalars(
        select(ExperienceSession)
        .where(
            ExperienceSession.experience_id == experience.id,
            ExperienceSession.day >= start,
            ExperienceSession.day < start + timedelta(days=days),
            ExperienceSession.is_cancelled.is_(False),
            ExperienceSession.starts_at > now,
        )
        .order_by(ExperienceSession.starts_at)
    ).all()
    blackout = _blackout_days(experience)
    by_day: dict[date, list] = {}
    for session in sessions:
        if session.day not in blackout:
            by_day.setdefault(session.day, []).append(session)
    return [CalendarDay(day, items) for day, items in by_day.items()]


def host_sessions(experience_ids: list[int], *, start: date, days: int) -> list[ExperienceSession]:
    """Sessions of a host's experiences from *start* for *days* days (cancelled ones too), in time order."""
    if not experience_ids:
        return []
    return db.session.scalars(
        select(ExperienceSession)
        .where(
            ExperienceSession.experience_id.in_(experience_ids),
            ExperienceSession.day >= start,
            ExperienceSession.day < start + timedelta(days=days),
        )
        .order_by(ExperienceSession.starts_at)
    ).all()


def active_bookings(session: ExperienceSession) -> list[Booking]:
    return [booking for booking in session.bookings if booking.status in ACTIVE_STATUSES]


def materialize_all() -> int:
    """Nightly: extend every experience's sessions to the window's end (`flask jobs scheduler`)."""
    added = sum(materialize_sessions(experience) for experience in db.session.scalars(select(Experience)).all())
    db.session.commit()
    return added


def experience_of(product) -> Experience | None:
    """The experience a tourism product offers, or None for goods."""
    if product is None or not product.is_visit:
        return None
    return db.session.scalar(select(Experience).where(Experience.product_id == product.id))


def bookable_session(session_id: int, now: datetime | None = None) -> ExperienceSession | None:
    """A session a shopper may book: its product on sale, not cancelled, not started."""
    session = db.session.get(ExperienceSession, session_id)
    if session is None or session.is_cancelled or session.starts_at <= (now or utcnow()):
        return None
    visible = db.session.scalar(
        visible_products_query().with_only_columns(Product.id).where(Product.id == session.experience.product_id)
    )
    if visible is None or db.session.get(Experience, session.experience_id) is None:
        return None
    return session

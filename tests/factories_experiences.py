"""Factories for experience bookings: a tourism product with a Saturday 08:00 rule, and times in Vietnam."""

from datetime import UTC, date, datetime, time, timedelta

from storefront.clock import VIETNAM_TZ
from storefront.experiences.availability import add_rule
from storefront.experiences.bookings import Contact, Guests, book
from storefront.experiences.models import Experience, ExperienceExtra, ExperienceSession
from storefront.extensions import db
from tests.factories import TAN_CUONG_WARD, make_product

SATURDAY = 5


def vn(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Vietnam as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=VIETNAM_TZ).astimezone(UTC)


def next_saturday(today: date | None = None) -> date:
    today = today or datetime.now(VIETNAM_TZ).date()
    return today + timedelta(days=(SATURDAY - today.weekday()) % 7 or 7)


def make_experience(*, producer=None, capacity=20, nights=0, rule=True, **kw) -> Experience:
    product = make_product(
        producer=producer,
        on_hand=None,
        ocop_group=6,
        ocop_subgroup="VI",
        unit="khách",
        net_quantity="",
        name_vi=kw.pop("name_vi", "Du lịch văn hóa dân tộc Tày bản làng Thái Hải"),
        price_vnd=kw.get("adult_price_vnd", 250_000),
    )
    experience = Experience(
        product=product,
        duration_minutes=kw.pop("duration_minutes", 240),
        nights=nights,
        meeting_ward_code=TAN_CUONG_WARD,
        meeting_address=kw.pop("meeting_address", "Cổng bản Thái Hải"),
        latitude=kw.pop("latitude", 21.5906),
        longitude=kw.pop("longitude", 105.7752),
        languages="vi,en",
        adult_price_vnd=kw.pop("adult_price_vnd", 250_000),
        child_price_vnd=kw.pop("child_price_vnd", 150_000),
        min_guests=kw.pop("min_guests", 1),
        max_guests=kw.pop("max_guests", 10),
        free_cancel_hours=kw.pop("free_cancel_hours", 24),
        allow_pay_at_venue=kw.pop("allow_pay_at_venue", True),
        **kw,
    )
    db.session.add(experience)
    experience.extras.append(ExperienceExtra(name_vi="Bữa trưa cơm lam", name_en="Bamboo rice lunch", price_vnd=80_000))
    db.session.flush()
    if rule:
        add_rule(experience, weekday=SATURDAY, start_time=time(8, 0), capacity=capacity)
    return experience


def session_on(experience, day: date) -> ExperienceSession:
    return next(s for s in db.session.query(ExperienceSession).filter_by(experience_id=experience.id, day=day))


def make_booking(session, *, adults=2, children=1, pay_at_venue=True, email="khach@example.com", now=None, **kw):
    return book(
        session,
        Guests(adults, children, kw.pop("extra_ids", [])),
        Contact("Nguyễn Thị Hoa", "+84912345678", email, kw.pop("language", "vi")),
        pay_at_venue=pay_at_venue,
        now=now,
        **kw,
    )

"""Record and edit fairs (the office only), list them upcoming and past, and by producer or product.

Services flush, never commit.
"""

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.addresses import format_address, place_errors
from storefront.catalog.models import Producer, ProducerStatus, Product
from storefront.clock import today_vn
from storefront.errors import DomainError
from storefront.events.models import Event, EventLevel, event_producers, event_products
from storefront.extensions import db
from storefront.text import clean_text, drop_format_chars, fold, slugify

#: A fair runs a few days; a typo (2206 for 2026) should not make a year-long event.
MAX_DAYS = 31
#: Years an event may fall in: a stray year (9999) would end the .ics files in a 500 (DTEND is the day after).
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: A page lists this many upcoming events of a product or producer.
NEARBY_LIMIT = 3
#: Site search looks at the events that end last, this many (a province holds tens a year).
SEARCHED = 200


class EventError(DomainError):
    pass


class EventInvalid(EventError):
    """Field name → message for every rule the input breaks."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class EventInput:
    name: str
    level: str
    starts_on: date | None
    ends_on: date | None
    ward_code: int | None
    venue: str = ""
    street: str = ""
    latitude: float | None = None
    longitude: float | None = None
    description: str = ""
    producer_ids: tuple[int, ...] = ()
    product_ids: tuple[int, ...] = ()


def _line(text: str, limit: int) -> str:
    return re.sub(r"\s+", " ", drop_format_chars(clean_text(text or ""))).strip()[:limit]


def approved_producers() -> list[Producer]:
    return db.session.scalars(
        select(Producer).where(Producer.status == ProducerStatus.APPROVED).order_by(Producer.name)
    ).all()


def showable_products() -> list[Product]:
    """Products an event may list: published, not hidden, of an approved producer."""
    query = (
        select(Product)
        .join(Producer)
        .options(selectinload(Product.producer))
        .where(Product.is_published.is_(True), Product.is_hidden.is_(False), Producer.status == ProducerStatus.APPROVED)
    )
    return db.session.scalars(query.order_by(Product.name_vi)).all()


def _checked(data: EventInput) -> dict:
    errors, values = {}, {}
    values["name"] = _line(data.name, 200)
    if not values["name"]:
        errors["name"] = _l("Nhập tên hội chợ, sự kiện.")
    try:
        values["level"] = EventLevel(data.level)
    except ValueError:
        errors["level"] = _l("Chọn cấp tổ chức.")
    start, end = data.starts_on, data.ends_on or data.starts_on
    if start is None:
        errors["starts_on"] = _l("Nhập ngày bắt đầu.")
    elif not all(FIRST_YEAR <= day.year <= LAST_YEAR for day in (start, end)):
        errors["starts_on"] = _l("Chọn ngày trong các năm %(first)s đến %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
    elif end < start:
        errors["ends_on"] = _l("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    elif (end - start).days >= MAX_DAYS:
        errors["ends_on"] = _l("Một sự kiện kéo dài tối đa %(n)s ngày.", n=MAX_DAYS)
    values["starts_on"], values["ends_on"] = start, end
    errors.update(place_errors(data.ward_code, data.latitude, data.longitude))
    values["ward_code"], values["latitude"], values["longitude"] = data.ward_code, data.latitude, data.longitude
    values["venue"] = _line(data.venue, 200)
    values["street"] = _line(data.street, 200)
    values["description"] = drop_format_chars(clean_text(data.description or "")).strip()[:5000]
    producers = {p.id: p for p in approved_producers()}
    if set(data.producer_ids) - set(producers):
        errors["producer_ids"] = _l("Chỉ chọn được chủ thể đã được duyệt.")
    products = {p.id: p for p in showable_products()}
    if set(data.product_ids) - set(products):
        errors["product_ids"] = _l("Chỉ chọn được sản phẩm đang bán.")
    values["producers"] = [producers[i] for i in sorted(set(data.producer_ids) & set(producers))]
    values["products"] = [products[i] for i in sorted(set(data.product_ids) & set(products))]
    # A product shown at a fair brings its producer along.
    for product in values["products"]:
        if product.producer not in values["producers"]:
            values["producers"].append(product.producer)
    if errors:
        raise EventInvalid(errors)
    return values


def _unique_slug(name: str, starts_on: date, event_id: int | None = None) -> str:
    base = slugify(f"{name} {starts_on.year}" if str(starts_on.year) not in name else name, max_length=150)
    slug, n = base, 1
    while True:
        found = db.session.scalar(select(Event.id).where(Event.slug == slug))
        if found is None or found == event_id:
            return slug
        n += 1
        slug = f"{base}-{n}"


def create_event(data: EventInput, *, is_demo: bool = False) -> Event:
    """Record a fair (the office's job: views check the role).

    :raises EventInvalid: with a message per field.
    """
    values = _checked(data)
    event = Event(slug=_unique_slug(values["name"], values["starts_on"]), is_demo=is_demo)
    _apply(event, values)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(event: Event, data: EventInput) -> Event:
    """Change a fair; its address (slug) stays, so shared links and calendar entries keep working.

    :raises EventInvalid: with a message per field.
    """
    _apply(event, _checked(data))
    db.session.flush()
    return event


def _apply(event: Event, values: dict) -> None:
    for name in (
        "name",
        "level",
        "starts_on",
        "ends_on",
        "ward_code",
        "venue",
        "street",
        "latitude",
        "longitude",
        "description",
    ):
        setattr(event, name, values[name])
    event.producers = values["producers"]
    event.products = values["products"]


def delete_event(event: Event) -> None:
    db.session.delete(event)
    db.session.flush()


def all_events() -> list[Event]:
    """Every event, newest first (the office's list)."""
    return db.session.scalars(select(Event).order_by(Event.starts_on.desc(), Event.name)).all()


def upcoming_events(day: date | None = None) -> list[Event]:
    """Events not yet over (running today or later), soonest first."""
    day = day or today_vn()
    query = select(Event).where(Event.ends_on >= day).order_by(Event.starts_on, Event.name)
    return db.session.scalars(query).all()


def past_events(day: date | None = None, *, limit: int = 50) -> list[Event]:
    """Events that ended before today, most recent first."""
    day = day or today_vn()
    query = select(Event).where(Event.ends_on < day).order_by(Event.ends_on.desc(), Event.name).limit(limit)
    return db.session.scalars(query).all()


def public_event(slug: str) -> Event | None:
    return db.session.scalar(
        select(Event).where(Event.slug == slug).options(selectinload(Event.producers), selectinload(Event.products))
    )


def events_of_producer(producer: Producer, *, upcoming_only: bool = False) -> list[Event]:
    """Events a producer takes part in (listed itself or through one of its products), soonest first."""
    through_products = select(event_products.c.event_id).join(Product, Product.id == event_products.c.product_id)
    query = select(Event).where(
        Event.id.in_(select(event_producers.c.event_id).where(event_producers.c.producer_id == producer.id))
        | Event.id.in_(through_products.where(Product.producer_id == producer.id))
    )
    if upcoming_only:
        query = query.where(Event.ends_on >= today_vn()).limit(NEARBY_LIMIT)
    return db.session.scalars(query.order_by(Event.starts_on.desc() if not upcoming_only else Event.starts_on)).all()


def upcoming_events_of_product(product: Product) -> list[Event]:
    """Upcoming events that show this product, soonest first (a product page's "Gặp tại hội chợ")."""
    query = (
        select(Event)
        .join(event_products, event_products.c.event_id == Event.id)
        .where(event_products.c.product_id == product.id, Event.ends_on >= today_vn())
        .order_by(Event.starts_on)
        .limit(NEARBY_LIMIT)
    )
    return db.session.scalars(query).all()


def event_address(event: Event) -> str:
    return format_address(", ".join(p for p in (event.venue, event.street) if p), event.ward_code, event.province_code)


def is_past(event: Event, day: date | None = None) -> bool:
    return event.ends_on < (day or today_vn())


def search_events(query: str, *, limit: int = 5) -> list[Event]:
    """Upcoming events first, then recent past ones, whose folded name, venue, ward or text holds every folded
    word of the query: "festival tra" finds "Festival Trà". One query for the latest SEARCHED events, matched
    in Python (a province holds tens of fairs a year: no index needed)."""
    words = re.findall(r"[a-z0-9]+", fold(query or ""))[:8]
    if not words:
        return []
    latest = db.session.scalars(select(Event).order_by(Event.ends_on.desc()).limit(SEARCHED)).all()
    today = today_vn()
    upcoming = sorted((e for e in latest if e.ends_on >= today), key=lambda e: (e.starts_on, e.name))
    past = [e for e in latest if e.ends_on < today]
    found = []
    for event in upcoming + past:
        text = fold(" ".join((event.name, event.venue, event.street, event_address(event), event.description)))
        if all(word in text for word in words):
            found.append(event)
    return found[:limit]

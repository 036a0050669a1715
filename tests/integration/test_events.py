"""Fairs and events: the office records them (nobody else can), shoppers see upcoming and past ones, an
event page with Event JSON-LD, iCalendar files that parse back, and the event on the pages of what it shows."""

import json
import re
from datetime import timedelta

import icalendar
from sqlalchemy import func, select

from storefront.clock import today_vn
from storefront.events.models import Event, EventLevel
from storefront.events.services import EventInput, create_event
from tests.factories import make_product, make_user
from tests.factories_office import make_office_user
from tests.factories_producer import make_producer_account

PHAN_DINH_PHUNG = 5443  # Phường Phan Đình Phùng, Tỉnh Thái Nguyên
HANOI_WARD = 4


def event_count(db) -> int:
    return db.session.scalar(select(func.count(Event.id)))


def form(**changes) -> dict:
    start = today_vn() + timedelta(days=20)
    data = {
        "name": "Festival Trà Thái Nguyên",
        "level": "province",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=3)).isoformat(),
        "venue": "Quảng trường Võ Nguyên Giáp",
        "ward_code": str(PHAN_DINH_PHUNG),
        "street": "Đường Hoàng Văn Thụ",
        "latitude": "21.5942",
        "longitude": "105.8482",
        "description": "Gian hàng chè Tân Cương.\n\nTrình diễn sao chè.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def make_event(*, days_from_now=10, length=2, products=(), producers=(), **kw) -> Event:
    start = today_vn() + timedelta(days=days_from_now)
    return create_event(
        EventInput(
            name=kw.pop("name", "Hội chợ OCOP Thái Nguyên"),
            level=kw.pop("level", "province"),
            starts_on=start,
            ends_on=start + timedelta(days=length - 1),
            ward_code=kw.pop("ward_code", PHAN_DINH_PHUNG),
            venue=kw.pop("venue", "Trung tâm Hội nghị tỉnh"),
            product_ids=tuple(p.id for p in products),
            producer_ids=tuple(p.id for p in producers),
            **kw,
        )
    )


def jsonld_of(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


def test_the_office_records_a_fair_and_shoppers_find_it_on_every_page_it_concerns(client, db, login):
    tea = make_product(name_vi="Chè đinh Tân Cương")
    office = make_office_user()
    db.session.commit()
    login(office)
    response = client.post("/office/events/new", data={**form(), "product_ids": [str(tea.id)]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    event = db.session.scalar(select(Event))
    assert (event.level, event.products, event.producers) == (EventLevel.PROVINCE, [tea], [tea.producer])
    login.logout()

    listing = client.get("/events").get_data(as_text=True)
    assert "Festival Trà Thái Nguyên" in listing and "Sắp diễn ra" in listing and "Cấp tỉnh" in listing
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Chè đinh Tân Cương" in page and "Phường Phan Đình Phùng" in page and "Trình diễn sao chè" in page
    data = jsonld_of(page)
    assert data["@type"] == ["Event", "ExhibitionEvent"] and data["startDate"] == event.starts_on.isoformat()
    assert data["location"]["address"]["addressLocality"] == "Phường Phan Đình Phùng"
    assert data["location"]["geo"]["latitude"] == 21.5942 and data["workFeatured"][0]["name"] == "Chè đinh Tân Cương"

    product_page = client.get(f"/products/{tea.slug}").get_data(as_text=True)
    assert "Gặp tại hội chợ" in product_page and f"/events/{event.slug}" in product_page
    producer_page = client.get(f"/producers/{tea.producer.slug}").get_data(as_text=True)
    assert f"/events/{event.slug}" in producer_page
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/events/{event.slug}</loc>" in sitemap


def test_one_event_exports_as_an_icalendar_file_that_parses_back(client, db):
    event = make_event(name='Hội chợ OCOP Thái Nguyên, lần thứ ba; "đặc sản"', days_from_now=5, length=3)
    db.session.commit()
    response = client.get(f"/events/{event.slug}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert all(len(line) <= 75 for line in response.data.split(b"\r\n"))  # RFC 5545 folding, in octets
    calendar = icalendar.Calendar.from_ical(response.data)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.name
    assert vevent.decoded("DTSTART") == event.starts_on
    assert vevent.decoded("DTEND") == event.starts_on + timedelta(days=3)  # exclusive, the day after the last
    assert str(vevent["UID"]).startswith(f"{event.slug}@")
    assert "Phường Phan Đình Phùng" in str(vevent["LOCATION"])
    assert str(vevent["URL"]).endswith(f"/events/{event.slug}")
    assert client.get("/events/khong-co.ics").status_code == 404
    for slug in ("khong-co", "A" * 300, "..%2f", "-x"):
        assert client.get(f"/events/{slug}").status_code == 404
    english = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "Province" in english and "Add to calendar" in english and "Thêm vào lịch" not in english


def test_the_whole_calendar_holds_upcoming_and_past_events_and_the_lists_split_them(client, db):
    tea = make_product()
    coming = make_event(name="Lễ hội Trà sắp tới", days_from_now=30)
    over = make_event(name="Hội chợ đã qua", days_from_now=-40, products=[tea])
    running = make_event(name="Triển lãm đang diễn ra", days_from_now=-1, length=3)
    db.session.commit()
    calendar = icalendar.Calendar.from_ical(client.get("/events.ics").data)
    assert {str(v["SUMMARY"]) for v in calendar.walk("VEVENT")} == {coming.name, over.name, running.name}
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]

    page = client.get("/events").get_data(as_text=True)
    upcoming, past = page.split('id="past-h"')
    assert coming.name in upcoming and running.name in upcoming and over.name not in upcoming
    assert over.name in past
    assert upcoming.index(running.name) < upcoming.index(coming.name)  # soonest first
    assert "Thêm vào lịch" not in client.get(f"/events/{over.slug}").get_data(as_text=True)
    assert over.name not in client.get(f"/products/{tea.slug}").get_data(as_text=True)  # past: not on its page


def test_a_producer_sees_the_events_it_takes_part_in_on_its_dashboard(client, db, login):
    user, producer = make_producer_account()
    own = make_product(producer=producer)
    other = make_product()
    make_event(name="Hội chợ có sản phẩm của cơ sở", products=[own])
    make_event(name="Hội chợ có tên cơ sở", days_from_now=-20, producers=[producer])
    make_event(name="Hội chợ của cơ sở khác", products=[other])
    db.session.commit()
    login(user)
    page = client.get("/producer/").get_data(as_text=True)
    assert "Hội chợ có sản phẩm của cơ sở" in page and "Hội chợ có tên cơ sở" in page and "đã diễn ra" in page
    assert "Hội chợ của cơ sở khác" not in page


BAD_INPUT = [
    ({"name": "   "}, "Enter the name of the fair or event"),
    ({"level": "district"}, "Not a valid choice"),
    ({"starts_on": ""}, "Enter the start date"),
    ({"ends_on": (today_vn() - timedelta(days=400)).isoformat()}, "The end date must be on or after the start date"),
    ({"ends_on": (today_vn() + timedelta(days=200)).isoformat()}, "at most 31 days"),
    ({"ward_code": str(HANOI_WARD)}, "Not a valid choice"),
    ({"latitude": "10.77", "longitude": "106.70"}, "outside Thái Nguyên"),
    ({"longitude": ""}, "both latitude and longitude"),
    ({"starts_on": "32/13/2026"}, "Not a valid date value"),
    # The last day DATE holds: its .ics DTEND (the day after) would end every calendar download in a 500.
    ({"starts_on": "9999-12-31", "ends_on": "9999-12-31"}, "between 2000 and 2100"),
    ({"starts_on": "0001-01-01", "ends_on": "0001-01-01"}, "between 2000 and 2100"),
]


def test_bad_event_input_is_a_form_error_in_the_users_language_and_records_nothing(client, db, login):
    office = make_office_user()
    db.session.commit()
    login(office)
    for changes, message in BAD_INPUT:
        response = client.post("/office/events/new?lang=en", data=form(**changes))
        assert response.status_code == 200 and event_count(db) == 0, changes
        assert message in response.get_data(as_text=True), changes


def test_only_the_office_records_edits_or_deletes_events(client, db, login):
    event = make_event()
    shopper = make_user()
    user, _producer = make_producer_account()
    db.session.commit()
    for who in (None, shopper, user):
        if who:
            login(who)
        for method, url in (
            ("get", "/office/events/new"),
            ("post", "/office/events/new"),
            ("post", f"/office/events/{event.id}/edit"),
            ("post", f"/office/events/{event.id}/delete"),
        ):
            response = getattr(client, method)(url, data=form(name="Đổi tên"))
            assert response.status_code in (302, 403), (who, url, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]
        if who:
            login.logout()
    db.session.refresh(event)
    assert event.name == "Hội chợ OCOP Thái Nguyên" and event_count(db) == 1


def test_the_office_edits_and_deletes_an_event_with_its_csrf_token(app, client, db, login):
    event = make_event()
    office = make_office_user()
    db.session.commit()
    slug = event.slug
    login(office)
    response = client.post(f"/office/events/{event.id}/edit", data=form(name="Festival Trà đổi tên"))
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.name == "Festival Trà đổi tên" and event.slug == slug  # shared links keep working
    assert client.post(f"/office/events/{event.id}/delete", data={"csrf_token": "forged"}).status_code in (302, 400)
    assert event_count(db) == 1
    assert client.post(f"/office/events/{event.id}/delete").status_code == 302
    assert event_count(db) == 0


def test_site_search_finds_events_without_accents_in_their_own_section(client, db):
    make_event(name="Festival Trà Thái Nguyên", venue="Quảng trường Võ Nguyên Giáp")
    make_event(name="Hội chợ nông sản Đồng Hỷ", days_from_now=-30)
    db.session.commit()
    page = client.get("/products?q=festival+tra").get_data(as_text=True)
    section = page.split('data-testid="search-events"')[1]
    assert "Festival Trà Thái Nguyên" in section and "Đồng Hỷ" not in section
    assert "Hội chợ nông sản Đồng Hỷ" in client.get("/products?q=dong+hy").get_data(as_text=True)
    assert 'data-testid="search-events"' not in client.get("/products?q=khong+co+gi").get_data(as_text=True)

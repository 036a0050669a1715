"""Experience pages: the product page's calendar, booking at the venue, the voucher and its QR, the host's routes."""

import io
import re
from datetime import datetime, time, timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from storefront.clock import VIETNAM_TZ
from storefront.experiences.availability import add_session
from storefront.experiences.models import Booking, BookingStatus, StayGuest
from storefront.experiences.stays import purge_stay_details
from storefront.experiences.tokens import voucher_path
from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on, vn
from tests.factories_producer import make_producer_account, owner  # noqa: F401  (fixture)


def book_form(**overrides):
    return {
        "adults": "2",
        "children": "1",
        "contact_name": "Nguyễn Thị Hoa",
        "phone": "0912 345 678",
        "email": "hoa@example.com",
        "payment": "venue",
        **overrides,
    }


def test_the_product_page_shows_the_next_saturdays_with_places_and_no_add_to_cart(db, client):
    experience = make_experience(capacity=20)
    make_booking(session_on(experience, next_saturday()), adults=3, children=0)
    db.session.commit()
    page = client.get(f"/products/{experience.product.slug}").get_data(as_text=True)
    assert "Đặt chỗ tham quan" in page and "còn 17 chỗ" in page and "còn 20 chỗ" in page
    assert 'action="/cart/add"' not in page and "Hết hàng" not in page
    assert '"@type": "TouristTrip"' in page.replace('"@type":"TouristTrip"', '"@type": "TouristTrip"')


def test_a_bookable_experience_card_does_not_say_sold_out(db, client):
    experience = make_experience(capacity=20)
    session_on(experience, next_saturday())
    db.session.commit()
    page = client.get(f"/producers/{experience.product.producer.slug}").get_data(as_text=True)
    assert f'href="/products/{experience.product.slug}"' in page and "Hết hàng" not in page


def test_booking_at_the_venue_leads_to_a_voucher_whose_qr_holds_the_check_in_link(db, client):
    experience = make_experience()
    session = session_on(experience, next_saturday())
    db.session.commit()
    response = client.post(f"/experiences/sessions/{session.id}/book", data=book_form())
    assert response.status_code == 302
    booking = db.session.scalar(select(Booking))
    assert response.headers["Location"] == voucher_path(booking.code)
    assert booking.phone == "+84912345678" and booking.total_vnd == 650_000
    voucher = client.get(response.headers["Location"]).get_data(as_text=True)
    assert booking.code in voucher and "650.000" in voucher
    png = client.get(response.headers["Location"] + "/qr.png")
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))]
    assert decoded == [f"http://shop.test/producer/check-in?code={booking.code}"] or decoded[0].endswith(
        f"/producer/check-in?code={booking.code}"
    )
    assert client.get(f"/bookings/{booking.code}/{'0' * 20}").status_code == 404  # the code alone opens nothing


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"adults": "0", "children": "2"}, "trẻ em đi cùng người lớn"),
        ({"adults": "abc"}, "Vui lòng sửa"),
        ({"phone": "123"}, "không hợp lệ"),
    ],
)
def test_bad_booking_input_is_a_form_error_and_takes_no_place(db, client, overrides, message):
    experience = make_experience()
    session = session_on(experience, next_saturday())
    db.session.commit()
    response = client.post(f"/experiences/sessions/{session.id}/book", data=book_form(**overrides))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.refresh(session)
    assert session.booked == 0 and db.session.scalar(select(Booking)) is None


def test_unknown_or_past_sessions_answer_404(db, client):
    experience = make_experience()
    db.session.commit()
    assert client.get("/experiences/sessions/999999/book").status_code == 404
    experience.product.is_published = False
    db.session.commit()
    session = session_on(experience, next_saturday())
    assert client.get(f"/experiences/sessions/{session.id}/book").status_code == 404


def host_routes(experience, booking):
    product_id, experience_id, session_id, booking_id = (
        experience.product_id,
        experience.id,
        booking.session_id,
        booking.id,
    )
    return [
        ("get", f"/producer/tourism/{product_id}/experience"),
        ("get", f"/producer/experiences/{experience_id}/sessions"),
        ("post", f"/producer/experiences/{experience_id}/rules"),
        ("post", f"/producer/experiences/{experience_id}/sessions/new"),
        ("post", f"/producer/experiences/{experience_id}/blackouts"),
        ("get", f"/producer/sessions/{session_id}"),
        ("post", f"/producer/sessions/{session_id}/cancel"),
        ("post", f"/producer/bookings/{booking_id}/check-in"),
        ("post", f"/producer/bookings/{booking_id}/no-show"),
        ("post", f"/producer/bookings/{booking_id}/cancel"),
    ]


def test_every_host_route_is_404_for_another_producer_and_changes_nothing(db, client, login):
    experience = make_experience()
    booking = make_booking(session_on(experience, next_saturday()))
    other, _producer = make_producer_account()
    db.session.commit()
    login(other)
    for method, path in host_routes(experience, booking):
        data = {"reason": "x", "weekday": "5", "start_time": "09:00", "capacity": "5", "day": "2030-01-05"}
        response = getattr(client, method)(path, data=data) if method == "post" else client.get(path)
        assert response.status_code == 404, path
    page = client.get(f"/producer/check-in?code={booking.code}").get_data(as_text=True)
    assert "Không tìm thấy đặt chỗ" in page and booking.contact_name not in page
    db.session.refresh(booking)
    assert (
        booking.status is BookingStatus.CONFIRMED and booking.session.booked == 3 and not booking.session.is_cancelled
    )


def test_host_routes_refuse_shoppers_and_guests(db, client, login):
    from tests.factories import make_user

    experience = make_experience()
    booking = make_booking(session_on(experience, next_saturday()))
    shopper = make_user()
    db.session.commit()
    for method, path in host_routes(experience, booking):
        assert getattr(client, method)(path).status_code == 302, path  # to the sign-in page
    login(shopper)
    for method, path in host_routes(experience, booking):
        assert getattr(client, method)(path).status_code == 403, path


def test_the_host_sees_the_calendar_and_guest_list_and_checks_in_by_typed_code(db, client, owner):
    experience = make_experience(producer=owner)
    saturday = next_saturday()
    booking = make_booking(session_on(experience, saturday))
    db.session.commit()
    calendar = client.get(f"/producer/experiences/{experience.id}/sessions").get_data(as_text=True)
    assert "3 / 20" in calendar
    analytics = client.get("/producer/analytics").get_data(as_text=True)
    assert (
        "Khách tham quan theo tháng" in analytics
        and f'<td class="name nowrap">Tháng {saturday.month}/{saturday.year}</td>'
        '<td data-label="Đặt chỗ">1</td><td data-label="Khách">3</td>'
        in analytics
    )
    guests = client.get(f"/producer/sessions/{booking.session_id}").get_data(as_text=True)
    assert booking.code in guests and "Nguyễn Thị Hoa" in guests
    found = client.get("/producer/check-in?code=" + booking.code.lower().replace("-", ""))
    assert booking.code in found.get_data(as_text=True)
    assert "camera=(self)" in found.headers["Permissions-Policy"]
    assert client.post(f"/producer/bookings/{booking.id}/check-in", data={"next": "check-in"}).status_code == 302
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CONFIRMED  # next Saturday is not today: refused
    today = datetime.now(VIETNAM_TZ).date()
    todays = add_session(experience, day=today, start_time=time(0, 1), capacity=5)
    arriving = make_booking(todays, now=vn(today - timedelta(days=1), 12))
    db.session.commit()
    client.post(f"/producer/bookings/{arriving.id}/check-in", data={"next": "check-in"})
    db.session.refresh(arriving)
    assert arriving.status is BookingStatus.CHECKED_IN


def test_stay_details_only_for_overnight_bookings_shown_to_the_host_and_purged_after_the_stay(db, client, owner):
    homestay = make_experience(producer=owner, nights=1, name_vi="Homestay bản Thái Hải (hư cấu)")
    daytrip = make_experience(producer=owner)
    saturday = next_saturday()
    stay = make_booking(session_on(homestay, saturday), adults=2, children=0)
    visit = make_booking(session_on(daytrip, saturday), adults=2, children=0)
    db.session.commit()
    assert "khai báo lưu trú" not in client.get(voucher_path(visit.code)).get_data(as_text=True).lower()
    assert client.post(voucher_path(visit.code) + "/stay", data={}).status_code == 404
    form = {"consent": "y"}
    for i, (name, born, number) in enumerate(
        [("Nguyễn Thị Hoa", "1990-04-01", "001190012345"), ("John Smith", "1985-02-03", "C1234567")]
    ):
        form |= {f"guests-{i}-full_name": name, f"guests-{i}-birth_date": born, f"guests-{i}-id_number": number}
        form[f"guests-{i}-nationality"] = "VN" if i == 0 else "GB"
    assert client.post(voucher_path(stay.code) + "/stay", data=form).status_code == 302
    assert len(db.session.scalars(select(StayGuest)).all()) == 2
    page = client.get("/producer/stays").get_data(as_text=True)
    assert "001190012345" in page and "John Smith" in page
    assert purge_stay_details(vn(saturday + timedelta(days=1), 12)) == 0  # checking out today: kept
    assert purge_stay_details(vn(saturday + timedelta(days=2), 0, 5)) == 2  # the day after: deleted
    assert db.session.scalars(select(StayGuest)).all() == []
    assert db.session.get(Booking, stay.id).stay_purged_at is not None


def test_stay_details_without_consent_or_with_a_bad_row_are_refused(db, client):
    homestay = make_experience(nights=1)
    stay = make_booking(session_on(homestay, next_saturday()), adults=1, children=0)
    db.session.commit()
    row = {
        "guests-0-full_name": "Hoa",
        "guests-0-birth_date": "1990-04-01",
        "guests-0-id_number": "001190012345",
        "guests-0-nationality": "VN",
    }
    client.post(voucher_path(stay.code) + "/stay", data=row)
    client.post(voucher_path(stay.code) + "/stay", data={**row, "consent": "y", "guests-0-id_number": "12"})
    assert db.session.scalars(select(StayGuest)).all() == []


def test_reminder_job_and_purge_are_scheduled():
    from storefront.jobs.commands import PERIODIC

    targets = {target for _seconds, target in PERIODIC.values()}
    assert {"storefront.experiences.jobs:hourly", "storefront.experiences.jobs:release_lapsed"} <= targets


def test_the_office_sees_guests_per_month_and_ward_and_hiding_the_product_stops_bookings(db, client, login):
    from storefront.addresses import ward_name
    from tests.factories import TAN_CUONG_WARD
    from tests.factories_office import make_office_user

    experience = make_experience()
    saturday = next_saturday()
    make_booking(session_on(experience, saturday), adults=2, children=1)
    cancelled = make_booking(session_on(experience, saturday), adults=4, children=0)
    from storefront.experiences.bookings import cancel_by_host

    cancel_by_host(cancelled, reason="Trùng lịch")
    office = make_office_user()
    db.session.commit()
    login(office)
    page = client.get("/office/").get_data(as_text=True)
    row = re.search(r'data-testid="visits".*?</table>', page, re.S).group(0)
    assert saturday.strftime("%Y-%m") in row and ward_name(TAN_CUONG_WARD) in row
    assert re.search(r"<td>1</td><td>3</td>", row)  # one booking, three guests: the cancelled one is not counted
    experience.product.is_hidden = True  # the office hides it, as any product (moderation)
    db.session.commit()
    assert client.get(f"/experiences/sessions/{session_on(experience, saturday).id}/book").status_code == 404


def test_the_host_describes_an_experience_and_opens_sundays_then_closes_one(db, client, owner):
    from tests.factories import TAN_CUONG_WARD, make_product

    product = make_product(
        producer=owner, on_hand=None, ocop_group=6, ocop_subgroup="VI", name_vi="Trải nghiệm hái chè"
    )
    db.session.commit()
    form = {
        "duration_minutes": "180", "nights": "0", "meeting_ward_code": str(TAN_CUONG_WARD), "meeting_address": "Đồi chè",
        "languages": ["vi", "en"], "min_guests": "1", "max_guests": "8", "child_max_age": "11", "min_age": "0",
        "adult_price_vnd": "200000", "child_price_vnd": "100000", "free_cancel_hours": "24", "allow_pay_at_venue": "y",
    }  # fmt: skip
    assert (
        client.post(f"/producer/tourism/{product.id}/experience", data={**form, "latitude": "21.6"}).status_code == 200
    )
    assert client.post(f"/producer/tourism/{product.id}/experience", data=form).status_code == 302
    experience = product_experience_of(db, product)
    client.post(
        f"/producer/experiences/{experience.id}/rules", data={"weekday": "6", "start_time": "07:30", "capacity": "12"}
    )
    sundays = [s.day for s in experience_sessions(db, experience)]
    assert sundays and all(day.weekday() == 6 for day in sundays) and experience.languages == "vi,en"
    client.post(
        f"/producer/experiences/{experience.id}/blackouts", data={"day": sundays[0].isoformat(), "reason": "Tết"}
    )
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert f'data-day="{sundays[0].isoformat()}"' not in page and f'data-day="{sundays[1].isoformat()}"' in page


def product_experience_of(db, product):
    from storefront.experiences.models import Experience

    return db.session.scalar(select(Experience).where(Experience.product_id == product.id))


def experience_sessions(db, experience):
    from storefront.experiences.models import ExperienceSession

    return db.session.scalars(
        select(ExperienceSession)
        .where(ExperienceSession.experience_id == experience.id)
        .order_by(ExperienceSession.day)
    ).all()


def test_the_experience_part_of_the_product_page_speaks_english(db, client):
    experience = make_experience()
    db.session.commit()
    page = client.get(f"/products/{experience.product.slug}?lang=en").get_data(as_text=True)
    assert "Book a visit" in page and "places left" in page and "Saturday" in page and "Đặt chỗ tham quan" not in page

"""Experiences: sessions from rules, places never oversold, booking, policy windows in Vietnam time, check-in."""

from datetime import time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from storefront.experiences import bookings
from storefront.experiences.availability import AvailabilityError, add_blackout, calendar, materialize_sessions
from storefront.experiences.bookings import (
    BadGuests,
    CannotCancel,
    CannotCheckIn,
    NotEnoughPlaces,
    PayAtVenueNotOffered,
    booking_for_host,
    cancel_by_guest,
    cancel_by_host,
    check_in,
    expire_held,
    mark_no_show,
)
from storefront.experiences.mail import send_reminders
from storefront.experiences.models import BookingStatus, ExperienceSession
from storefront.outbox.models import OutboxMessage
from tests.factories import make_producer
from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on, vn


def sessions_of(db, experience):
    return db.session.scalars(
        select(ExperienceSession)
        .where(ExperienceSession.experience_id == experience.id)
        .order_by(ExperienceSession.day)
    ).all()


def test_a_saturday_rule_makes_a_session_every_saturday_for_60_days_but_not_on_a_blackout_day(db):
    experience = make_experience(capacity=20)
    days = [s.day for s in sessions_of(db, experience)]
    assert days and all(day.weekday() == 5 for day in days)
    assert len(days) in (8, 9)  # 60 days hold 8 or 9 Saturdays
    assert all(s.start_time == time(8, 0) and s.capacity == 20 for s in sessions_of(db, experience))
    assert sessions_of(db, experience)[0].starts_at == vn(days[0], 8)  # 08:00 in Vietnam is 01:00 UTC
    assert materialize_sessions(experience) == 0  # idempotent
    add_blackout(experience, day=days[1], reason="Lễ hội bản")
    db.session.flush()
    assert [d.day for d in calendar(experience)] == [days[0], *days[2:]]


def test_a_blackout_is_refused_on_a_day_that_has_bookings(db):
    experience = make_experience()
    saturday = next_saturday()
    make_booking(session_on(experience, saturday))
    with pytest.raises(AvailabilityError):
        add_blackout(experience, day=saturday)


def test_booking_at_the_venue_takes_places_confirms_and_mails_an_ics(db):
    experience = make_experience(capacity=20)
    saturday = next_saturday()
    session = session_on(experience, saturday)
    booking = make_booking(session, adults=2, children=1, extra_ids=[experience.extras[0].id])
    db.session.commit()
    assert booking.status is BookingStatus.CONFIRMED and booking.code.startswith("DL-")
    assert booking.total_vnd == 2 * 250_000 + 150_000 + 80_000
    assert session.booked == 3 and session.places_left == 17
    mail = db.session.scalar(select(OutboxMessage))
    assert booking.code in mail.subject and mail.attachment_type == "text/calendar"
    event = Calendar.from_ical(mail.attachment_text).walk("VEVENT")[0]
    assert event.decoded("dtstart") == vn(saturday, 8)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=4)
    assert "Cổng bản Thái Hải" in str(event["location"])


@pytest.mark.parametrize(("adults", "children"), [(0, 2), (11, 0), (6, 5), (0, 0)])
def test_guest_numbers_outside_the_rules_are_refused_and_take_no_place(db, adults, children):
    experience = make_experience(max_guests=10)
    session = session_on(experience, next_saturday())
    with pytest.raises(BadGuests):
        make_booking(session, adults=adults, children=children)
    assert session.booked == 0


def test_more_guests_than_places_left_is_refused_with_the_places_left(db):
    experience = make_experience(capacity=4)
    session = session_on(experience, next_saturday())
    make_booking(session, adults=3, children=0)
    with pytest.raises(NotEnoughPlaces) as error:
        make_booking(session, adults=2, children=0)
    assert error.value.left == 1 and session.booked == 3


def test_pay_at_venue_is_refused_when_the_host_does_not_take_it(db):
    experience = make_experience(allow_pay_at_venue=False)
    with pytest.raises(PayAtVenueNotOffered):
        make_booking(session_on(experience, next_saturday()))


def test_the_guest_cancels_free_until_24_hours_before_the_start_in_vietnam_time(db):
    experience = make_experience(free_cancel_hours=24)
    saturday = next_saturday()
    session = session_on(experience, saturday)
    early = make_booking(session, now=vn(saturday, 8) - timedelta(days=3))
    late = make_booking(session, now=vn(saturday, 8) - timedelta(days=3))
    # Friday 07:59 in Vietnam is inside the window; Friday 08:00 is not (01:00 UTC, not 08:00 UTC).
    cancel_by_guest(early, reason="Đổi lịch", now=vn(saturday - timedelta(days=1), 7, 59))
    assert early.status is BookingStatus.CANCELLED and early.cancelled_by == "guest"
    with pytest.raises(CannotCancel):
        cancel_by_guest(late, now=vn(saturday - timedelta(days=1), 8, 0))
    assert late.status is BookingStatus.CONFIRMED
    assert session.booked == 3  # the early booking's 3 places came back


def test_the_host_cancels_with_a_reason_and_the_guest_is_told(db):
    experience = make_experience()
    booking = make_booking(session_on(experience, next_saturday()))
    with pytest.raises(CannotCancel):
        cancel_by_host(booking, reason="  ")
    cancel_by_host(booking, reason="Mưa lớn, đường vào bản sạt lở")
    db.session.commit()
    assert booking.status is BookingStatus.CANCELLED and booking.session.booked == 0
    told = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[-1]
    assert "Mưa lớn, đường vào bản sạt lở" in told.body_text
    with pytest.raises(CannotCancel):
        cancel_by_host(booking, reason="again")


def test_a_held_booking_not_paid_in_time_gives_its_places_back_once(db):
    experience = make_experience(capacity=5)
    saturday = next_saturday()
    session = session_on(experience, saturday)
    now = vn(saturday, 8) - timedelta(days=2)
    held = make_booking(session, adults=2, children=0, pay_at_venue=False, now=now)
    assert held.status is BookingStatus.HELD and session.booked == 2
    assert expire_held(now + timedelta(minutes=29)) == []
    assert expire_held(now + timedelta(minutes=31)) == [held]
    assert expire_held(now + timedelta(minutes=32)) == []
    db.session.refresh(session)
    assert held.status is BookingStatus.EXPIRED and session.booked == 0


def test_the_host_checks_in_by_a_typed_code_only_their_own_and_only_on_the_day(db):
    experience = make_experience()
    saturday = next_saturday()
    booking = make_booking(session_on(experience, saturday))
    host = experience.product.producer
    typed = booking.code.lower().replace("-", " ")
    assert booking_for_host(host, typed) == booking
    assert booking_for_host(make_producer(), typed) is None
    with pytest.raises(CannotCheckIn):
        check_in(booking, now=vn(saturday, 8) - timedelta(days=1))
    check_in(booking, now=vn(saturday, 7, 45))
    assert booking.status is BookingStatus.CHECKED_IN
    with pytest.raises(CannotCheckIn):
        check_in(booking, now=vn(saturday, 7, 50))


def test_no_show_only_after_the_start_and_not_for_cancelled_bookings(db):
    experience = make_experience()
    saturday = next_saturday()
    session = session_on(experience, saturday)
    booking = make_booking(session)
    with pytest.raises(CannotCheckIn):
        mark_no_show(booking, now=vn(saturday, 7))
    mark_no_show(booking, now=vn(saturday, 9))
    assert booking.status is BookingStatus.NO_SHOW and session.booked == 3
    other = make_booking(session)
    cancel_by_host(other, reason="Ốm")
    with pytest.raises(CannotCheckIn):
        mark_no_show(other, now=vn(saturday, 9))


def test_the_reminder_goes_the_day_before_once(db):
    experience = make_experience()
    saturday = next_saturday()
    make_booking(session_on(experience, saturday), language="en")
    db.session.commit()
    before = db.session.query(OutboxMessage).count()
    assert send_reminders(vn(saturday, 8) - timedelta(days=2)) == 0
    assert send_reminders(vn(saturday - timedelta(days=1), 0, 30)) == 1  # Friday 00:30 in Vietnam, Thursday in UTC
    assert send_reminders(vn(saturday - timedelta(days=1), 9)) == 0
    reminder = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert db.session.query(OutboxMessage).count() == before + 1
    assert "tomorrow" in reminder.subject.lower()


def test_codes_read_the_same_however_typed():
    assert bookings.normalize_code("dl 7f3k9q") == "DL-7F3K9Q"
    assert bookings.normalize_code("7F3K9Q") == "DL-7F3K9Q"
    assert bookings.normalize_code("DL-7F3K9") == ""
    assert bookings.normalize_code("<b>x</b>") == ""

"""Places are never oversold: 30 bookers racing for the last 4 places through the booking page make 4 bookings."""

import threading

import pytest
from sqlalchemy import func, select

from storefront.experiences.models import Booking
from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on


@pytest.mark.postgres_only
def test_thirty_bookers_for_the_last_four_places_make_exactly_four_bookings(app, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers, so this race can only be run on PostgreSQL")
    experience = make_experience(capacity=20)
    session = session_on(experience, next_saturday())
    for _ in range(4):
        make_booking(session, adults=4, children=0)  # 16 of 20 places taken
    db.session.commit()
    url = f"/experiences/sessions/{session.id}/book"  # read here: the threads must not touch the test's session
    clients = [app.test_client() for _ in range(30)]
    barrier = threading.Barrier(30)
    answers = [None] * 30

    def book(i):
        with app.app_context():  # each booker's request still gets its own context and DB session
            barrier.wait()
            answers[i] = clients[i].post(
                url,
                data={
                    "adults": "1",
                    "children": "0",
                    "contact_name": f"Khách {i}",
                    "phone": "0912345678",
                    "payment": "venue",
                },
            )

    threads = [threading.Thread(target=book, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    booked = [a for a in answers if a is not None and a.status_code == 302]
    refused = [a for a in answers if a is not None and a.status_code == 200]
    assert len(booked) == 4 and len(refused) == 26
    assert all("chỉ còn 0 chỗ" in a.get_data(as_text=True) for a in refused)
    db.session.expire_all()
    db.session.refresh(session)
    assert session.booked == 20
    assert db.session.scalar(select(func.count(Booking.id))) == 8

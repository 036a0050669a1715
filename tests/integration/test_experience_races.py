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


@pytest.mark.postgres_only
def test_a_host_cancelling_while_a_payment_holds_the_order_waits_for_it_instead_of_deadlocking(app, db):
    """A payment locks the order, then confirms its bookings; a cancel takes the locks in that order too."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers, so this race can only be run on PostgreSQL")
    import time

    from sqlalchemy import text

    from storefront.checkout.models import Order, OrderStatus
    from storefront.experiences.bookings import cancel_by_host
    from storefront.experiences.models import BookingStatus

    session = session_on(make_experience(), next_saturday())
    booking = make_booking(session, pay_at_venue=False)
    order = Order(code="TN-RACE01", contact_name="A", phone="+84912345678", delivery_method="none")
    order.payment_method, order.subtotal_vnd, order.total_vnd = "bank_transfer", booking.total_vnd, booking.total_vnd
    db.session.add(order)
    db.session.flush()
    booking.order_id = order.id
    db.session.commit()
    order_id, booking_id, engine = order.id, booking.id, db.engine  # the thread has no app context
    locked, outcome = threading.Event(), {}

    def payment():  # what mark_payment_received does: the order row first, then its booking
        with engine.connect() as conn:
            conn.execute(text("SET lock_timeout = '5s'"))
            conn.execute(text("UPDATE orders SET status = 'paid' WHERE id = :id"), {"id": order_id})
            locked.set()
            time.sleep(1.5)  # the cancel is now waiting (with the fix: for the order; without: it holds the booking)
            try:
                conn.execute(
                    text("UPDATE bookings SET status = 'confirmed' WHERE id = :id AND status = 'held'"),
                    {"id": booking_id},
                )
                conn.commit()
                outcome["payment"] = "committed"
            except Exception as error:  # a deadlock victim
                outcome["payment"] = type(error).__name__

    thread = threading.Thread(target=payment)
    thread.start()
    locked.wait(10)
    cancel_by_host(booking, reason="Mưa lũ")  # waits for the payment, then cancels the now confirmed visit
    db.session.commit()
    thread.join(20)
    assert outcome == {"payment": "committed"}
    db.session.expire_all()
    assert booking.status is BookingStatus.CANCELLED and db.session.get(Order, order_id).status is OrderStatus.PAID

"""The office moderates experiences like products: hidden with a reason (audited, the host mailed and told),
no new bookings while hidden, optionally the bookings ahead cancelled and refunded; only the office may."""

import pytest
from sqlalchemy import select

from storefront.audit.models import AuditLogEntry
from storefront.experiences.models import BookingStatus
from storefront.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on
from tests.factories_office import make_office_user
from tests.factories_producer import make_producer_account

REASON = "Chưa có giấy phép kinh doanh dịch vụ lưu trú"


@pytest.fixture
def hosted(db):
    host, producer = make_producer_account(name="Công ty TNHH Thái Hải")
    experience = make_experience(producer=producer, capacity=20)
    session = session_on(experience, next_saturday())
    booking = make_booking(session, adults=2, children=1)
    db.session.commit()
    return host, experience, session, booking


def _book_page(client, session):
    return client.get(f"/experiences/sessions/{session.id}/book")


def test_the_office_hides_an_experience_bookings_stop_the_host_is_told_and_it_is_audited(db, client, login, hosted):
    host, experience, session, booking = hosted
    office = make_office_user()
    db.session.commit()
    assert _book_page(client, session).status_code == 200
    login(office)
    page = client.get("/office/products").get_data(as_text=True)
    assert 'data-testid="experience-tag"' in page and "1 đặt chỗ sắp tới, 3 khách" in page
    response = client.post(f"/office/products/{experience.product_id}/hide", data={"reason": REASON})
    assert response.status_code == 302
    db.session.expire_all()
    assert experience.product.is_hidden and experience.product.hidden_reason == REASON
    assert booking.status is BookingStatus.CONFIRMED  # kept: the office did not ask to cancel
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "product.hide"))
    assert entry.actor_id == office.id and entry.reason == REASON
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.contains("bị ẩn")))
    assert REASON in mail.body_text
    login.logout()
    assert _book_page(client, session).status_code == 404
    login(host)
    host_page = client.get("/producer/experiences").get_data(as_text=True)
    assert 'data-testid="experience-hidden"' in host_page and REASON in host_page
    login.logout()
    login(office)
    client.post(f"/office/products/{experience.product_id}/unhide")
    db.session.expire_all()
    assert not experience.product.is_hidden
    assert db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "product.unhide")) is not None
    login.logout()
    assert _book_page(client, session).status_code == 200


def test_hiding_with_cancel_refunds_and_tells_the_guests_of_bookings_ahead_and_audits_them(db, client, login, hosted):
    _host, experience, session, booking = hosted
    office = make_office_user()
    db.session.commit()
    login(office)
    data = {"reason": REASON, "cancel_bookings": "y"}
    assert client.post(f"/office/products/{experience.product_id}/hide", data=data).status_code == 302
    db.session.expire_all()
    assert booking.status is BookingStatus.CANCELLED and booking.cancelled_by == "office"
    assert session.booked == 0 and booking.cancel_reason == REASON
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "experience.cancel_bookings"))
    assert entry.after == {"bookings": [booking.code]} and entry.reason == REASON
    told = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.subject.contains(booking.code)).order_by(OutboxMessage.id.desc())
    )
    assert (
        told.to_address == "khach@example.com"
        and "Văn phòng OCOP tạm ngừng" in told.body_text
        and REASON in told.body_text
    )


@pytest.mark.parametrize("who", ["anonymous", "shopper", "host", "other producer"])
def test_only_the_office_moderates_an_experience(db, client, login, hosted, who):
    host, experience, _session, booking = hosted
    users = {"shopper": make_user(), "host": host, "other producer": make_producer_account(name="HTX khác")[0]}
    db.session.commit()
    if who != "anonymous":
        login(users[who])
    for action in ("hide", "unhide"):
        response = client.post(
            f"/office/products/{experience.product_id}/{action}", data={"reason": "x", "cancel_bookings": "y"}
        )
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/account/login" in response.headers["Location"]
    db.session.expire_all()
    assert not experience.product.is_hidden and booking.status is BookingStatus.CONFIRMED
    assert db.session.scalar(select(AuditLogEntry)) is None
    if who in ("host", "other producer"):  # the host pages of an experience load through the owner check
        status = client.get(f"/producer/experiences/{experience.id}/sessions").status_code
        assert status == (200 if who == "host" else 404)


def test_hiding_without_a_reason_changes_nothing(db, client, login, hosted):
    _host, experience, _session, booking = hosted
    office = make_office_user()
    db.session.commit()
    login(office)
    client.post(f"/office/products/{experience.product_id}/hide", data={"reason": " ", "cancel_bookings": "y"})
    db.session.expire_all()
    assert not experience.product.is_hidden and booking.status is BookingStatus.CONFIRMED


def test_a_visit_held_in_a_cart_cannot_be_ordered_once_the_office_hides_the_experience(db, client, login, hosted):
    from storefront.checkout.models import Order
    from tests.factories_checkout import review_key

    _host, experience, session, _booking = hosted
    office = make_office_user()
    db.session.commit()
    form = {"adults": "2", "children": "0", "contact_name": "Nguyễn Thị Hoa", "phone": "0912345678"}
    client.post(f"/experiences/sessions/{session.id}/book", data={**form, "email": "hoa@example.com", "payment": "now"})
    client.post(
        "/checkout", data={"contact_name": "Nguyễn Thị Hoa", "phone": "0912 345 678", "email": "hoa@example.com"}
    )
    client.post("/checkout/options", data={"payment_method": "bank_transfer"})
    reviewed = review_key(client)
    with client.session_transaction() as cookie:
        guest_session = dict(cookie)
    login(office)
    client.post(f"/office/products/{experience.product_id}/hide", data={"reason": REASON})
    login.logout()
    with client.session_transaction() as cookie:
        cookie.update(guest_session)  # the guest comes back with the same cart and review form
    assert 'data-testid="cart-visits"' not in client.get("/cart").get_data(as_text=True)
    response = client.post("/checkout/place", data=reviewed)
    assert response.status_code == 302
    assert db.session.scalar(select(Order)) is None

"""On a phone: a shopper books 2 adults + 1 child for next Saturday, pays at the venue, gets the voucher;
on Saturday morning the host checks them in by typing the code."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from storefront.experiences import bookings
from storefront.experiences.models import Booking, BookingStatus
from storefront.outbox.models import OutboxMessage
from tests.browser.test_review_journey import sign_in
from tests.factories_experiences import make_experience, next_saturday, vn
from tests.factories_producer import make_producer_account


def fill_booking(page, *, adults, children, payment):
    """Fill the booking page as Nguyễn Thị Hoa and book."""
    page.get_by_label("Người lớn").fill(str(adults))
    page.get_by_label("Trẻ em").fill(str(children))
    page.get_by_label("Họ và tên người đặt").fill("Nguyễn Thị Hoa")
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_label("Email (nhận phiếu đặt chỗ và lịch)").fill("hoa@example.com")
    page.get_by_label(payment).check()
    page.get_by_role("button", name="Đặt chỗ").click()


def test_a_family_books_next_saturday_and_the_host_checks_them_in_by_code(live_server, page, db, monkeypatch):
    host, producer = make_producer_account(name="Công ty TNHH Thái Hải")
    experience = make_experience(producer=producer, capacity=20)
    db.session.commit()
    saturday = next_saturday()

    page.goto(f"{live_server.url}/products/{experience.product.slug}")
    calendar = page.get_by_test_id("experience")
    expect(calendar).to_contain_text("Lịch 60 ngày tới")
    session = page.locator(f'[data-testid=session][data-day="{saturday.isoformat()}"]')
    expect(session).to_contain_text("còn 20 chỗ")
    session.get_by_role("link").click()

    fill_booking(page, adults=2, children=1, payment="Thanh toán tại điểm tham quan")

    expect(page.get_by_text("Đã đặt chỗ. Hãy lưu phiếu đặt chỗ này.")).to_be_visible()
    voucher = page.get_by_test_id("voucher")
    expect(voucher).to_contain_text("2 người lớn, 1 trẻ em")
    expect(voucher).to_contain_text("650.000")
    expect(page.get_by_test_id("voucher-qr")).to_be_visible()
    code = page.get_by_test_id("booking-code").inner_text()
    assert db.session.scalar(select(OutboxMessage.attachment_type).where(OutboxMessage.subject.contains(code))) == (
        "text/calendar"
    )

    # Saturday 07:45 in Vietnam: the journey moves the booking rules' clock forward (time cannot pass in a test).
    monkeypatch.setattr(bookings, "utcnow", lambda: vn(saturday, 7, 45))
    page.context.clear_cookies()
    sign_in(page, live_server.url, host)
    page.goto(f"{live_server.url}/producer/check-in")
    page.get_by_label("Mã đặt chỗ").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Tìm đặt chỗ").click()
    found = page.get_by_test_id("check-in-booking")
    expect(found).to_contain_text("Nguyễn Thị Hoa")
    expect(found).to_contain_text("Thu tại chỗ 650.000")
    page.get_by_role("button", name="Xác nhận khách đã đến").click()
    expect(page.get_by_text("Đã ghi nhận khách đến.")).to_be_visible()
    expect(page.get_by_test_id("check-in-status")).to_have_text("Đã đến")
    booking = db.session.scalar(select(Booking).where(Booking.code == code))
    assert booking.status is BookingStatus.CHECKED_IN and booking.checked_in_at == vn(saturday, 7, 45)
    assert booking.session.starts_at - booking.checked_in_at == timedelta(minutes=15)

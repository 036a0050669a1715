"""On a phone: a shopper books a visit to pay now; the cart holds only that visit, so the checkout asks
who books (already filled from the booking page), then the payment: no address, no delivery, no fee."""

import os

from playwright.sync_api import expect
from sqlalchemy import select

from storefront.checkout.models import Order
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_experience_journey import fill_booking
from tests.factories_experiences import make_experience, next_saturday
from tests.factories_producer import make_producer_account


def shot(page, name):
    """Keep a phone-sized screenshot to look at (SCREENSHOTS=1)."""
    if os.environ.get("SCREENSHOTS"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_visit_only_checkout_asks_no_address_and_takes_no_delivery_fee(live_server, page, db):
    _host, producer = make_producer_account(name="HTX Chè Hảo Đạt")
    experience = make_experience(producer=producer, capacity=12)
    db.session.commit()
    saturday = next_saturday()

    page.goto(f"{live_server.url}/products/{experience.product.slug}")
    page.locator(f'[data-testid=session][data-day="{saturday.isoformat()}"]').get_by_role("link").click()
    fill_booking(page, adults=2, children=0, payment="Thanh toán ngay (chuyển khoản, thẻ, ví) qua giỏ hàng")

    page.get_by_role("link", name="Đặt hàng", exact=True).click()
    expect(page.get_by_role("heading", name="Thông tin người đặt")).to_be_visible()
    expect(page.get_by_test_id("visits-only")).to_contain_text("không cần địa chỉ")
    expect(page.get_by_label("Họ và tên người đặt")).to_have_value("Nguyễn Thị Hoa")  # from the booking page
    expect(page.get_by_label("Số điện thoại di động")).to_have_value("0912 345 678")
    expect(page.get_by_label("Tỉnh / thành phố")).to_have_count(0)
    expect(page.get_by_label("Số nhà, đường, thôn / xóm")).to_have_count(0)
    shot(page, "visit-checkout-1-contact")
    page.get_by_role("button", name="Tiếp tục").click()

    expect(page.get_by_role("heading", name="Thanh toán", exact=True)).to_be_visible()
    expect(page.get_by_text("Hình thức giao hàng")).to_have_count(0)
    expect(page.locator("input[value=cod]")).to_have_count(0)
    page.get_by_label("Chuyển khoản ngân hàng (VietQR)").check()
    shot(page, "visit-checkout-2-payment")
    page.get_by_role("button", name="Xem lại đơn hàng").click()

    expect(page.get_by_role("heading", name="Xem lại đơn hàng")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Địa chỉ giao hàng")
    expect(page.locator("main")).not_to_contain_text("Phí vận chuyển")
    expect(page.locator("[data-section=visits]")).to_contain_text("2 người lớn · DL-")
    shot(page, "visit-checkout-3-review")
    page.get_by_role("button", name="Đặt hàng · 500.000 ₫").click()

    expect(page.get_by_text("Đặt hàng thành công!")).to_be_visible()
    shot(page, "visit-checkout-4-order")
    order = db.session.scalar(select(Order))
    assert (order.ward_code, order.street, order.delivery_fee_vnd, order.total_vnd) == (None, None, 0, 500_000)
    assert (order.contact_name, order.phone, order.email) == ("Nguyễn Thị Hoa", "+84912345678", "hoa@example.com")

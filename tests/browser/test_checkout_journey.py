"""Buying journeys on a phone: cash on delivery from two producers, and a card payment via Stripe's stub."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from storefront.checkout.models import Order, OrderStatus
from tests.fixtures_stripe import app_config, localstripe_url, stub  # noqa: F401  (fixtures)


def add_to_cart(page, base_url, product, quantity=1):
    page.goto(f"{base_url}/products/{product.slug}")
    page.get_by_label("Số lượng").fill(str(quantity))
    page.get_by_role("button", name="Thêm vào giỏ").click()
    expect(page.get_by_text("Đã thêm vào giỏ hàng.")).to_be_visible()


def fill_recipient(page, *, email=""):
    page.get_by_label("Họ và tên người nhận").fill("Nguyễn Thị Hoa")
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    if email:
        page.get_by_label("Email", exact=False).fill(email)
    page.get_by_label("Tỉnh / thành phố").select_option(label="Thành phố Hà Nội")
    ward = page.get_by_label("Phường / xã")
    expect(ward.locator("option", has_text="Phường Ba Đình")).to_have_count(1)  # reloaded by the script
    ward.select_option(label="Phường Ba Đình")
    page.get_by_label("Số nhà, đường, thôn / xóm").fill("12 Phố Điện Biên Phủ")
    page.get_by_role("button", name="Tiếp tục").click()


def test_a_guest_buys_from_two_producers_with_cash_on_delivery(live_server, page, db, two_products):
    tea, noodles = two_products
    add_to_cart(page, live_server.url, tea, 1)
    add_to_cart(page, live_server.url, noodles, 2)
    page.get_by_role("link", name=re.compile("Giỏ hàng")).click()
    expect(page.get_by_role("heading", name="HTX Chè Hảo Đạt")).to_be_visible()
    expect(page.get_by_role("heading", name="HTX Miến Việt Cường")).to_be_visible()
    page.get_by_role("link", name="Đặt hàng").click()
    fill_recipient(page)
    page.get_by_label("Thanh toán khi nhận hàng (COD)").check()
    page.get_by_role("button", name="Xem lại đơn hàng").click()
    expect(page.get_by_role("heading", name="Xem lại đơn hàng")).to_be_visible()
    expect(page.locator("body")).to_contain_text("2–3 ngày")
    # 380.000 + 2 × 60.000 reaches FREE_SHIPPING_FROM_VND (500.000): delivery is free.
    expect(page.locator("tfoot")).to_contain_text("Miễn phí")
    expect(page.locator(".order-total")).to_have_text("500.000\u00a0₫")
    page.get_by_role("button", name=re.compile("^Đặt hàng")).click()

    expect(page.get_by_text(re.compile(r"Mã đơn hàng của bạn là TN-"))).to_be_visible()
    code = page.locator(".order-code").inner_text()
    expect(page.locator("[data-status]")).to_have_text("Đã xác nhận")
    order = db.session.scalar(select(Order).where(Order.code == code))
    assert order.status is OrderStatus.CONFIRMED and order.total_vnd == 500_000
    assert len(order.fulfilments) == 2


def test_a_buyer_pays_by_card_on_stripe_and_sees_the_order_paid(live_server, page, db, stub, two_products):
    stub.webhook_url = live_server.url + "/payments/stripe/webhook"
    tea, _ = two_products
    add_to_cart(page, live_server.url, tea, 1)
    page.goto(live_server.url + "/checkout")
    fill_recipient(page, email="hoa@example.vn")
    page.get_by_label("Thẻ quốc tế (Visa, Mastercard) qua Stripe").check()
    page.get_by_role("button", name="Xem lại đơn hàng").click()
    page.get_by_role("button", name=re.compile("^Đặt hàng và thanh toán")).click()

    expect(page.get_by_role("heading", name="Stripe Checkout (test stub)")).to_be_visible()
    expect(page.locator("#amount")).to_have_text("415.000 VND")
    page.locator("#pay").click()

    expect(page.get_by_text("Thanh toán thành công. Cảm ơn bạn!")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Đã thanh toán")
    assert stub.deliveries == [("checkout.session.completed", 200)]
    db.session.expire_all()
    assert db.session.scalar(select(Order.status)) is OrderStatus.PAID


def test_a_province_picked_before_the_ward_script_arrives_still_gets_its_wards(live_server, page, db, two_products):
    """A slow phone (or a quick hand) picks the province while wards.js is still on its way: when the
    script arrives there is no change event left to hear, yet the ward list must become that province's."""
    tea, _ = two_products
    add_to_cart(page, live_server.url, tea, 1)
    held = []
    page.route("**/static/js/wards.js", lambda route: held.append(route))
    page.goto(f"{live_server.url}/checkout", wait_until="commit")  # a deferred script holds DOMContentLoaded
    province = page.get_by_label("Tỉnh / thành phố")
    expect(province).to_be_visible()
    province.select_option(label="Thành phố Hà Nội")
    ward = page.get_by_label("Phường / xã")
    expect(ward.locator("option", has_text="Phường Ba Đình")).to_have_count(0)  # the server's list: Thái Nguyên
    expect(page.locator(".no-js-only").first).to_be_visible()  # the script has not run
    assert len(held) == 1
    held[0].continue_()
    expect(ward.locator("option", has_text="Phường Ba Đình")).to_have_count(1)
    ward.select_option(label="Phường Ba Đình")
    page.get_by_label("Họ và tên người nhận").fill("Nguyễn Thị Hoa")
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_label("Số nhà, đường, thôn / xóm").fill("12 Phố Điện Biên Phủ")
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page).to_have_url(re.compile(r"/checkout/options$"))  # a Hà Nội ward was accepted

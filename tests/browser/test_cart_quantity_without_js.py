"""The cart's typed quantity box on a phone with JavaScript turned off: plain forms do the work."""

from playwright.sync_api import expect
from sqlalchemy import select

from storefront.inventory.models import Stock


def test_typing_a_quantity_works_without_javascript(live_server, _browser, db, two_products):
    tea, _ = two_products
    context = _browser.new_context(
        locale="vi-VN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/products/{tea.slug}")
        page.get_by_role("button", name="Thêm vào giỏ").first.click()
        page.goto(f"{live_server.url}/cart")
        box = page.get_by_role("textbox", name="Số lượng Chè tôm nõn")
        box.fill("abc")
        box.press("Enter")
        expect(page.get_by_text("Số lượng phải là số nguyên từ 1 đến 999.")).to_be_visible()
        expect(box).to_have_value("1")
        box.fill("4")
        box.press("Enter")
        expect(page.get_by_text("Đã cập nhật số lượng.")).to_be_visible()
        expect(box).to_have_value("4")
        expect(page.locator(".subtotal")).to_have_text("1.520.000\u00a0₫")
        page.get_by_role("button", name="Giảm số lượng Chè tôm nõn").click()
        expect(box).to_have_value("3")
    finally:
        context.close()
    db.session.expire_all()
    assert db.session.scalar(select(Stock.on_hand).where(Stock.product_id == tea.id)) == 5

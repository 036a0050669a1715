"""The shop as a phone and a laptop see it: the primary action looks primary, targets are big enough,
buying from two producers with the cart steppers, the bank-transfer page's save and copy buttons,
and finding an order again from the header link."""

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from storefront.checkout.models import Order, OrderStatus
from storefront.checkout.vietqr import parse_tlv

WARM = "rgb(208, 69, 27)"  # --buy in static/css/site.css


@pytest.fixture(params=["phone", "desktop"])
def any_page(request):
    """The same journey on a 390×844 touch phone and on a 1280×900 laptop."""
    return request.getfixturevalue("page" if request.param == "phone" else "desktop_page")


def is_phone(page) -> bool:
    return page.viewport_size["width"] < 720


def style(locator, prop: str) -> str:
    # Read the style once the page's stylesheets are in: right after a form post the new page's text can be
    # there before its CSS, and getComputedStyle would then answer the browser's default.
    locator.page.wait_for_load_state("load")
    return locator.evaluate(f"el => getComputedStyle(el).{prop}")


def height(locator) -> float:
    # Measured once the page's stylesheets are in, as style() reads: a page that followed a form post
    # can show its elements before its CSS gives them their size (CI measured 21 px boxes that way).
    locator.page.wait_for_load_state("load")
    return locator.bounding_box()["height"]


def fill_recipient(page):
    page.get_by_label("Họ và tên người nhận").fill("Nguyễn Thị Hoa")
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_label("Tỉnh / thành phố").select_option(label="Thành phố Hà Nội")
    ward = page.get_by_label("Phường / xã")
    expect(ward.locator("option", has_text="Phường Ba Đình")).to_have_count(1)
    ward.select_option(label="Phường Ba Đình")
    page.get_by_label("Số nhà, đường, thôn / xóm").fill("12 Phố Điện Biên Phủ")
    page.get_by_role("button", name="Tiếp tục").click()


def place_order(page, base_url, products, payment_label):
    """Add each product, check out with *payment_label*; return the order code shown."""
    for product in products:
        page.goto(f"{base_url}/products/{product.slug}")
        page.get_by_role("button", name="Thêm vào giỏ").click()
    page.goto(f"{base_url}/checkout")
    fill_recipient(page)
    page.get_by_label(payment_label).check()
    page.get_by_role("button", name="Xem lại đơn hàng").click()
    page.get_by_role("button", name=re.compile("^Đặt hàng")).click()
    return page.locator(".order-code").inner_text()


def test_buying_from_two_producers_with_the_buy_bar_steppers_and_a_clear_primary_action(
    live_server, any_page, db, two_products
):
    page, tea, noodles = any_page, *two_products
    page.goto(f"{live_server.url}/products/{tea.slug}")
    buy_now = page.get_by_role("button", name="Mua ngay")
    add = page.get_by_role("button", name="Thêm vào giỏ")
    expect(buy_now).to_be_visible()
    expect(add).to_be_visible()
    assert style(buy_now, "backgroundColor") == WARM
    assert style(add, "backgroundColor") != WARM  # secondary: outlined
    box = buy_now.bounding_box()
    if is_phone(page):
        # The sticky bar: on screen without scrolling, at the bottom of the viewport, with the price.
        assert box["y"] + box["height"] > 844 - 80 and box["height"] >= 44
        expect(page.locator(".buy-bar .price")).to_have_text("380.000\u00a0₫")
    else:
        # Two columns: price and buttons above the fold beside the image.
        assert box["y"] + box["height"] < 768 and box["height"] >= 44
        assert page.locator(".buy-box .price").bounding_box()["y"] < 768
        assert page.locator(".buy-box").bounding_box()["x"] > page.locator(".product-media").bounding_box()["x"] + 200
    add.click()
    expect(page.get_by_text("Đã thêm vào giỏ hàng.")).to_be_visible()

    page.goto(f"{live_server.url}/products/{noodles.slug}")
    page.get_by_role("button", name="Mua ngay").click()  # straight to the recipient step
    expect(page.get_by_role("heading", name="Thông tin người nhận")).to_be_visible()

    page.goto(f"{live_server.url}/cart")
    expect(page.get_by_role("heading", name="HTX Chè Hảo Đạt")).to_be_visible()
    expect(page.get_by_role("heading", name="HTX Miến Việt Cường")).to_be_visible()
    expect(page.get_by_role("button", name="Giảm số lượng Miến dong Việt Cường")).to_be_disabled()  # at 1
    page.get_by_role("button", name="Tăng số lượng Miến dong Việt Cường").click()
    line = page.locator(f'.cart-line[data-product-id="{noodles.id}"]')
    box = line.get_by_role("textbox", name="Số lượng Miến dong Việt Cường")
    expect(box).to_have_value("2")
    expect(line.locator(".line-total")).to_have_text("120.000\u00a0₫")
    expect(page.locator(".subtotal")).to_have_text("500.000\u00a0₫")
    # The typed box: over stock is refused in Vietnamese and changes nothing; Enter applies a good number.
    assert box.get_attribute("inputmode") == "numeric" and height(box) >= 44
    box.fill("9")
    box.press("Enter")
    expect(page.get_by_text("Chỉ còn 5 sản phẩm Miến dong Việt Cường.")).to_be_visible()
    expect(box).to_have_value("2")
    box.fill("3")
    box.press("Enter")
    expect(page.get_by_text("Đã cập nhật số lượng.")).to_be_visible()
    expect(box).to_have_value("3")
    expect(line.locator(".line-total")).to_have_text("180.000\u00a0₫")
    expect(page.locator(".subtotal")).to_have_text("560.000\u00a0₫")
    remove = line.get_by_role("button", name=re.compile("^Xoá"))
    assert height(remove) >= 44 and style(remove, "color") == "rgb(179, 38, 30)"
    page.get_by_role("link", name="Đặt hàng").click()

    fill_recipient(page)
    page.get_by_label("Thanh toán khi nhận hàng (COD)").check()
    page.get_by_role("button", name="Xem lại đơn hàng").click()
    place = page.get_by_role("button", name=re.compile("^Đặt hàng"))
    cancel = page.get_by_role("button", name="Huỷ, không đặt hàng")
    assert style(place, "backgroundColor") == WARM
    assert style(cancel, "backgroundColor") in ("rgba(0, 0, 0, 0)", "transparent")
    assert style(cancel, "color") == "rgb(179, 38, 30)"
    place_box, cancel_box = place.bounding_box(), cancel.bounding_box()
    assert cancel_box["y"] - (place_box["y"] + place_box["height"]) >= 48  # far apart, not stacked boxes
    if is_phone(page):
        assert place_box["width"] >= 390 - 2 * 24  # full width
    place.click()

    # The confirmation leads with the order code and what happens next; cancel is further down.
    code = page.locator(".order-code").inner_text()
    assert re.fullmatch(r"TN-[0-9A-Z]{6}", code)
    expect(page.locator(".timeline li[aria-current=step]")).to_have_text("Đã xác nhận")
    expect(page.get_by_test_id("next-step")).to_contain_text("trả tiền khi nhận hàng")
    page.wait_for_load_state("load")  # boxes measured with the stylesheets in, as height() and style() do
    assert page.locator(".order-code").bounding_box()["y"] < page.locator(".cancel-box").bounding_box()["y"]
    expect(page.locator("#cancel-order")).to_be_hidden()  # inside a closed <details>
    order = db.session.scalar(select(Order).where(Order.code == code))
    assert order.status is OrderStatus.CONFIRMED and order.total_vnd == 560_000 and len(order.fulfilments) == 2


def test_bank_transfer_page_saves_the_qr_as_png_and_copies_account_amount_and_reference(
    live_server, page, db, two_products, app
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    tea, _ = two_products
    code = place_order(page, live_server.url, [tea], "Chuyển khoản ngân hàng (VietQR)")
    expect(page.locator(".bank-name")).to_have_text(app.config["BANK_NAME"])

    with page.expect_download() as info:
        page.get_by_role("link", name="Lưu mã QR").click()
    download = info.value
    assert download.suggested_filename == f"VietQR-{code}.png"
    with open(download.path(), "rb") as saved:
        data = saved.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    payload = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))[0].text
    fields = parse_tlv(payload)
    assert code in payload

    for value_id, expected in [("pay-account", app.config["BANK_ACCOUNT"]), ("pay-reference", code)]:
        button = page.locator(f'button[data-copy-for="{value_id}"]')
        expect(button).to_have_text("Sao chép")
        assert height(button) >= 44
        button.click()
        expect(button).to_have_text("Đã sao chép")
        assert page.evaluate("navigator.clipboard.readText()") == expected
    order = db.session.scalar(select(Order).where(Order.code == code))
    page.locator('button[data-copy-for="pay-amount"]').click()
    assert page.evaluate("navigator.clipboard.readText()") == str(order.total_vnd)  # digits, as banking apps want
    assert fields["54"] == str(order.total_vnd)


def test_bank_details_are_plain_selectable_text_without_javascript(live_server, _browser, db, two_products):
    context = _browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        tea, _ = two_products
        page.goto(f"{live_server.url}/products/{tea.slug}")
        page.get_by_role("button", name="Thêm vào giỏ").click()
        page.goto(f"{live_server.url}/checkout")
        page.get_by_label("Họ và tên người nhận").fill("Nguyễn Thị Hoa")
        page.get_by_label("Số điện thoại di động").fill("0912 345 678")
        page.get_by_label("Tỉnh / thành phố").select_option(label="Thành phố Hà Nội")
        page.get_by_role("button", name="Xem phường / xã của tỉnh đã chọn").click()
        page.get_by_label("Phường / xã").select_option(label="Phường Ba Đình")
        page.get_by_label("Số nhà, đường, thôn / xóm").fill("12 Phố Điện Biên Phủ")
        page.get_by_role("button", name="Tiếp tục").click()
        page.get_by_label("Chuyển khoản ngân hàng (VietQR)").check()
        page.get_by_role("button", name="Xem lại đơn hàng").click()
        page.get_by_role("button", name=re.compile("^Đặt hàng")).click()
        code = page.locator(".order-code").inner_text()
        expect(page.locator("#pay-reference")).to_have_text(code)
        assert style(page.locator("#pay-reference"), "userSelect") == "all"
        expect(page.locator("button.copy-button")).to_have_count(0)  # no dead buttons without JS
        expect(page.get_by_role("link", name="Lưu mã QR")).to_have_attribute("download", f"VietQR-{code}.png")
    finally:
        context.close()


def test_a_guest_finds_the_order_again_from_the_header_link(live_server, any_page, _browser, db, two_products):
    tea, noodles = two_products
    code = place_order(any_page, live_server.url, [tea, noodles], "Thanh toán khi nhận hàng (COD)")
    # Another device: no session, starts from the home page.
    context = _browser.new_context(locale="vi-VN", viewport=any_page.viewport_size)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        link = page.locator(".site-header").get_by_role("link", name="Tra cứu đơn hàng")
        assert height(link) >= 44
        link.click()
        page.get_by_label("Mã đơn hàng").fill(code.lower())
        page.get_by_label("Số điện thoại").fill("0912345678")
        page.get_by_role("button", name="Xem đơn hàng").click()
        expect(page.locator(".order-code")).to_have_text(code)
        expect(page.locator(".timeline")).to_be_visible()
        expect(page.get_by_role("heading", name="HTX Miến Việt Cường")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/", "/products", "/cart", "/orders/lookup"])
def test_every_tap_target_on_a_phone_is_at_least_44px_tall(live_server, page, db, two_products, path):
    tea, _ = two_products
    page.goto(f"{live_server.url}/products/{tea.slug}")
    page.get_by_role("button", name="Thêm vào giỏ").click()
    page.goto(live_server.url + path)
    small = page.evaluate("""() => [...document.querySelectorAll(
        '.site-header a, .site-header button, .site-footer a, main button, main .button, .cart-line a.cart-line-name')]
        .filter(el => el.offsetParent !== null)
        .map(el => [el.textContent.trim() || el.getAttribute('aria-label'), el.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == []
    assert style(page.locator("body"), "fontSize") == "16px"


def test_header_search_suggestions_are_dark_on_white(live_server, desktop_page, db, two_products):
    page = desktop_page
    page.goto(live_server.url + "/products")
    page.locator(".site-header input[name=q]").press_sequentially("miến", delay=30)
    suggestion = page.locator(".site-header .suggestions a").first
    expect(suggestion).to_be_visible()
    assert style(suggestion, "color") == "rgb(29, 29, 27)"
    assert style(page.locator(".site-header .suggestions"), "backgroundColor") == "rgb(255, 255, 255)"

"""Every demo account the README lists signs in through the real form and lands on its role's home."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from storefront.accounts.models import Role
from storefront.demo.seed import seed_demo
from tests.integration.test_demo_accounts import readme_accounts

HOMES = {Role.SHOPPER: "/account/", Role.PRODUCER: "/producer/", Role.OFFICE: "/office/"}
#: Lines each header label's words take: the line boxes of its longest text node.
LABEL_LINES = """() => Object.fromEntries([...document.querySelectorAll(
  '.site-header .brand, .site-header .main-nav a, .site-header .main-nav button, .site-header .cart-link, .site-header .lang-switch a'
)].map(el => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let text = null, node;
  while ((node = walker.nextNode())) if (!text || node.textContent.trim().length > text.textContent.trim().length) text = node;
  const range = document.createRange(); range.selectNodeContents(text);
  return [text.textContent.trim(), new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
}))"""
HEADINGS = {Role.SHOPPER: "Tài khoản", Role.PRODUCER: "HTX Chè Hảo Đạt", Role.OFFICE: "Tổng quan chương trình OCOP"}


@pytest.fixture
def seeded_demo(app, db, tmp_path):
    """The real `seed_demo` on an empty database, committed so the server thread sees it."""
    seed_demo(today=date.today(), image_dir=app.config["UPLOAD_DIR"])
    db.session.commit()


@pytest.mark.parametrize("viewport", ["page", "desktop_page"])
def test_each_readme_account_signs_in_through_the_form_and_lands_on_its_home(
    live_server, seeded_demo, request, viewport
):
    page = request.getfixturevalue(viewport)
    accounts = readme_accounts()
    assert {role for role, _, _ in accounts} == set(HOMES)
    for role, email, password in accounts:
        page.context.clear_cookies()
        sign_in(page, live_server, email, password)
        expect(page).to_have_url(live_server.url + HOMES[role])
        expect(page.get_by_text("Đăng nhập thành công.")).to_be_visible()
        expect(page.locator("h1").first).to_contain_text(re.compile(HEADINGS[role]))
        # Every header link, "Đăng xuất" last, is on screen whole: none hides past the phone's edge.
        width = page.viewport_size["width"]
        for item in page.locator(".main-nav > a, .main-nav button").all():
            box = item.bounding_box()
            assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= width, (
                role,
                item.inner_text(),
                box,
            )
        # Every header label on one line ('Tra cứu đơn hàng' was cut into two at 1280 px), the search box usable.
        lines = page.evaluate(LABEL_LINES)
        assert all(n == 1 for n in lines.values()), (role, lines)
        if page.locator(".site-header .search input").count():
            assert page.locator(".site-header .search input").bounding_box()["width"] >= 150


@pytest.mark.parametrize("viewport", ["page", "desktop_page"])
def test_on_the_demo_a_lapsed_certificate_reads_as_lapsed_and_fictional_producers_show_stars(
    live_server, seeded_demo, app, request, viewport
):
    app.config["DEMO_MODE"] = True
    page = request.getfixturevalue(viewport)
    page.goto(live_server.url + "/products?q=ch%C3%A8+t%C3%B4m+n%C3%B5n")
    card = page.locator(".product-card", has_text="Chè tôm nõn").first
    expect(card.get_by_test_id("certificate-lapsed")).to_contain_text(
        re.compile(r"Chứng nhận OCOP 5★ đã hết hạn trong năm 2023$")
    )
    expect(card.locator(".ocop-badge")).to_have_count(0)
    card.get_by_role("link").first.click()
    expect(page.get_by_test_id("certificate-lapsed")).to_be_visible()
    expect(page.locator(".description")).not_to_contain_text(re.compile(r"\d\s*sao|OCOP \d"))
    banner = page.get_by_test_id("demo-banner")
    expect(banner).to_be_visible()
    banner.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Điều gì là thật")).to_be_visible()
    page.goto(live_server.url + "/products?q=h%C6%B0+c%E1%BA%A5u")
    expect(page.locator(".product-card .ocop-badge").first).to_be_visible()


def test_the_demo_producer_signs_in_and_finds_its_tea_hill_visit_with_guests(live_server, seeded_demo, page):
    """The README's producer account has host pages to show: a visit, its calendar, guests, figures."""
    sign_in(page, live_server, "hoptacxa@example.com", "demo1234")
    expect(page).to_have_url(live_server.url + "/producer/")
    page.goto(live_server.url + "/producer/experiences")
    tour = page.locator(".card", has_text="Một buổi sáng trên đồi chè Tân Cương")
    expect(tour).to_contain_text("(tour minh hoạ)")
    figures = page.get_by_test_id("host-figures")
    expect(figures).to_contain_text("Đã đến")
    assert [int(n) for n in figures.locator("dd").all_inner_texts()[2:4]] == [4, 2]  # checked in, no-show
    screenshot(page, "demo-host-experiences")
    tour.get_by_role("link", name="Lịch và khách").click()
    calendar = page.get_by_test_id("host-calendar")
    expect(calendar).to_contain_text("07:30")
    screenshot(page, "demo-host-calendar")
    calendar.locator("tbody a").first.click()  # the next session, booked by the demo guests
    expect(page.get_by_test_id("guest-list")).to_contain_text("Khách minh hoạ Trần Thu Hà")
    screenshot(page, "demo-host-guests")
    page.goto(live_server.url + "/producer/check-in")
    expect(page.get_by_role("button", name="Quét mã QR bằng camera")).to_be_visible()
    screenshot(page, "demo-host-check-in")


def test_the_demo_producer_signs_in_and_finds_its_demo_homestay_with_a_stay_to_declare(live_server, seeded_demo, page):
    """The README's producer account hosts the demo homestay (marked fictional): its stays page lists a guest."""
    sign_in(page, live_server, "hoptacxa@example.com", "demo1234")
    expect(page).to_have_url(live_server.url + "/producer/")
    page.get_by_role("link", name="Du lịch").click()
    page.get_by_role("link", name=re.compile(r"^Khai báo lưu trú")).click()
    expect(page).to_have_url(live_server.url + "/producer/stays")
    stay = page.get_by_test_id("stay")
    expect(stay).to_have_count(1)
    expect(stay).to_contain_text("1 đêm")
    expect(stay.locator("tbody tr")).to_have_count(2)
    expect(stay).to_contain_text("Trần Thu Hà (minh hoạ)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # each guest a card on a phone
    screenshot(page, "demo-host-stays")
    page.goto(live_server.url + "/producer/experiences")
    expect(page.get_by_role("link", name=re.compile(r"^Khai báo lưu trú \(1\)$"))).to_be_visible()
    expect(page.locator(".card", has_text="Homestay minh hoạ")).to_contain_text("(hư cấu)")


def sign_in(page, live_server, email, password):
    """Sign in through the real login form."""
    page.goto(live_server.url + "/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def screenshot(page, name):
    """Keep a phone-sized picture of the page to look at (SCREENSHOTS=1)."""
    import os

    from tests.browser.conftest import ARTIFACTS

    if os.environ.get("SCREENSHOTS"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

"""An English-speaking shopper on the seeded demo shop: every page they reach is in English."""

import html
from pathlib import Path

import pytest
from playwright.sync_api import expect

from storefront.clock import today_vn
from storefront.demo.seed import seed_demo
from tests.languages import data_strings, vietnamese_in


@pytest.fixture
def demo(app, db):
    seed_demo(today=today_vn(), image_dir=Path(app.config["UPLOAD_DIR"]))
    db.session.commit()


def assert_english(page, db):
    """The rendered DOM (after scripts ran) holds no Vietnamese UI word."""
    expect(page.locator("html")).to_have_attribute("lang", "en")
    found = vietnamese_in(html.unescape(page.content()), data=data_strings(db))
    assert found == [], (page.url, [str(f) for f in found])


@pytest.mark.parametrize("viewport", ["page", "desktop_page"])
def test_an_english_shopper_meets_no_vietnamese_ui_text(live_server, demo, db, request, viewport):
    page = request.getfixturevalue(viewport)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="English").click()
    assert_english(page, db)

    search = page.get_by_role("search").locator("input[name=q]")  # the home page's one search box
    search.fill("che tan cuong")
    search.press("Enter")
    assert_english(page, db)
    page.locator(".product-card a").first.click()
    assert_english(page, db)
    page.get_by_role("button", name="Add to cart").first.click()
    page.goto(live_server.url + "/cart")
    assert_english(page, db)

    page.goto(live_server.url + "/checkout")
    page.get_by_label("Recipient's full name").fill("")
    page.locator("input[name=email]").fill("hoa@")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("body")).to_contain_text("This field is required.")
    expect(page.locator("body")).to_contain_text("Invalid email address.")
    assert_english(page, db)

    page.goto(live_server.url + "/account/login")
    page.locator("input[name=email]").fill("khach@ocop")
    page.locator("input[name=password]").fill("demo1234")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Invalid email address.")
    assert_english(page, db)

    page.goto(live_server.url + "/khong-co-trang-nay")
    assert_english(page, db)

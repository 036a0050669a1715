"""Catalogue journeys on a phone: browse in Vietnamese then English; search without accents to the badge."""

from playwright.sync_api import expect

from tests.factories import make_certificate, make_producer, make_product


def make_teas():
    producer = make_producer(name="HTX Chè Hảo Đạt", story_md="Đồi chè **Tân Cương**.")
    tea = make_product(
        producer=producer,
        name_vi="Chè Tân Cương Hảo Đạt",
        name_en="Hao Dat Tan Cuong green tea",
        slug="che-tan-cuong-hao-dat",
        price_vnd=380_000,
        description_vi="Chè búp sao tay.",
        ingredients="Búp chè xanh.",
    )
    make_certificate(product=tea, stars=5, decision_number="1325/QĐ-BNNMT", issuing_body="Bộ Nông nghiệp và Môi trường")
    noodle = make_product(name_vi="Miến dong Việt Cường", name_en="Canna noodles", slug="mien-dong", price_vnd=60_000)
    make_certificate(product=noodle, stars=4)
    return tea


def test_shopper_goes_from_home_to_catalogue_to_product_in_vietnamese_then_english(live_server, page, db):
    make_teas()
    db.session.commit()

    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.get_by_role("link", name="Xem tất cả sản phẩm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sản phẩm OCOP")
    page.get_by_label("Nhóm sản phẩm").select_option("1")
    page.get_by_role("button", name="Áp dụng").click()
    expect(page).to_have_url(live_server.url + "/products?group=1&sort=stars")
    page.get_by_role("link", name="Chè Tân Cương Hảo Đạt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chè Tân Cương Hảo Đạt")
    expect(page.locator("body")).to_contain_text("380.000\u00a0₫")
    expect(page.locator("body")).to_contain_text("Búp chè xanh.")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hao Dat Tan Cuong green tea")


def test_search_without_accents_leads_to_the_badge_with_the_decision_number(live_server, page, db):
    make_teas()
    db.session.commit()

    page.goto(live_server.url + "/")
    search_box = page.locator("#home-q")
    search_box.fill("che tan cuong")
    expect(page.locator(".suggestions a").first).to_have_text("Chè Tân Cương Hảo Đạt")  # type-ahead
    search_box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("che tan cuong")
    page.get_by_role("link", name="Chè Tân Cương Hảo Đạt").click()
    badge = page.locator("[data-testid=certificate] .ocop-badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_attribute("data-stars", "5")
    expect(badge).to_contain_text("1325/QĐ-BNNMT")
    expect(badge).to_contain_text("Bộ Nông nghiệp và Môi trường")

"""First journey: home → catalogue → product page, in Vietnamese, then in English."""

from playwright.sync_api import expect

from tests.factories import make_certificate, make_product


def test_shopper_browses_from_home_to_a_product_in_vietnamese_then_english(live_server, page, db):
    product = make_product(name_vi="Chè tôm nõn", name_en="Tan Cuong first-bud green tea", price_vnd=380_000)
    make_certificate(product=product, stars=5, decision_number="1325/QĐ-BNN")
    db.session.commit()

    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name="Sản phẩm nổi bật")).to_be_visible()
    page.get_by_role("link", name="Xem tất cả sản phẩm").click()
    page.get_by_role("link", name="Chè tôm nõn").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chè tôm nõn")
    expect(page.locator("body")).to_contain_text("380.000\u00a0₫")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tan Cuong first-bud green tea")

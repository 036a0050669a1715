"""A shopper on a phone finds where to buy a tea in person: product page → point of sale → the list by ward."""

import os
from pathlib import Path

from playwright.sync_api import expect

from storefront.outlets.services import OutletInput, create_outlet

SHOTS = os.environ.get("SCREENSHOT_DIR")  # set it to keep the phone screenshots this journey takes


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_a_shopper_finds_a_point_stocking_a_tea_and_opens_it_from_the_list(live_server, page, db, two_products):
    tea, noodles = two_products
    create_outlet(
        OutletInput(
            name="Trung tâm OCOP tỉnh Thái Nguyên",
            kind="provincial_centre",
            ward_code=5443,
            street="Đường Hoàng Văn Thụ",
            latitude=21.5928,
            longitude=105.8442,
            opening_hours="7:30–21:00 hằng ngày",
            phone="0208 3600 001",
            product_ids=(tea.id, noodles.id),
        ),
        producer=None,
    )
    create_outlet(
        OutletInput(name="Quầy miến chợ Thái", kind="market_stall", ward_code=5443, product_ids=(noodles.id,)),
        producer=None,
    )
    db.session.commit()

    page.goto(f"{live_server.url}/products/{tea.slug}")
    in_store = page.locator("#in-store")
    expect(in_store.get_by_role("heading", name="Mua tại cửa hàng")).to_be_visible()
    expect(in_store.get_by_test_id("in-store-outlet")).to_have_count(1)
    in_store.get_by_role("link", name="Trung tâm OCOP tỉnh Thái Nguyên").click()

    expect(page.get_by_role("heading", name="Trung tâm OCOP tỉnh Thái Nguyên")).to_be_visible()
    expect(page.get_by_role("link", name="0208 3600 001")).to_have_attribute("href", "tel:+842083600001")
    expect(page.get_by_test_id("open-map")).to_have_attribute(
        "href",
        "geo:21.5928,105.8442?q=21.5928,105.8442(Trung%20t%C3%A2m%20OCOP%20t%E1%BB%89nh%20Th%C3%A1i%20Nguy%C3%AAn)",
    )
    expect(page.get_by_role("link", name="Chè tôm nõn")).to_be_visible()
    shot(page, "outlet-390")

    page.get_by_role("link", name="‹ Điểm bán sản phẩm OCOP").click()
    page.get_by_label("Loại điểm bán").select_option(label="Quầy hàng tại chợ")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_test_id("outlet")).to_have_count(1)
    expect(page.get_by_test_id("outlet")).to_contain_text("Quầy miến chợ Thái")
    page.get_by_label("Loại điểm bán").select_option(label="Tất cả")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_test_id("outlet")).to_have_count(2)
    shot(page, "outlets-390")

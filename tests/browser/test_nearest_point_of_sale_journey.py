"""A shopper on a phone finds the nearest point of sale stocking a tea and opens it on the map list.

Real Chromium, real Leaflet (the vendored build), the real GeoJSON endpoint; the phone's position is
Playwright's geolocation override (no GPS here). No tile URL is configured, so the map shows the points
on a blank background and the page must make no request beyond our own server.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from storefront.outlets.services import OutletInput, create_outlet
from tests.browser.conftest import _new_page

#: Xã Tân Cương, a few hundred metres from the showroom below.
SHOPPER = {"latitude": 21.5600, "longitude": 105.7620}


@pytest.fixture
def located_page(_browser, request):
    """The phone page (390×844, touch, Vietnamese) that may read its position, standing in Tân Cương."""
    yield from _new_page(
        _browser,
        request,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation=SHOPPER,
        permissions=["geolocation"],
    )


def outlet(name, kind, ward, lat, lon, products):
    data = OutletInput(
        name=name,
        kind=kind,
        ward_code=ward,
        latitude=lat,
        longitude=lon,
        opening_hours="7:30–18:00",
        product_ids=tuple(p.id for p in products),
    )
    return create_outlet(data, producer=None)


def test_a_shopper_finds_the_nearest_point_stocking_a_tea_and_opens_it_on_the_map(
    live_server, located_page, db, two_products
):
    page = located_page
    tea, noodles = two_products
    outlet("Trung tâm OCOP tỉnh Thái Nguyên", "provincial_centre", 5443, 21.5928, 105.8442, (tea, noodles))
    outlet("Phòng trưng bày chè Tân Cương", "showroom", 5503, 21.5580, 105.7590, (tea,))
    outlet("Quầy miến chợ Tân Cương", "market_stall", 5503, 21.5601, 105.7621, (noodles,))  # nearer, no tea
    db.session.commit()
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/products/{tea.slug}")
    page.get_by_test_id("outlets-on-map").click()
    expect(page.get_by_test_id("product-filter")).to_contain_text("Chè tôm nõn")
    expect(page.get_by_test_id("outlet")).to_have_count(2)  # the list, as without JavaScript
    expect(page.locator("[data-outlet-map]")).to_have_attribute("data-ready", "true")
    expect(page.locator(".leaflet-interactive")).to_have_count(2)  # one marker per point with tea

    page.get_by_role("button", name="Tìm điểm bán gần tôi").click()
    nearest = page.get_by_test_id("nearest-outlet")
    expect(nearest).to_have_count(2)
    expect(nearest.first).to_contain_text("Phòng trưng bày chè Tân Cương")
    expect(nearest.first).to_contain_text("cách bạn 0,4 km")
    nearest.first.get_by_role("button", name="Xem trên bản đồ").click()
    popup = page.locator(".leaflet-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("Phòng trưng bày chè Tân Cương")
    popup.get_by_role("link", name="Xem chi tiết").click()
    expect(page.get_by_role("heading", name="Phòng trưng bày chè Tân Cương")).to_be_visible()

    origin = urlsplit(live_server.url).netloc
    assert {urlsplit(url).netloc for url in requests if url.startswith("http")} == {origin}
    assert not [p for p in problems if "Content Security Policy" in p], problems

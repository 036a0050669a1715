"""The points-of-sale map is an enhancement of the list: hidden without JavaScript, fed by the GeoJSON
endpoint, its tiles configurable (their host joins img-src), no inline script, position asked only here."""

import re

import pytest

from storefront.outlets.services import OutletInput, create_outlet
from tests.factories import make_product

TILES = "https://{s}.tiles.example.vn/{z}/{x}/{y}.png"


def make_outlet(name, products, **kw):
    data = OutletInput(name=name, kind="showroom", ward_code=5443, product_ids=tuple(p.id for p in products), **kw)
    return create_outlet(data, producer=None)


def test_the_list_works_without_javascript_and_the_map_waits_hidden_within_the_province(client, db):
    tea, noodles = make_product(name_vi="Chè tôm nõn"), make_product(name_vi="Miến dong")
    make_outlet("Phòng trưng bày chè", [tea], latitude=21.56, longitude=105.76)
    make_outlet("Quầy miến", [noodles])
    db.session.commit()
    response = client.get(f"/points-of-sale?product={tea.slug}")
    page = response.get_data(as_text=True)
    assert "Phòng trưng bày chè" in page and "Quầy miến" not in page and "Điểm bán có Chè tôm nõn" in page
    assert re.search(r'<section class="outlet-map-box" id="map" aria-labelledby="map-h" hidden', page)
    assert f'data-geojson="/points-of-sale.geojson?product={tea.slug}"' in page
    assert 'data-testid="no-tiles"' in page and 'data-tiles=""' in page
    assert 'data-bounds="21.3,105.3,22.8,106.4"' in page  # the default view stays within the province
    # Every script is a file of ours or JSON-LD data: nothing a nonce or 'unsafe-inline' would have to allow.
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", page) == []
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/js/outlet-map.js" in page
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in client.get(f"/products/{tea.slug}").headers["Permissions-Policy"]

    features = client.get(f"/points-of-sale.geojson?product={tea.slug}").get_json()["features"]
    assert [f["properties"]["name"] for f in features] == ["Phòng trưng bày chè"]
    assert client.get("/points-of-sale?product=khong-co").get_data(as_text=True).count('data-testid="outlet"') == 2
    with client.get("/static/vendor/leaflet/leaflet.js") as leaflet:
        assert leaflet.status_code == 200 and b"Leaflet 1.9.4" in leaflet.data


@pytest.mark.parametrize("app_config", [{"MAP_TILE_URL": TILES, "MAP_TILE_ATTRIBUTION": "© Bản đồ mẫu"}])
def test_a_configured_tile_source_reaches_the_map_and_the_image_policy(client, db):
    response = client.get("/points-of-sale")
    page = response.get_data(as_text=True)
    assert 'data-tiles="https://{s}.tiles.example.vn/{z}/{x}/{y}.png"' in page and "© Bản đồ mẫu" in page
    assert 'data-testid="no-tiles"' not in page
    assert "img-src 'self' https://*.tiles.example.vn;" in response.headers["Content-Security-Policy"] + ";"

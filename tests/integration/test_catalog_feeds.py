"""For search engines and marketplaces: sitemap, robots, OpenGraph, JSON-LD, merchant feeds, JSON API."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from tests.factories import make_batch, make_producer, make_product
from tests.factories_catalog import add_image, make_small_catalogue

G = "{http://base.google.com/ns/1.0}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def catalogue(db, app, tmp_path):
    items = make_small_catalogue()
    items["tea"].gtin = "08938000000015"
    add_image(items["tea"], tmp_path / "uploads")
    make_batch(product=items["tea"], lot_code="LOT-A", short_code="SHORTA01")
    make_product(name_vi="Sản phẩm ẩn", slug="san-pham-an", is_hidden=True)
    db.session.commit()
    return items


def test_rss_feed_has_merchant_fields_for_visible_products_only(client, catalogue):
    response = client.get("/feeds/products.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/rss+xml"
    root = ET.fromstring(response.data)
    items = {item.find(f"{G}id").text: item for item in root.iter("item")}
    assert set(items) == {str(p.id) for p in catalogue.values()}
    tea = items[str(catalogue["tea"].id)]
    assert tea.find("title").text == "Chè Tân Cương đặc biệt"
    assert tea.find(f"{G}price").text == "450000 VND"
    assert tea.find(f"{G}availability").text == "in_stock"
    assert tea.find(f"{G}brand").text == "HTX Chè Hảo Đạt"
    assert tea.find(f"{G}gtin").text == "08938000000015"
    assert tea.find("link").text == "http://shop.test/products/che-tan-cuong-dac-biet"
    assert tea.find(f"{G}image_link").text.startswith("http://shop.test/media/che-tan-cuong-dac-biet.jpg?size=large")
    drink = items[str(catalogue["drink"].id)]
    assert drink.find(f"{G}availability").text == "out_of_stock"
    assert drink.find(f"{G}gtin") is None


def test_csv_feed_has_the_same_rows(client, catalogue):
    response = client.get("/feeds/products.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["title"] for row in rows} == {p.name_vi for p in catalogue.values()}
    tea = next(row for row in rows if row["id"] == str(catalogue["tea"].id))
    assert tea["price"] == "450000 VND" and tea["brand"] == "HTX Chè Hảo Đạt" and tea["ocop_stars"] == "5"


def test_producer_text_in_the_csv_feed_cannot_become_a_spreadsheet_formula(client, db):
    evil = make_product(
        name_vi='=HYPERLINK("http://evil")',
        description_vi="-2+3",
        producer=make_producer(name="@SUM(1+1)"),
    )
    db.session.commit()
    [row] = [row for row in csv.DictReader(io.StringIO(client.get("/feeds/products.csv").get_data(as_text=True)))]
    assert row["id"] == str(evil.id)
    assert (row["title"], row["description"], row["brand"]) == ('\'=HYPERLINK("http://evil")', "'-2+3", "'@SUM(1+1)")


def test_sitemap_lists_products_producers_and_batch_origin_pages(client, app, catalogue):
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.data)
    locs = {loc.text for loc in root.iter(f"{SITEMAP}loc")}
    assert "http://shop.test/products/che-tan-cuong-dac-biet" in locs
    assert "http://shop.test/producers/htx-che-hao-dat" in locs
    assert "http://shop.test/products/san-pham-an" not in locs
    if "origin_url" in app.jinja_env.globals or "traceability.origin_short" in app.view_functions:
        assert any("SHORTA01" in loc or "LOT-A" in loc for loc in locs)


def test_robots_points_to_the_sitemap(client):
    body = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://shop.test/sitemap.xml" in body
    assert "Disallow: /account/" in body
    assert "Disallow: /office/" in body and "Disallow: /producer/" in body


def test_robots_leaves_the_cart_and_checkout_crawlable(client):
    """A page a shopper lands on is not one crawlers are told to skip (Lighthouse's is-crawlable reads robots.txt)."""
    body = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /cart" not in body and "Disallow: /checkout" not in body
    page = client.get("/cart").get_data(as_text=True)
    assert 'name="robots"' not in page
    assert '<link rel="canonical" href="http://shop.test/cart">' in page


def test_product_page_has_canonical_opengraph_and_product_jsonld(client, catalogue):
    page = client.get("/products/che-tan-cuong-dac-biet?lang=en&utm_source=x").get_data(as_text=True)
    assert '<link rel="canonical" href="http://shop.test/products/che-tan-cuong-dac-biet">' in page
    assert '<meta property="og:type" content="product">' in page
    assert (
        'property="og:image" content="http://shop.test/media/che-tan-cuong-dac-biet.jpg?size=large&amp;fmt=jpg"' in page
    )
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Product"
    assert data["offers"] == {
        **data["offers"],
        "price": 450000,
        "priceCurrency": "VND",
        "availability": "https://schema.org/InStock",
    }
    assert data["gtin14"] == "08938000000015"
    assert data["hasCertification"]["certificationIdentification"] == "123/QĐ-BNNMT"


def test_catalogue_canonical_keeps_only_listing_parameters(client, catalogue):
    page = client.get("/products?group=1&sort=price_asc&per_page=5").get_data(as_text=True)
    assert '<link rel="canonical" href="http://shop.test/products?group=1">' in page


def test_api_lists_products_paginated_and_filtered(client, catalogue):
    body = client.get("/api/v1/products?group=1&per_page=1&sort=price_asc").json
    assert body["total"] == 2 and body["pages"] == 2 and body["page"] == 1
    assert [item["slug"] for item in body["items"]] == ["mien-dong-viet-cuong"]
    second = client.get("/api/v1/products?group=1&per_page=1&sort=price_asc&page=2").json
    item = second["items"][0]
    assert item["slug"] == "che-tan-cuong-dac-biet" and item["price_vnd"] == 450000
    assert item["certificate"]["decision_number"] == "123/QĐ-BNNMT"
    assert item["url"] == "http://shop.test/products/che-tan-cuong-dac-biet"


def test_api_search_reports_facets_and_ignored_parameters(client, catalogue):
    # A well-formed ward code that is no ward is not applied, and is named.
    body = client.get("/api/v1/products?q=che+tan+cuong&ward=99999&district=Nowhere&stars=").json
    assert body["items"][0]["slug"] == "che-tan-cuong-dac-biet"
    assert body["ignored_parameters"] == ["ward", "district"]
    assert body["facets"]["group"]["1"] >= 1
    assert client.get("/api/v1/products").json["facets"] is None


@pytest.mark.parametrize(
    ("query", "invalid"),
    [
        ("stars=abc", [("stars", "not an integer")]),
        ("stars=6&group=0", [("group", "less than 1"), ("stars", "more than 5")]),
        (
            "sort=cheapest&in_stock=yes",
            [
                ("in_stock", "not one of 0, 1"),
                ("sort", "not one of relevance, newest, price_asc, price_desc, stars, price, -price, new"),
            ],
        ),
        ("q=" + "x" * 101, [("q", "longer than 100 characters")]),
        ("district=" + "x" * 81, [("district", "longer than 80 characters")]),
        ("page=0", [("page", "less than 1")]),
        # Judged as sent, before request_input drops the control character.
        ("stars=5%00", [("stars", "not an integer")]),
        ("per_page=5&per_page=6", [("per_page", "given more than once")]),
    ],
)
def test_api_answers_400_naming_each_value_its_document_refuses(client, catalogue, query, invalid):
    """The API enforces what /api/v1/openapi.json declares (the HTML catalogue drops such values instead)."""
    response = client.get(f"/api/v1/products?{query}")
    assert response.status_code == 400
    assert sorted((p["name"], p["reason"]) for p in response.json["invalid_parameters"]) == invalid
    assert response.json["error"] == 400 and response.json["message"].startswith("Invalid query parameters: ")
    # The HTML catalogue drops such filter values for people and shows the page (page 0: not found).
    assert client.get(f"/products?{query}").status_code == (404 if query == "page=0" else 200)


def test_the_longest_valid_request_fits_gunicorns_request_line():
    """Every free-text parameter has a maxLength; all at their longest, every character percent-encoded
    as the 12 bytes of an astral one, the request line stays under gunicorn's 4094 bytes (no 414)."""
    from urllib.parse import quote

    from storefront.catalog.openapi import PATHS

    longest = 0
    for path, operations in PATHS.items():
        query = []
        for parameter in operations["get"].get("parameters", []):
            schema = parameter["schema"]
            if schema["type"] == "string" and "enum" not in schema:
                assert "maxLength" in schema, (path, parameter["name"])
                value = "\U0001f375" * schema["maxLength"]
            elif schema["type"] == "integer":
                value = str(-(10**30)) if "maximum" not in schema else str(schema["maximum"])
            else:
                value = max(schema["enum"], key=len)
            query.append(f"{parameter['name']}={quote(value, safe='')}")
        longest = max(longest, len(f"GET {path}?{'&'.join(query)} HTTP/1.1"))
    assert longest < 4094


def test_api_page_past_the_end_is_a_json_404(client, catalogue):
    response = client.get("/api/v1/products?page=9")
    assert response.status_code == 404
    assert response.json["error"] == 404


def test_api_lists_approved_producers_filtered_by_ward(client, catalogue):
    body = client.get("/api/v1/producers?ward=5692").json
    assert [p["slug"] for p in body["items"]] == ["htx-mien-viet-cuong"]
    assert body["items"][0]["address"].endswith("Tỉnh Thái Nguyên")


def test_openapi_document_describes_paths_that_exist(client, app, catalogue):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()}
    for path, operations in document["paths"].items():
        assert path in rules
        for method, operation in operations.items():
            assert "404" in operation["responses"] or "{" not in path, path
            if "{" not in path:
                assert client.open(path, method=method.upper()).status_code == 200
    if document["paths"]:
        refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(document))
        assert set(refs) <= set(document["components"]["schemas"])

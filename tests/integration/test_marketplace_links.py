"""Marketplace links: a producer lists a product's pages on Postmart, Shopee, Tiki, Lazada or its own site;
shoppers see outbound links (rel="noopener"); the merchant feeds and the API carry them."""

import csv
import io

import pytest
from sqlalchemy import func, select

from storefront.catalog.models import Marketplace, ProductListing
from tests.factories import make_product, make_user
from tests.factories_producer import make_producer_account

SHOPEE = "https://shopee.vn/che-tan-cuong-i.123.456"


def listing_count(db) -> int:
    return db.session.scalar(select(func.count(ProductListing.id)))


def add(client, product, marketplace="shopee", url=SHOPEE):
    return client.post(
        f"/producer/products/{product.id}/listings", data={"listing-marketplace": marketplace, "listing-url": url}
    )


@pytest.fixture
def mine(db, login):
    user, producer = make_producer_account()
    product = make_product(producer=producer, name_vi="Chè tôm nõn")
    db.session.commit()
    login(user)
    return product


def test_a_producer_lists_a_product_elsewhere_and_shoppers_feeds_and_api_see_it(client, db, mine):
    assert add(client, mine).status_code == 302
    assert add(client, mine, "own_site", "http://chehaodat.vn/san-pham/che-tom-non#mua").status_code == 302
    assert [(lst.marketplace.value, lst.url) for lst in mine.listings] == [
        ("shopee", SHOPEE),
        ("own_site", "http://chehaodat.vn/san-pham/che-tom-non"),
    ]
    edit_page = client.get(f"/producer/products/{mine.id}/edit").get_data(as_text=True)
    assert SHOPEE in edit_page

    page = client.get(f"/products/{mine.slug}").get_data(as_text=True)
    assert f'<a href="{SHOPEE}" rel="noopener" target="_blank">Shopee ↗</a>' in page
    assert "Website của cơ sở" in page and "Cũng bán tại" in page

    rows = list(csv.DictReader(io.StringIO(client.get("/feeds/products.csv").get_data(as_text=True))))
    assert rows[0]["marketplace_links"] == f"{SHOPEE} http://chehaodat.vn/san-pham/che-tom-non"
    rss = client.get("/feeds/products.xml").get_data(as_text=True)
    assert f"<ocop:marketplace_link>{SHOPEE}</ocop:marketplace_link>" in rss and "xmlns:ocop=" in rss

    api = client.get(f"/api/v1/products/{mine.slug}/listings").get_json()
    assert api["listings"] == [
        {"marketplace": "shopee", "name": "Shopee", "url": SHOPEE},
        {"marketplace": "own_site", "name": "Website của cơ sở", "url": "http://chehaodat.vn/san-pham/che-tom-non"},
    ]


@pytest.mark.parametrize(
    ("marketplace", "url"),
    [
        ("shopee", "https://evil.example/shopee.vn/x"),
        ("shopee", "https://shopee.vn.evil.example/x"),
        ("shopee", "https://user:pw@shopee.vn/x"),
        ("tiki", "http://tiki.vn/che"),  # marketplaces only over https
        ("lazada", "javascript:alert(1)"),
        ("postmart", "postmart.vn/che"),
        ("own_site", "ftp://chehaodat.vn/"),
        ("own_site", "https://localhost/"),
        ("amazon", "https://amazon.com/x"),
        ("shopee", "https://shopee.vn/" + "a" * 500),
        ("shopee", "https://shopee.vn/che tan"),
        ("shopee", "https://shopee.vn:abc/che"),
        ("own_site", "https://[::1/"),
    ],
)
def test_links_off_the_marketplace_or_unsafe_are_refused(client, db, mine, marketplace, url):
    response = add(client, mine, marketplace, url)
    assert response.status_code == 302
    assert listing_count(db) == 0
    assert "flash-error" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_link_is_listed_once_and_can_be_removed(client, db, mine):
    add(client, mine)
    add(client, mine)
    assert listing_count(db) == 1
    listing = db.session.scalar(select(ProductListing))
    assert client.post(f"/producer/products/{mine.id}/listings/{listing.id}/delete").status_code == 302
    assert listing_count(db) == 0
    assert "Cũng bán tại" not in client.get(f"/products/{mine.slug}").get_data(as_text=True)


def test_another_producer_cannot_add_or_remove_a_products_links(client, db, login):
    _owner, producer = make_producer_account()
    product = make_product(producer=producer)
    listing = ProductListing(product=product, marketplace=Marketplace.SHOPEE, url=SHOPEE)
    db.session.add(listing)
    other_user, _other = make_producer_account()
    shopper = make_user()
    db.session.commit()
    login(other_user)
    assert add(client, product, url="https://shopee.vn/khac").status_code == 404
    assert client.post(f"/producer/products/{product.id}/listings/{listing.id}/delete").status_code == 404
    login.logout()
    login(shopper)
    assert add(client, product, url="https://shopee.vn/khac").status_code == 403
    assert [lst.url for lst in db.session.scalars(select(ProductListing))] == [SHOPEE]


def test_the_api_answers_404_for_a_hidden_or_unknown_product(client, db):
    product = make_product(is_hidden=True)
    db.session.commit()
    assert client.get(f"/api/v1/products/{product.slug}/listings").status_code == 404
    response = client.get("/api/v1/products/khong-co/listings")
    assert response.status_code == 404 and response.get_json()["error"] == 404

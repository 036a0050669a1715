"""Anonymous home and catalogue pages served from the page cache, and only those."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from storefront.catalog.indexing import page_cache
from storefront.catalog.models import SlugRedirect
from storefront.catalog.page_cache import CSRF_PLACEHOLDER
from storefront.columns import utcnow
from storefront.inventory.models import Reservation
from tests.factories import make_user
from tests.factories_checkout import add_to_cart, make_order
from tests.integration.test_catalog_pages import catalogue  # noqa: F401 (fixture)

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = [
    "/",
    "/products",
    "/products?group=1&stars=4",
    "/products?q=che",
    "/products/che-tan-cuong-dac-biet",
    "/producers/htx-che-hao-dat",
]


def anonymous_get(app, url):
    """GET as a new visitor: a fresh client, no cookies."""
    return app.test_client().get(url)


def without_tokens(body: bytes) -> str:
    return TOKEN_RE.sub('name="csrf_token" value=""', body.decode())


@pytest.mark.parametrize("url", PAGES)
def test_second_anonymous_visit_runs_no_sql_and_gets_the_same_page(app, catalogue, count_queries, url):
    first = anonymous_get(app, url)
    with count_queries() as n:
        second = anonymous_get(app, url)
    assert (first.status_code, second.status_code) == (200, 200)
    assert n() == 0
    assert without_tokens(second.data) == without_tokens(first.data)
    app.config["CATALOG_CACHE_SECONDS"] = 0
    app.extensions.pop("catalog_page_cache")
    with count_queries() as n:
        uncached = anonymous_get(app, url)
    assert n() > 0
    assert without_tokens(uncached.data) == without_tokens(second.data)
    assert CSRF_PLACEHOLDER not in second.get_data(as_text=True)
    assert "Cookie" in second.vary
    assert "no-cache" in second.headers["Cache-Control"]


def test_each_visitor_of_a_cached_product_page_gets_their_own_token_and_can_add_to_cart(app, catalogue):
    anonymous_get(app, "/products/che-tan-cuong-dac-biet")
    visitors = [app.test_client() for _ in range(2)]
    pages = [visitor.get("/products/che-tan-cuong-dac-biet") for visitor in visitors]
    tokens = [TOKEN_RE.search(page.get_data(as_text=True)).group(1) for page in pages]
    assert tokens[0] != tokens[1]
    assert all(page.headers["Cache-Control"] == "private, no-cache" for page in pages)
    response = visitors[1].post(
        "/cart/add", csrf=False, data={"csrf_token": tokens[1], "product_id": str(catalogue["tea"].id), "quantity": "2"}
    )
    assert response.status_code == 302
    with visitors[1].session_transaction() as session:
        assert session["cart"][str(catalogue["tea"].id)][0] == 2


def test_a_signed_in_shopper_never_gets_nor_leaves_a_cached_page(app, client, db, catalogue, login, count_queries):
    shopper = make_user(email="hoa@example.vn")
    db.session.commit()
    anonymous_get(app, "/products")
    login(shopper)
    with count_queries() as n:
        page = client.get("/products").get_data(as_text=True)
    assert n() > 0
    assert "Đăng xuất" in page
    client.get("/")
    assert "Đăng xuất" not in anonymous_get(app, "/").get_data(as_text=True)


def test_a_guest_with_a_cart_sees_their_cart_count_not_the_cached_page(app, client, catalogue):
    anonymous_get(app, "/products")
    assert add_to_cart(client, catalogue["noodle"], 3).status_code == 302
    page = client.get("/products").get_data(as_text=True)
    assert '<span class="badge-count">3</span>' in page
    assert "badge-count" not in anonymous_get(app, "/products").get_data(as_text=True)


def test_a_remember_me_cookie_bypasses_the_cache(app, catalogue, count_queries):
    anonymous_get(app, "/")
    visitor = app.test_client()
    visitor.set_cookie("remember_token", "1|not-a-valid-digest")
    with count_queries() as n:
        assert visitor.get("/").status_code == 200
    assert n() > 0


def test_choosing_a_language_in_the_url_is_not_cached_and_keeps_the_choice(app, catalogue, count_queries):
    anonymous_get(app, "/products?lang=en")
    with count_queries() as n:
        response = anonymous_get(app, "/products?lang=en")
    assert n() > 0
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert "session=" in response.headers.get("Set-Cookie", "")
    assert '<html lang="vi">' in anonymous_get(app, "/products").get_data(as_text=True)


def test_editing_a_product_here_shows_at_once_on_its_cached_pages(app, db, catalogue):
    assert "450.000" in anonymous_get(app, "/products/che-tan-cuong-dac-biet").get_data(as_text=True)
    assert "450.000" in anonymous_get(app, "/products").get_data(as_text=True)
    catalogue["tea"].price_vnd = 390_000
    db.session.commit()
    for url in ("/products/che-tan-cuong-dac-biet", "/products"):
        page = anonymous_get(app, url).get_data(as_text=True)
        assert "390.000" in page and "450.000" not in page


def test_a_commit_that_touches_no_catalogue_row_keeps_the_cache(app, db, catalogue, count_queries):
    anonymous_get(app, "/products")
    make_user(email="lan@example.vn")
    db.session.commit()
    with count_queries() as n:
        anonymous_get(app, "/products")
    assert n() == 0


def test_a_lifetime_of_zero_turns_the_page_cache_off(app, catalogue, count_queries):
    app.config["CATALOG_CACHE_SECONDS"] = 0
    app.extensions.pop("catalog_page_cache", None)  # made by the fixture's commit
    anonymous_get(app, "/products")
    with count_queries() as n:
        anonymous_get(app, "/products")
    assert n() > 0
    assert len(page_cache()._entries) == 0


def test_not_found_and_redirect_answers_are_not_cached(app, db, catalogue):
    assert anonymous_get(app, "/products/khong-co").status_code == 404
    assert anonymous_get(app, "/products?page=99").status_code == 404
    catalogue["tea"].slug = "che-tan-cuong"
    db.session.add(SlugRedirect(kind="product", slug="che-tan-cuong-dac-biet", target_id=catalogue["tea"].id))
    db.session.commit()
    assert anonymous_get(app, "/products/che-tan-cuong-dac-biet").status_code == 301
    assert len(page_cache()._entries) == 0


def test_in_stock_filter_counts_lapsed_holds_as_available_like_the_product_page(app, db, catalogue):
    noodle = catalogue["noodle"]
    for product in (noodle, catalogue["herb"]):
        make_order([(product, 10)], payment="bank_transfer")  # every unit held
    db.session.execute(
        update(Reservation)
        .where(Reservation.stock_id == noodle.stock.id)
        .values(expires_at=utcnow() - timedelta(hours=1))
    )  # lapsed, not released yet
    db.session.commit()
    assert (noodle.stock.reserved, catalogue["herb"].stock.reserved) == (10, 10)
    page = anonymous_get(app, "/products?in_stock=1").get_data(as_text=True)
    assert noodle.name_vi in page
    assert catalogue["herb"].name_vi not in page


def test_stock_received_by_a_guarded_update_shows_at_once_on_cached_pages(app, db, catalogue):
    from storefront.inventory.services import receive_stock

    assert "Hết hàng" in anonymous_get(app, "/products/ruou-ngo-men-la").get_data(as_text=True)
    assert catalogue["drink"].name_vi not in anonymous_get(app, "/products?in_stock=1").get_data(as_text=True)
    receive_stock(catalogue["drink"], 5)  # one SQL UPDATE, no ORM change
    db.session.commit()
    assert "Chỉ còn 5" in anonymous_get(app, "/products/ruou-ngo-men-la").get_data(as_text=True)
    assert catalogue["drink"].name_vi in anonymous_get(app, "/products?in_stock=1").get_data(as_text=True)


def test_the_page_cache_keeps_within_its_byte_budget_least_recently_used_out_first(app, catalogue, count_queries):
    product, producer = "/products/che-tan-cuong-dac-biet", "/producers/htx-che-hao-dat"
    sizes = {url: len(anonymous_get(app, url).data) for url in (product, producer)}
    app.extensions.pop("catalog_page_cache")
    app.config["CATALOG_PAGE_CACHE_BYTES"] = max(sizes.values()) + min(sizes.values()) // 2  # one page, not two
    anonymous_get(app, product)
    anonymous_get(app, producer)  # pushes the product page out
    cache = page_cache()
    assert len(cache._entries) == 1
    assert cache._weight == sizes[producer] <= app.config["CATALOG_PAGE_CACHE_BYTES"]
    with count_queries() as n:
        anonymous_get(app, producer)
    assert n() == 0
    with count_queries() as n:
        anonymous_get(app, product)
    assert n() > 0

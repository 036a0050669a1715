"""Catalogue pages: home, product list with filters and sort, product and producer pages."""

from datetime import UTC, timedelta

import pytest

from storefront.catalog.models import ProducerStatus
from storefront.clock import today_vn
from tests.factories import make_batch, make_certificate, make_product
from tests.factories_catalog import make_small_catalogue


def names_on(page: str, products) -> list[str]:
    """Return which of the products' names appear on the page, in page order."""
    found = [(page.find(p.name_vi), p.name_vi) for p in products if p.name_vi in page]
    return [name for _, name in sorted(found)]


@pytest.fixture
def catalogue(db):
    items = make_small_catalogue()
    db.session.commit()
    return items


def test_home_features_certified_products_most_stars_first_with_groups_and_stories(client, catalogue):
    page = client.get("/").get_data(as_text=True)
    assert names_on(page, catalogue.values()) == ["Chè Tân Cương đặc biệt", "Miến dong Việt Cường", "Trà hoa vàng"]
    assert 'href="/products?group=2"' in page
    assert "Đồi chè xóm Nam Tiến" in page  # story rendered from Markdown, tags stripped
    assert 'id="home-q"' in page and page.count('role="search"') == 1  # one search box, the hero's


def test_catalogue_lists_every_visible_product_with_price_and_badge(client, catalogue):
    page = client.get("/products").get_data(as_text=True)
    assert len(names_on(page, catalogue.values())) == 4
    assert "450.000\u00a0₫" in page
    assert 'data-stars="5"' in page


def test_hidden_unpublished_and_suspended_producers_products_are_not_listed(client, db, catalogue):
    catalogue["tea"].is_hidden = True
    catalogue["noodle"].producer.status = ProducerStatus.SUSPENDED  # also makes the herb
    db.session.commit()
    page = client.get("/products").get_data(as_text=True)
    assert names_on(page, catalogue.values()) == ["Rượu ngô men lá"]
    assert client.get("/products/che-tan-cuong-dac-biet").status_code == 404
    assert client.get("/products/tra-hoa-vang").status_code == 404
    assert client.get("/producers/htx-mien-viet-cuong").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("group=1", {"tea", "noodle"}),
        ("group=3", {"herb"}),
        ("stars=4", {"tea", "noodle"}),
        ("stars=5", {"tea"}),
        ("ward=5692", {"noodle", "herb"}),
        ("district=Huyện+Đồng+Hỷ", {"noodle", "herb"}),
        ("price_min=100000&price_max=300000", {"drink", "herb"}),
        ("in_stock=1", {"tea", "noodle", "herb"}),
        ("group=1&stars=5&in_stock=1", {"tea"}),
    ],
)
def test_filters_narrow_the_catalogue(client, catalogue, query, expected):
    response = client.get(f"/products?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert set(names_on(page, catalogue.values())) == {catalogue[k].name_vi for k in expected}
    assert "Đã bỏ qua" not in page


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", ["noodle", "drink", "herb", "tea"]),
        ("price", ["noodle", "drink", "herb", "tea"]),
        ("price_desc", ["tea", "herb", "drink", "noodle"]),
        ("stars", ["tea", "noodle", "herb", "drink"]),
        ("newest", ["herb", "drink", "noodle", "tea"]),
    ],
)
def test_sort_orders_the_catalogue(client, db, catalogue, sort, expected):
    base = today_vn()
    for n, key in enumerate(["tea", "noodle", "drink", "herb"]):
        from datetime import datetime

        catalogue[key].published_at = datetime(base.year, 1, 1, tzinfo=UTC) + timedelta(days=n)
    db.session.commit()
    page = client.get(f"/products?sort={sort}").get_data(as_text=True)
    assert names_on(page, catalogue.values()) == [catalogue[k].name_vi for k in expected]


@pytest.mark.parametrize(
    "query",
    [
        "group=9",
        "group=abc",
        "stars=0",
        "stars=%F0%9F%98%80",
        "ward=99999",
        "ward=-1",
        "district=Atlantis",
        "price_min=-5",
        "price_max=1e9",
        "in_stock=maybe",
        "sort=drop+table",
        "per_page=100000",
        "group=1%00x",
    ],
)
def test_bogus_filter_values_are_ignored_with_a_visible_note(client, catalogue, query):
    response = client.get(f"/products?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="ignored-filters"' in page
    assert len(names_on(page, catalogue.values())) == 4


def test_filter_state_is_kept_in_pagination_links(client, db, catalogue):
    for n in range(5):
        make_product(name_vi=f"Chè móc câu {n}", price_vnd=200_000 + n)
    db.session.commit()
    page = client.get("/products?group=1&per_page=3&sort=price_asc").get_data(as_text=True)
    assert 'href="/products?group=1&amp;per_page=3&amp;sort=price_asc&amp;page=2"' in page
    assert "Trang 1/3" in page


@pytest.mark.parametrize("page_number", ["2", "0", "-1", "999999999999", "abc", "1.5"])
def test_page_past_the_end_or_before_the_start_is_404(client, catalogue, page_number):
    assert client.get(f"/products?page={page_number}").status_code == 404


def test_empty_catalogue_first_page_is_not_404(client):
    response = client.get("/products")
    assert response.status_code == 200
    assert "Không có sản phẩm phù hợp." in response.get_data(as_text=True)


def test_product_page_shows_price_with_vat_unit_stock_consumer_info_and_producer(client, db, catalogue):
    tea = catalogue["tea"]
    tea.ingredients, tea.usage, tea.storage = "Búp chè xanh.", "Hãm 3 phút.", "Nơi khô ráo."
    db.session.commit()
    page = client.get("/products/che-tan-cuong-dac-biet").get_data(as_text=True)
    assert "450.000\u00a0₫" in page and "đã gồm thuế GTGT" in page
    assert "hộp" in page and "200 g" in page
    assert 'data-available="10"' in page
    for text in ("Búp chè xanh.", "Hãm 3 phút.", "Nơi khô ráo."):
        assert text in page
    assert 'href="/producers/htx-che-hao-dat"' in page
    assert "Xóm Nam Tiến, Xã Tân Cương" in page


def test_handicraft_page_has_no_consumer_info_block(client, db):
    product = make_product(ocop_group=4, ingredients="Tre.", name_vi="Giỏ tre")
    db.session.commit()
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "Thành phần" not in page


def test_sold_out_product_says_so_and_has_no_cart_form(client, catalogue):
    page = client.get("/products/ruou-ngo-men-la").get_data(as_text=True)
    assert "Hết hàng" in page
    assert 'name="product_id"' not in page


def test_cart_form_posts_product_and_quantity_when_cart_exists(client, app, catalogue):
    page = client.get("/products/che-tan-cuong-dac-biet").get_data(as_text=True)
    if "cart.add" in app.view_functions:
        assert f'name="product_id" value="{catalogue["tea"].id}"' in page
        assert 'name="quantity"' in page and 'name="csrf_token"' in page
    else:
        assert 'name="product_id"' not in page


def test_unknown_product_and_producer_are_404(client):
    assert client.get("/products/khong-co").status_code == 404
    assert client.get("/producers/khong-co").status_code == 404


def test_traceability_block_lists_published_batches_on_sale_only(client, db, catalogue):
    tea = catalogue["tea"]
    make_batch(product=tea, lot_code="LOT-ON-SALE")
    make_batch(product=tea, lot_code="LOT-DRAFT", is_published=False)
    from storefront.columns import utcnow

    make_batch(product=tea, lot_code="LOT-RECALLED", recalled_at=utcnow())
    db.session.commit()
    page = client.get("/products/che-tan-cuong-dac-biet").get_data(as_text=True)
    assert "LOT-ON-SALE" in page
    assert "LOT-DRAFT" not in page and "LOT-RECALLED" not in page


def test_producer_page_renders_story_markdown_safely_with_address_and_products(client, db, catalogue):
    producer = catalogue["tea"].producer
    producer.story_md = "## Lịch sử\n\n<script>alert(1)</script> [xem](javascript:alert(2)) **đậm**"
    producer.legacy_address = "Xã Tân Cương, TP Thái Nguyên, Tỉnh Thái Nguyên"
    db.session.commit()
    page = client.get("/producers/htx-che-hao-dat").get_data(as_text=True)
    assert "<h2>Lịch sử</h2>" in page and "<strong>đậm</strong>" in page
    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page
    assert "Hợp tác xã" in page
    assert "Xóm Nam Tiến, Xã Tân Cương, Tỉnh Thái Nguyên" in page
    assert "Xã Tân Cương, TP Thái Nguyên, Tỉnh Thái Nguyên" in page  # legacy address, differs
    assert names_on(page, catalogue.values()) == ["Chè Tân Cương đặc biệt", "Rượu ngô men lá"]
    assert "123/QĐ-BNNMT" in page


def test_hidden_story_is_not_shown(client, db, catalogue):
    producer = catalogue["tea"].producer
    producer.is_story_hidden = True
    db.session.commit()
    page = client.get("/producers/htx-che-hao-dat").get_data(as_text=True)
    assert "xóm Nam Tiến</strong>" not in page
    assert "HTX Chè Hảo Đạt" in page


def test_product_page_speaks_english_when_asked(client, catalogue):
    page = client.get("/products/mien-dong-viet-cuong?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "<h1>Canna noodles</h1>" in page


def test_expired_certificate_of_another_product_does_not_leak(client, db, catalogue):
    make_certificate(product=catalogue["drink"], stars=5, decision_date=today_vn() - timedelta(days=2000))
    db.session.commit()
    page = client.get("/products/ruou-ngo-men-la").get_data(as_text=True)
    assert "data-stars" not in page


def test_catalogue_forgets_its_cached_order_when_a_commit_hides_a_product(client, db, catalogue):
    assert "Chè Tân Cương đặc biệt" in client.get("/products").get_data(as_text=True)
    catalogue["tea"].is_hidden = True
    db.session.commit()
    page = client.get("/products").get_data(as_text=True)
    assert "Chè Tân Cương đặc biệt" not in page
    assert "3 sản phẩm" in page


def test_catalogue_order_is_not_cached_when_the_cache_is_off(app, client, db, catalogue):
    from sqlalchemy import update

    from storefront.catalog.models import Product

    app.config["CATALOG_CACHE_SECONDS"] = 0
    app.extensions.pop("catalog_listing_cache", None)  # made by the fixture's commit
    app.extensions.pop("catalog_page_cache", None)
    assert "4 sản phẩm" in client.get("/products").get_data(as_text=True)
    db.session.execute(update(Product).where(Product.id == catalogue["tea"].id).values(is_hidden=True))
    db.session.commit()  # a bulk UPDATE: no ORM change event, as from another process
    assert "3 sản phẩm" in client.get("/products").get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/products?q=%FF%FE", 200),
        ("/products?group=%FF", 200),
        ("/products?ward=%EF%BC%95", 200),
        ("/search/suggest?q=%FF", 200),
        ("/api/v1/products?q=%C0&stars=x", 400),
        ("/api/v1/products?q=%C0", 200),
        ("/products?q=che&q=mien", 200),
        ("/products/%FF", 404),
        ("/producers/%00", 404),
        ("/products/a%00b", 404),
        ("/products/Che-Tan", 404),
        ("/media/%FF.jpg", 404),
    ],
)
def test_undecodable_or_odd_urls_never_500(client, catalogue, url, status):
    assert client.get(url).status_code == status


def test_the_listing_cache_keeps_ids_compactly_within_its_byte_budget(app, client, catalogue):
    from array import array

    from storefront.catalog.indexing import listing_weight

    app.config["CATALOG_LISTING_CACHE_BYTES"] = 40  # room for two listings of four ids (16 bytes each) and no more
    app.extensions.pop("catalog_listing_cache", None)
    app.extensions.pop("catalog_page_cache", None)
    app.config["CATALOG_CACHE_SECONDS"] = 300
    for sort in ("price_asc", "price_desc", "newest", "stars"):
        page = client.get(f"/products?sort={sort}").get_data(as_text=True)
        assert len(names_on(page, catalogue.values())) == 4
        cache = app.extensions["catalog_listing_cache"]
        values = [entry[1] for entry in cache._entries.values()]
        assert values and all(isinstance(value, array) and len(value) == 4 for value in values)
        assert sum(listing_weight(value) for value in values) == cache._weight <= 40
    assert len(cache._entries) == 2  # the two most recent listings

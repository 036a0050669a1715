"""Search in the catalogue: Vietnamese folding, facets, type-ahead, hostile input, index follows commits."""

import unicodedata

import pytest

from storefront.catalog import search
from storefront.catalog.indexing import search_index
from storefront.catalog.models import ProducerStatus
from storefront.catalog.slugs import rename_product
from storefront.columns import utcnow
from storefront.inventory.models import Stock
from tests.factories import make_certificate, make_producer, make_product


@pytest.fixture
def products(db):
    producer = make_producer(name="HTX Hảo Đạt", legacy_district="TP Thái Nguyên")
    other = make_producer(name="HTX Việt Cường", legacy_district="Huyện Đồng Hỷ", ward_code=5692)
    items = {
        "tea": make_product(
            producer=producer,
            name_vi="Chè Tân Cương",
            name_en="Tan Cuong green tea",
            slug="che-tan-cuong",
            price_vnd=300_000,
        ),
        "noodle": make_product(
            producer=other, name_vi="Miến dong Việt Cường", name_en="Canna noodles", slug="mien-dong", price_vnd=60_000
        ),
        "beans": make_product(
            producer=other,
            name_vi="Chè đậu xanh",
            name_en="Mung bean sweet soup",
            slug="che-dau-xanh",
            price_vnd=40_000,
            ocop_group=1,
        ),
        "wine": make_product(
            producer=producer,
            name_vi="Rượu chè Tân Cương",
            name_en="Tea liquor",
            slug="ruou-che",
            ocop_group=2,
            price_vnd=200_000,
        ),
    }
    make_certificate(product=items["tea"], stars=5, decision_number="55/QĐ-BNNMT")
    make_certificate(product=items["wine"], stars=3)
    db.session.commit()
    return items


def result_names(client, query: str) -> list[str]:
    response = client.get("/products", query_string={"q": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return [
        name
        for _, name in sorted(
            (page.find(f">{n}</a></h3>"), n)
            for n in ("Chè Tân Cương", "Miến dong Việt Cường", "Chè đậu xanh", "Rượu chè Tân Cương")
            if f">{n}</a></h3>" in page
        )
    ]


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("che tan cuong", "Chè Tân Cương"),
        ("CHÈ TÂN CƯƠNG", "Chè Tân Cương"),
        (unicodedata.normalize("NFD", "Chè Tân Cương"), "Chè Tân Cương"),
        ("mien dong", "Miến dong Việt Cường"),
        ("dau xanh", "Chè đậu xanh"),
        ("Đậu xanh", "Chè đậu xanh"),
        ("mien dongg", "Miến dong Việt Cường"),  # one typo in a 5+ letter word
    ],
)
def test_search_folds_vietnamese_accents_and_d_with_stroke(client, products, query, expected_first):
    assert result_names(client, query)[0] == expected_first


def test_search_shows_facet_counts_for_groups_and_stars(client, products):
    page = client.get("/products?q=tan+cuong").get_data(as_text=True)
    assert "Chè Tân Cương" in page and "Rượu chè Tân Cương" in page
    facets = page.split('data-facet="group"')[1].split("</ul>")[0]
    assert 'Thực phẩm</a> <span class="count">1</span>' in facets
    assert 'Đồ uống</a> <span class="count">1</span>' in facets
    stars = page.split('data-facet="stars"')[1].split("</ul>")[0]
    assert '5 sao</a> <span class="count">1</span>' in stars
    assert '3 sao</a> <span class="count">1</span>' in stars


def test_search_combines_with_filters_and_other_sorts(client, products):
    assert set(result_names(client, "che")) == {"Chè Tân Cương", "Chè đậu xanh", "Rượu chè Tân Cương"}
    response = client.get("/products", query_string={"q": "che", "group": 1, "sort": "price_asc"})
    page = response.get_data(as_text=True)
    assert page.find(">Chè đậu xanh</a></h3>") < page.find(">Chè Tân Cương</a></h3>")
    assert ">Rượu chè Tân Cương</a></h3>" not in page
    page = client.get("/products", query_string={"q": "che", "stars": 5}).get_data(as_text=True)
    assert ">Chè Tân Cương</a></h3>" in page and ">Chè đậu xanh</a></h3>" not in page


NASTY = [
    "AND (",
    "*",
    '"',
    "~",
    "che~2",
    "title:che",
    "OR OR OR",
    "((((",
    "\x00\x01\x02",
    "\u202e\u200b",
    "a" * 2000,
    "chè " * 500,
    "%",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "🍵",
    "NOT",
    "che AND",
    "[a TO z]",
]


@pytest.mark.parametrize("query", NASTY)
def test_any_query_gives_results_or_a_clear_message_never_500(client, products, query):
    response = client.get("/products", query_string={"q": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    suggest = client.get("/search/suggest", query_string={"q": query})
    assert suggest.status_code == 200
    assert isinstance(suggest.json["suggestions"], list)


def test_query_without_words_says_so(client, products):
    page = client.get("/products", query_string={"q": "((( ))) !!"}).get_data(as_text=True)
    assert "Từ khoá không có chữ hoặc số nào để tìm" in page


def test_suggest_returns_json_names_and_urls_by_prefix(client, products):
    response = client.get("/search/suggest?q=che+ta")
    assert response.status_code == 200
    assert response.json["suggestions"][0] == {"name": "Chè Tân Cương", "url": "/products/che-tan-cuong"}
    assert client.get("/search/suggest?q=").json["suggestions"] == []


def test_suggest_needs_two_letters_and_ranks_names_starting_with_the_prefix_first(client, products):
    assert client.get("/search/suggest?q=c").json["suggestions"] == []
    names = [s["name"] for s in client.get("/search/suggest?q=ch").json["suggestions"]]
    assert set(names[:2]) == {"Chè Tân Cương", "Chè đậu xanh"}  # start with "Chè"
    assert "Rượu chè Tân Cương" in names


def test_index_follows_a_rename_after_commit(client, db, products):
    assert result_names(client, "che tan cuong")[0] == "Chè Tân Cương"
    rename_product(products["tea"], "Chè móc câu Tân Cương")
    db.session.commit()
    hits = search.search_products(search_index(), "moc cau").ids
    assert hits == [products["tea"].id]
    assert client.get("/search/suggest?q=moc").json["suggestions"][0]["url"] == "/products/che-moc-cau-tan-cuong"


def test_unpublished_product_leaves_the_index_after_commit(client, db, products):
    idx = search_index()
    products["noodle"].is_published = False
    db.session.commit()
    assert products["noodle"].id not in search.search_products(idx, "mien dong").ids
    assert "Miến dong Việt Cường" not in result_names(client, "mien dong")


def test_revoking_a_certificate_updates_stars_in_the_index(client, db, products):
    idx = search_index()
    assert search.search_products(idx, "che", filters={"min_stars": 5}).ids == [products["tea"].id]
    certificate = products["tea"].certificates[0]
    certificate.is_revoked, certificate.revoked_at = True, utcnow()
    db.session.commit()
    assert search.search_products(idx, "che", filters={"min_stars": 5}).ids == []
    page = client.get("/products?q=che+tan+cuong").get_data(as_text=True)
    assert 'data-stars="5"' not in page


def test_suspending_a_producer_removes_its_products_from_search(client, db, products):
    idx = search_index()
    products["tea"].producer.status = ProducerStatus.SUSPENDED
    db.session.commit()
    assert products["tea"].id not in search.search_products(idx, "tan cuong").ids


def test_stock_change_updates_in_stock_filter(db, products):
    idx = search_index()
    stock = db.session.query(Stock).filter_by(product_id=products["noodle"].id).one()
    stock.on_hand = 0
    db.session.commit()
    assert search.search_products(idx, "mien", filters={"in_stock": True}).ids == []


def test_rolled_back_changes_do_not_reach_the_index(db, products):
    idx = search_index()
    products["tea"].name_vi = "Tên tạm"
    db.session.flush()
    db.session.rollback()
    assert search.search_products(idx, "tam").ids == []


def test_reindex_command_rebuilds_the_index_with_a_progress_bar(app, runner, products):
    idx = search_index()
    search.rebuild(idx, [])
    assert search.doc_count(idx) == 0
    result = runner.invoke(args=["catalog", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 4 products." in result.output
    assert search.doc_count(idx) == 4


def test_missing_index_is_rebuilt_automatically_on_first_search(app, client, products, tmp_path):
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    app.extensions.pop("search_index", None)
    assert result_names(client, "mien dong") == ["Miến dong Việt Cường"]
    assert (tmp_path / "index").is_dir()


def test_reindex_all_rebuilds_from_the_database_for_the_demo_seed(app, products):
    from storefront.catalog.indexing import reindex_all

    idx = search_index()
    search.rebuild(idx, [])
    assert reindex_all() == 4
    assert search.search_products(idx, "dau xanh").ids == [products["beans"].id]


def test_selling_out_and_restocking_through_orders_moves_the_in_stock_filter(db, products):
    """Orders change stock with guarded SQL updates the ORM flush never sees; the index still follows."""
    from storefront.checkout.cancelling import cancel_order
    from tests.factories_checkout import make_order

    idx = search_index()
    noodle = products["noodle"]
    stock = db.session.query(Stock).filter_by(product_id=noodle.id).one()
    order = make_order([(noodle, stock.on_hand)], payment="bank_transfer")  # holds every unit
    db.session.commit()
    assert search.search_products(idx, "mien", filters={"in_stock": True}).ids == []
    cancel_order(order, reason="test")  # the hold is released
    db.session.commit()
    assert search.search_products(idx, "mien", filters={"in_stock": True}).ids == [noodle.id]
    assert search.search_products(idx, "mien").ids == [noodle.id]


def test_a_zero_width_space_in_the_query_finds_the_same_products(client, products):
    plain = result_names(client, "Chè Tân Cương")
    assert plain and result_names(client, "Ch\u200bè Tân Cương") == plain
    assert result_names(client, "Chè\u2060 Tân\ufeff Cương") == plain


def test_a_released_savepoint_waits_for_its_transaction_before_the_index_changes(db, products):
    """SQLAlchemy fires after_commit when a savepoint is released; nothing is committed yet then."""
    idx = search_index()
    rename_product(products["tea"], "Chè móc câu Tân Cương")
    db.session.flush()
    with db.session.begin_nested():
        products["noodle"].name_vi = "Miến dong đặc biệt"
    # A reader outside the transaction still sees the old names: the index must not move yet.
    assert search.search_products(idx, "moc cau").ids == []
    assert products["noodle"].id in search.search_products(idx, "mien dong").ids
    db.session.commit()
    assert search.search_products(idx, "moc cau").ids == [products["tea"].id]
    assert search.search_products(idx, "dac biet").ids == [products["noodle"].id]


def test_a_rolled_back_savepoint_keeps_the_transactions_earlier_changes_for_the_index(db, products):
    idx = search_index()
    rename_product(products["tea"], "Chè móc câu Tân Cương")
    db.session.flush()
    savepoint = db.session.begin_nested()
    products["noodle"].name_vi = "Tên tạm"
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert search.search_products(idx, "moc cau").ids == [products["tea"].id]
    assert search.search_products(idx, "tam").ids == []

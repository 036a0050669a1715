"""The search test suite every backend passes: Whoosh always, PostgreSQL on the PostgreSQL leg.

Vietnamese folding (đ included) and typos, ranking tiers, filters, facets, pages, type-ahead,
hostile and invisible input, writes that follow the catalogue; and every product of the demo
catalogue found in the top 5 by its name typed without diacritics.
"""

import threading
import unicodedata

import pytest
import sqlalchemy as sa

from storefront.catalog import search
from storefront.catalog.search import query
from storefront.text import fold
from tests.search_backends import BACKENDS, DOCS, make_doc


@pytest.fixture(scope="module")
def search_engine(_schema):
    """An engine on the suite's database (the PostgreSQL backend's only need); None on SQLite."""
    if not _schema.startswith("postgresql"):
        yield None
        return
    engine = sa.create_engine(_schema)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def idx(request, search_engine):
    """An index of each backend holding DOCS."""
    index = search.open_index(request.param, engine=search_engine)
    search.rebuild(index, DOCS)
    yield index
    if request.param == "postgres":
        search.rebuild(index, [])
    index.close()


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("che tan cuong", 1),
        ("Chè Tân Cương", 1),
        ("CHÈ TÂN CƯƠNG", 1),
        (unicodedata.normalize("NFD", "Chè Tân Cương"), 1),
        ("mien dong", 2),
        ("dau xanh", 3),
        ("ĐẬU XANH", 3),
        ("dai tu", 2),
        ("green tea", 6),
        ("mật ong tràng xá", 4),
        ("huu co", 5),
    ],
)
def test_folded_query_finds_product(idx, query, expected_first):
    assert search.search_products(idx, query).ids[0] == expected_first


def test_one_word_matches_every_product_having_it(idx):
    result = search.search_products(idx, "CHÈ")
    assert set(result.ids) == {1, 3, 6}
    assert result.total == 3


def test_name_match_ranks_above_description_match(idx):
    assert search.search_products(idx, "chè búp").ids == [1, 6]


def test_every_word_must_match_when_some_product_has_all(idx):
    assert search.search_products(idx, "chè xanh").ids == [3, 6]
    assert search.search_products(idx, "chè đậu xanh").ids == [3]


def test_falls_back_to_any_word_when_no_product_has_all(idx):
    result = search.search_products(idx, "chè zzzz")
    assert set(result.ids) == {1, 3, 6}


@pytest.mark.parametrize(("query", "expected"), [("cuongg", 1), ("mienn dong", 2), ("rungg", 4)])
def test_one_typo_in_a_long_word_still_matches(idx, query, expected):
    assert expected in search.search_products(idx, query).ids


def test_typo_result_offers_correction(idx):
    assert search.search_products(idx, "tan cuongg").corrected == "tan cuong"


def test_no_typo_tolerance_for_short_words(idx):
    assert search.search_products(idx, "chee").ids == []


def test_exact_match_ranks_above_typo_match(idx):
    index = idx
    # The typo match is in the short name and the producer; the exact one only in a
    # description, which alone would score far lower.
    search.rebuild(
        index,
        [
            make_doc(1, "Chunh", producer="Chunh"),
            make_doc(2, "Bánh ngọt", description="Làm như bánh chưng ngày Tết"),
        ],
    )
    assert search.search_products(index, "chung").ids == [2, 1]


def test_facets_count_all_matches_not_only_the_page(idx):
    result = search.search_products(idx, "che", limit=1)
    assert len(result.ids) == 1
    assert result.total == 3
    assert result.facets == {"group": {"1": 2, "2": 1}, "stars": {5: 1, 0: 1, 3: 1}}


def test_pages_do_not_overlap_and_cover_all_matches(idx):
    pages = [search.search_products(idx, "che", limit=2, page=p).ids for p in (1, 2, 3)]
    assert pages[2] == []
    assert sorted(pages[0] + pages[1]) == [1, 3, 6]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"group": "2"}, {3}),
        ({"min_stars": 4}, {1}),
        ({"in_stock": True}, {1, 6}),
        ({"in_stock": False}, {1, 3, 6}),
        ({"price_min": 200_000}, {1}),
        ({"price_max": 100_000}, {3, 6}),
        ({"ward_code": "05500", "group": "1"}, {1, 6}),
        ({"group": None}, {1, 3, 6}),
    ],
)
def test_filters_narrow_results_and_facets(idx, filters, expected):
    result = search.search_products(idx, "che", filters=filters)
    assert set(result.ids) == expected
    assert sum(result.facets["group"].values()) == len(expected)


def test_unknown_filter_is_a_programming_error(idx):
    with pytest.raises(ValueError):
        search.search_products(idx, "che", filters={"minstars": 4})


NASTY_QUERIES = [
    "",
    "   ",
    "AND (",
    "che AND (",
    "*",
    "ch*",
    '"che',
    "che~",
    "name:che",
    "group:1 OR id:1",
    "\x00\x01\x1b[31m",
    "che\u200b tan",
    "!!!???...,,,",
    "a" * 2000,
    "chè " * 500,
    "((((((((((((((((((",
    "\\",
    "NOT che",
    "🍵 chè",
    "\ud800",
]


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_hostile_input_never_raises(idx, query):
    result = search.search_products(idx, query)
    assert isinstance(result.ids, list)
    assert result.total == len(result.ids) or result.total > len(result.ids)


def test_empty_query_returns_empty_result(idx):
    assert search.search_products(idx, "!!!") == search.SearchResult()


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_suggest_never_raises(idx, query):
    assert isinstance(search.suggest(idx, query), list)


def test_suggest_matches_name_prefix_folded(idx):
    assert search.suggest(idx, "Chè T") == [{"id": 1, "name": "Chè Tân Cương búp"}]
    assert {s["id"] for s in search.suggest(idx, "che")} == {1, 3}


def test_suggest_puts_names_starting_with_prefix_first(idx):
    assert search.suggest(idx, "xanh")[0]["id"] == 3
    search.rebuild(idx, [make_doc(1, "Trà chè xanh"), make_doc(2, "Chè xanh")])
    assert [s["id"] for s in search.suggest(idx, "ch")] == [2, 1]


def test_index_products_updates_by_id(idx):
    search.index_products(idx, [make_doc(3, "Gạo Bao Thai")])
    assert search.doc_count(idx) == len(DOCS)
    assert search.search_products(idx, "bao thai").ids == [3]
    assert 3 not in search.search_products(idx, "dau xanh").ids


def test_repeated_updates_never_duplicate_documents(idx):
    for round_ in range(5):
        search.index_product(idx, make_doc(7, f"Nấm linh chi {round_}"))
        assert search.search_products(idx, "linh chi").ids == [7]
        assert search.doc_count(idx) == len(DOCS) + 1


def test_remove_product_hides_it(idx):
    search.remove_product(idx, 1)
    search.remove_product(idx, 999)
    assert search.doc_count(idx) == len(DOCS) - 1
    assert 1 not in search.search_products(idx, "che").ids


def test_rebuild_replaces_everything_and_reports_progress(idx):
    seen = []
    added = search.rebuild(idx, [make_doc(10, "Măng khô")], progress=seen.append)
    assert added == 1
    assert seen == [1]
    assert search.doc_count(idx) == 1
    assert search.search_products(idx, "mang kho").ids == [10]


def test_failed_rebuild_keeps_old_index(idx):
    def broken_docs():
        yield make_doc(10, "Măng khô")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        search.rebuild(idx, broken_docs())
    assert search.doc_count(idx) == len(DOCS)


def test_concurrent_searches_and_writes_do_not_fail(idx):
    errors = []

    def searching():
        try:
            for _ in range(30):
                search.search_products(idx, "chè")
        except Exception as exc:  # collected to fail the test in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=searching) for _ in range(4)]
    for thread in threads:
        thread.start()
    for i in range(10):
        search.index_product(idx, make_doc(100 + i, "Chè nõn tôm"))
    for thread in threads:
        thread.join()
    assert errors == []
    assert search.search_products(idx, "non tom").total == 10


def test_a_query_with_a_zero_width_space_finds_what_the_plain_query_finds(idx):
    plain = search.search_products(idx, "Chè Tân Cương")
    assert search.search_products(idx, "Ch\u200bè T\u200bân Cương").ids == plain.ids and plain.ids


def test_format_characters_in_a_name_are_dropped_when_indexing(idx):
    search.rebuild(idx, [])
    search.index_product(idx, {"id": 1, "name": "Ch\u200bè T\u2060ân Cương", "price_vnd": 1})
    assert search.search_products(idx, "che tan cuong").ids == [1]


@pytest.mark.skipif("postgres" not in BACKENDS, reason="the PostgreSQL backend runs on the PostgreSQL leg")
def test_unaccent_folds_every_vietnamese_letter_as_the_python_folding_does(search_engine):
    """unaccent maps đ/Đ and every toned vowel; a letter it missed would make a word unfindable."""
    letters = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
    text = " ".join([letters, letters.upper()])
    with search_engine.connect() as conn:
        folded = conn.scalar(sa.text("SELECT lower(unaccent(:text))"), {"text": text})
    assert folded == " ".join(query.fold(text)) == fold(text)
    assert "đ" not in folded and "d" in folded


@pytest.mark.skipif("postgres" not in BACKENDS, reason="the PostgreSQL backend runs on the PostgreSQL leg")
def test_the_typo_vocabulary_loses_the_words_of_renamed_and_removed_products(search_engine):
    index = search.open_index("postgres", engine=search_engine)
    search.rebuild(index, DOCS)
    try:
        assert search.search_products(index, "trangx").corrected == "trang"  # HTX Mật ong Tràng Xá (4)
        search.remove_product(index, 4)
        search.index_product(index, make_doc(2, "Bánh chưng Bờ Đậu"))  # was Miến dong Việt Cường, Đại Từ
        search.index_products(index, [make_doc(1, "Chè Tân Cương búp", commune="Tân Cương", in_stock=False)])
        words = vocabulary(search_engine)
        assert {"trang", "nhai", "mien", "dong", "viet", "dai"}.isdisjoint(words)
        assert {"banh", "chung", "cuong", "dau"} <= words  # new, or still another product's
        with search_engine.connect() as conn:  # exactly the words the documents have, as a rebuild makes it
            lexemes = conn.scalars(sa.text("SELECT DISTINCT unnest(tsvector_to_array(document)) FROM search_documents"))
            assert words == set(lexemes)
        assert search.search_products(index, "trangx").corrected is None  # no correction that finds nothing
    finally:
        search.rebuild(index, [])
        index.close()


def vocabulary(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(sa.text("SELECT word FROM search_words")))


@pytest.mark.skipif("postgres" not in BACKENDS, reason="the PostgreSQL backend runs on the PostgreSQL leg")
def test_postgres_backend_needs_postgresql():
    with pytest.raises(ValueError, match="PostgreSQL"):
        search.open_index("postgres", engine=sa.create_engine("sqlite://"))


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="SEARCH_BACKEND"):
        search.open_index("elastic")


def test_every_demo_product_is_found_in_the_top_5_by_its_name_without_diacritics(app, db, runner):
    """One seed (about 13 s), searched with every backend."""
    from storefront.catalog.indexing import rebuild_index
    from storefront.catalog.services import visible_products_query

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    visible = db.session.scalars(visible_products_query()).all()
    assert len(visible) >= 40
    for backend in BACKENDS:
        idx = search.open_index(backend, engine=db.engine)
        assert rebuild_index(idx, db.session) == len(visible)
        missed = {}
        for product in visible:
            typed = fold(product.name_vi)  # "Chè Tân Cương" -> "che tan cuong"
            top = search.search_products(idx, typed, limit=5).ids
            if product.id not in top:
                missed[typed] = top
        assert (backend, missed) == (backend, {})
        idx.close()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SEARCH_BACKEND": "elastic"}, "SEARCH_BACKEND must be"),
        ({"SEARCH_BACKEND": "postgres", "SQLALCHEMY_DATABASE_URI": "sqlite://"}, "must be PostgreSQL"),
    ],
)
def test_the_app_refuses_to_start_with_a_search_backend_it_cannot_serve(settings, message):
    from config import TestConfig
    from storefront import create_app

    with pytest.raises(RuntimeError, match=message):
        create_app(type("BadSearch", (TestConfig,), settings))

"""Unit tests for catalog search on an in-memory Whoosh index."""

import threading
import unicodedata

import pytest

from storefront.catalog import search


def make_doc(id, name, **kw):
    doc = {
        "id": id,
        "name": name,
        "name_en": "",
        "producer": "HTX Nông nghiệp",
        "group": "1",
        "group_name": "Thực phẩm",
        "commune": "",
        "district_legacy": "",
        "description": "",
        "ward_code": "05500",
        "stars": 3,
        "price_vnd": 100_000,
        "in_stock": True,
    }
    doc.update(kw)
    return doc


DOCS = [
    make_doc(1, "Chè Tân Cương búp", commune="Tân Cương", stars=5, price_vnd=300_000),
    make_doc(2, "Miến dong Việt Cường", district_legacy="Đại Từ", stars=4, price_vnd=60_000),
    make_doc(3, "Chè đậu xanh", group="2", group_name="Đồ uống", stars=0, in_stock=False),
    make_doc(4, "Mật ong hoa rừng Võ Nhai", producer="HTX Mật ong Tràng Xá", ward_code="05700"),
    make_doc(5, "Gạo nếp vải", description="Gạo nếp thơm trồng hữu cơ ở La Bằng", stars=4),
    make_doc(6, "Trà xanh túi lọc", name_en="Green tea bags", description="Làm từ chè búp"),
]


@pytest.fixture
def idx():
    index = search.SearchIndex.open(None)
    search.rebuild(index, DOCS)
    yield index
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


def test_d_with_stroke_folds_to_d():
    assert search.query_terms("Đại Từ đậu") == ["dai", "tu", "dau"]


def test_decomposed_input_does_not_split_words():
    assert search.query_terms(unicodedata.normalize("NFD", "Cương")) == ["cuong"]


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


def test_exact_match_ranks_above_typo_match():
    index = search.SearchIndex.open(None)
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
    index.close()


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


def test_long_query_is_cut_to_max_terms():
    words = " ".join(f"w{i}" for i in range(50))
    assert len(search.query_terms(words)) == search.MAX_QUERY_TERMS


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_suggest_never_raises(idx, query):
    assert isinstance(search.suggest(idx, query), list)


def test_suggest_matches_name_prefix_folded(idx):
    assert search.suggest(idx, "Chè T") == [{"id": 1, "name": "Chè Tân Cương búp"}]
    assert {s["id"] for s in search.suggest(idx, "che")} == {1, 3}


def test_suggest_puts_names_starting_with_prefix_first(idx):
    assert search.suggest(idx, "xanh")[0]["id"] == 3
    index = search.SearchIndex.open(None)
    search.rebuild(index, [make_doc(1, "Trà chè xanh"), make_doc(2, "Chè xanh")])
    assert [s["id"] for s in search.suggest(index, "ch")] == [2, 1]
    index.close()


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


def test_open_creates_directory_and_reopens_index(tmp_path):
    path = tmp_path / "instance" / "search"
    index = search.SearchIndex.open(path)
    search.index_products(index, DOCS[:2])
    index.close()
    reopened = search.SearchIndex.open(str(path))
    assert search.doc_count(reopened) == 2
    reopened.close()


def test_open_recreates_corrupt_index(tmp_path):
    index = search.SearchIndex.open(tmp_path)
    search.index_products(index, DOCS)
    index.close()
    for toc in tmp_path.glob("*.toc"):
        toc.write_bytes(b"garbage")
    reopened = search.SearchIndex.open(tmp_path)
    assert search.doc_count(reopened) == 0
    reopened.close()


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


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e"])
def test_format_characters_inside_a_word_are_dropped_from_the_query(invisible):
    assert search.query_terms(f"Ch{invisible}è Tân Cương") == ["che", "tan", "cuong"]


def test_a_query_with_a_zero_width_space_finds_what_the_plain_query_finds(idx):
    plain = search.search_products(idx, "Chè Tân Cương")
    assert search.search_products(idx, "Ch\u200bè T\u200bân Cương").ids == plain.ids and plain.ids


def test_format_characters_in_a_name_are_dropped_when_indexing():
    idx = search.SearchIndex.open(None)
    search.index_product(idx, {"id": 1, "name": "Ch\u200bè T\u2060ân Cương", "price_vnd": 1})
    assert search.search_products(idx, "che tan cuong").ids == [1]


def test_a_failed_commit_releases_the_write_lock(monkeypatch):
    """Whoosh keeps the lock of a writer whose commit raised: every later catalogue change then
    waited WRITER_TIMEOUT (30 s) in its request and failed too (found by tests/fuzz uploads)."""
    from whoosh.writing import SegmentWriter

    idx = search.SearchIndex.open(None)  # not the fixture: its closing would wait on a stuck writer
    search.rebuild(idx, DOCS)
    monkeypatch.setattr(search, "WRITER_TIMEOUT", 0.5)
    real_commit = SegmentWriter.commit

    def failing_commit(self, *args, **kwargs):
        raise AssertionError("as whoosh's create_compound_file did")

    monkeypatch.setattr(SegmentWriter, "commit", failing_commit)
    with pytest.raises(AssertionError):
        search.index_product(idx, make_doc(90, "Trà hoa vàng"))
    monkeypatch.setattr(SegmentWriter, "commit", real_commit)
    # Before the fix this write waited for the lock for ever (in memory) or WRITER_TIMEOUT (on disk).
    writing = threading.Thread(target=search.index_product, args=(idx, make_doc(91, "Miến dong")), daemon=True)
    writing.start()
    writing.join(timeout=10)
    assert not writing.is_alive(), "the failed writer still holds the index's lock"
    assert 91 in search.search_products(idx, "mien dong").ids
    idx.close()

"""Product search behind one facade, on the backend the configuration names (SEARCH_BACKEND).

- ``whoosh`` (the default): an index in a folder of this server (whoosh_backend.py); nothing
  to run, one server.
- ``postgres``: two tables in the shop's PostgreSQL database (postgres_backend.py), shared by
  every app server and worker, written in the process that committed the change.

Callers use the functions below with the index `open_index` returns; both backends take the
same folded words and cleaned filters (query.py) and answer the same SearchResult, and both pass
tests/integration/test_search_backends.py. Another kind of document (articles, say) gets its
own `search_<kind>` function and tables or index next to these, reusing query.py's folding.
The Whoosh backend (whoosh's index, codec and reader modules) is imported by open_index when it is
the one configured: a server on PostgreSQL search never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from storefront.catalog.search.postgres_backend import PostgresIndex
from storefront.catalog.search.query import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    SearchResult,
    clean_filters,
    page_window,
    query_terms,
)

if TYPE_CHECKING:
    from storefront.catalog.search.whoosh_backend import WhooshIndex

__all__ = [
    "BACKENDS",
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TERMS",
    "PostgresIndex",
    "SearchResult",
    "doc_count",
    "index_product",
    "index_products",
    "indexed_in_stock",
    "open_index",
    "query_terms",
    "rebuild",
    "remove_product",
    "remove_products",
    "search_products",
    "suggest",
]

BACKENDS = ("whoosh", "postgres")


def open_index(backend: str = "whoosh", *, path=None, engine=None) -> WhooshIndex | PostgresIndex:
    """Open the search index of `backend`: a Whoosh folder at `path` (None: in memory), or PostgreSQL through `engine`."""
    if backend == "whoosh":
        from storefront.catalog.search.whoosh_backend import WhooshIndex

        return WhooshIndex.open(path)
    if backend == "postgres":
        return PostgresIndex(engine)
    raise ValueError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")


def index_product(idx, doc: dict) -> None:
    """Add or update one product."""
    idx.index([doc])


def index_products(idx, docs: Iterable[dict]) -> None:
    """Add or update products, matched by their `id`."""
    idx.index(docs)


def remove_product(idx, product_id: int) -> None:
    """Remove a product from the index; unknown ids are ignored."""
    idx.remove([product_id])


def remove_products(idx, product_ids: Iterable[int]) -> None:
    """Remove products in one write; unknown ids are ignored."""
    idx.remove(product_ids)


def rebuild(idx, docs: Iterable[dict], progress: Callable | None = None) -> int:
    """Replace the whole index with `docs` at once and return how many were added; a failure keeps the old one."""
    return idx.rebuild(docs, progress)


def indexed_in_stock(idx, product_ids: Iterable[int]) -> dict[int, bool]:
    """Return {product id: the in-stock flag the index holds} for those of the ids it holds."""
    return idx.indexed_in_stock(product_ids)


def doc_count(idx) -> int:
    """Return the number of products in the index."""
    return idx.doc_count()


def search_products(
    idx, query: str, *, filters: dict | None = None, limit: int | None = 20, page: int = 1
) -> SearchResult:
    """Return one page of product ids matching `query`, with facet counts over all matches.

    `limit=None` returns every match, best first (for pages sorted by something else).

    Every word must match (in any text field); if that finds nothing and there are several
    words, any word may match instead. Words of 5+ letters also match with one typo, but a
    product matching every word exactly ranks above any that needs a typo to match. An
    empty query (or one of punctuation only) returns an empty result, filters or not.
    """
    filters = clean_filters(filters)
    words = query_terms(query)
    if not words:
        return SearchResult()
    return idx.search(words, filters, page_window(limit, page))


def suggest(idx, prefix: str, limit: int = 8) -> list[dict]:
    """Return products whose name has the words of `prefix`, the last one as a prefix.

    Names starting with what was typed come first ("Chè T" → "Chè Tân Cương ..."), then
    shorter names. A lone one-letter prefix suggests nothing: it would match most names.
    """
    words = query_terms(prefix)
    if not words or (len(words) == 1 and len(words[0]) < 2):
        return []
    return idx.suggest(words, max(1, min(int(limit), MAX_LIMIT)))

"""The shared search backend: product documents in two PostgreSQL tables, seen by every server at once.

`search_documents` holds one row per visible product: its text as a weighted tsvector (name A,
producer, commune and other names B, description C), folded by `unaccent` (which maps đ/Đ to
d/D; tests/integration/test_search_backends.py checks every Vietnamese letter against the
Python folding), and the columns the filters, facets and type-ahead read. `search_words` is the
vocabulary of those lexemes with a pg_trgm index: a typo finds its candidates there, and only
the ones one letter apart (as the Whoosh backend decides it) count. A write also drops the
words its products lost that no document has any more (a renamed or removed product's), so a
typo is never corrected to a word that finds nothing. Rows are written after the commit that
changed the product, by the committing process (one short transaction), so no index process is
needed. The tables exist on SQLite too (create_all, migrations) but stay empty.
"""

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

from storefront.catalog.search.query import FUZZY_MIN_LENGTH, SearchResult, document_text, one_edit_apart
from storefront.extensions import db

#: The PostgreSQL extensions this backend needs; a migration creates them (and create_all, for the tests).
EXTENSIONS = ("unaccent", "pg_trgm")
#: ts_rank weights of the D, C, B, A parts: the name weighs most, as in the Whoosh backend (3 : 1.5 : 1).
RANK_WEIGHTS = "{0.1, 0.33, 0.5, 1.0}"
#: Rows written per statement by a rebuild.
REBUILD_BATCH = 500
#: pg_advisory_xact_lock key: two rebuilds at once (two servers starting) take turns.
REBUILD_LOCK = 0x5EA2C4
#: pg_advisory_xact_lock key: writers of the vocabulary take turns, so a word one drops as unused is
#: never a word another has just given a document (not yet committed, so not seen by the drop).
VOCABULARY_LOCK = 0x5EA2C5

search_documents = sa.Table(
    "search_documents",
    db.metadata,
    # No foreign key, as a Whoosh index has none: the after-commit hook removes a deleted product's row.
    sa.Column("product_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.Text, nullable=False),
    #: The whole folded name, so type-ahead can rank names starting with what was typed first.
    sa.Column("name_key", sa.Text, nullable=False),
    sa.Column("name_words", sa.Integer, nullable=False),
    sa.Column("document", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=False),
    sa.Column("ocop_group", sa.Text, nullable=False),
    sa.Column("stars", sa.Integer, nullable=False),
    sa.Column("ward_code", sa.Text, nullable=False),
    #: Folded pre-2025 district name, for the legacy-district filter.
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("price_vnd", sa.BigInteger, nullable=False),
    sa.Column("in_stock", sa.Boolean, nullable=False),
    sa.Index("ix_search_documents_document", "document", postgresql_using="gin"),
)

search_words = sa.Table(
    "search_words",
    db.metadata,
    sa.Column("word", sa.Text, primary_key=True),
    sa.Index("ix_search_words_trigrams", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
)

for _name in EXTENSIONS:
    # The tests build the schema with create_all; deployments run the migration that does the same.
    sa.event.listen(
        db.metadata,
        "before_create",
        sa.DDL(f"CREATE EXTENSION IF NOT EXISTS {_name}").execute_if(dialect="postgresql"),
    )

_FOLDED = "to_tsvector('simple', unaccent(CAST(:{} AS text)))"
_UPSERT = sa.text(
    "INSERT INTO search_documents (product_id, name, name_key, name_words, document, ocop_group, stars,"
    " ward_code, district, price_vnd, in_stock) VALUES (:id, :name, :name_key, :name_words, "
    f"setweight({_FOLDED.format('name')}, 'A') || setweight({_FOLDED.format('meta')}, 'B')"
    f" || setweight({_FOLDED.format('description')}, 'C'), "
    ":group, :stars, :ward_code, :district, :price_vnd, :in_stock) "
    "ON CONFLICT (product_id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,"
    " name_words = excluded.name_words, document = excluded.document, ocop_group = excluded.ocop_group,"
    " stars = excluded.stars, ward_code = excluded.ward_code, district = excluded.district,"
    " price_vnd = excluded.price_vnd, in_stock = excluded.in_stock"
)
_WORDS_OF = sa.text(
    "SELECT DISTINCT unnest(tsvector_to_array(document)) FROM search_documents WHERE product_id = ANY(:ids)"
)
#: Drop candidate words no document has (each looked up through the documents' GIN index).
_DROP_UNUSED_WORDS = sa.text(
    "DELETE FROM search_words s USING unnest(CAST(:words AS text[]), CAST(:queries AS tsquery[])) AS c(word, q)"
    " WHERE s.word = c.word AND NOT EXISTS (SELECT 1 FROM search_documents d WHERE d.document @@ c.q)"
)
_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)")
_ADD_WORDS = sa.text(
    "INSERT INTO search_words (word) SELECT DISTINCT unnest(tsvector_to_array(document)) FROM search_documents"
    " WHERE product_id = ANY(:ids) ORDER BY 1 ON CONFLICT DO NOTHING"
)
#: Words of the vocabulary that share the first letter and enough trigrams with a query word.
#: pg_trgm's default threshold (0.3) keeps every word one edit from a 5-letter one (at least 3/9).
_NEAR_WORDS = sa.text(
    "SELECT q.w, s.word FROM unnest(CAST(:words AS text[])) AS q(w)"
    " JOIN search_words s ON s.word % q.w AND left(s.word, 1) = left(q.w, 1) AND s.word <> q.w"
)
_FILTERS = {
    "group": "ocop_group = :group",
    "ward_code": "ward_code = :ward_code",
    "district": "district = :district",
    "min_stars": "stars >= :min_stars",
    "in_stock": "in_stock",
    "price_min": "price_vnd >= :price_min",
    "price_max": "price_vnd <= :price_max",
}


class PostgresIndex:
    """Product search in the shop's own PostgreSQL database."""

    #: Every server reads the same rows: a write is seen everywhere as soon as it commits.
    shared = True

    def __init__(self, engine: sa.Engine):
        if engine.dialect.name != "postgresql":
            raise ValueError("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL")
        self._engine = engine

    def close(self) -> None:
        """Nothing to close: connections belong to the engine's pool."""

    # Writing

    def index(self, docs: Iterable[dict]) -> None:
        """Add or update products, matched by their `id`."""
        rows = sorted((_row(doc) for doc in docs), key=lambda row: row["id"])  # one lock order for every writer
        if not rows:
            return
        ids = [row["id"] for row in rows]
        with self._engine.begin() as conn:
            conn.execute(_LOCK, {"key": VOCABULARY_LOCK})
            before = set(conn.scalars(_WORDS_OF, {"ids": ids}))
            conn.execute(_UPSERT, rows)
            conn.execute(_ADD_WORDS, {"ids": ids})
            if before:  # a new text (not a stock or price change) may have lost words
                _drop_unused_words(conn, before - set(conn.scalars(_WORDS_OF, {"ids": ids})))

    def remove(self, product_ids: Iterable[int]) -> None:
        """Remove products (unknown ids are ignored) and the words no other product has."""
        ids = sorted({int(i) for i in product_ids})
        if ids:
            with self._engine.begin() as conn:
                conn.execute(_LOCK, {"key": VOCABULARY_LOCK})
                words = set(conn.scalars(_WORDS_OF, {"ids": ids}))
                conn.execute(search_documents.delete().where(search_documents.c.product_id.in_(ids)))
                _drop_unused_words(conn, words)

    def rebuild(self, docs: Iterable[dict], progress: Callable | None = None) -> int:
        """Replace every row with `docs` in one transaction and return how many were added."""
        added = 0
        with self._engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": REBUILD_LOCK})
            conn.execute(search_documents.delete())
            batch = []
            for doc in docs:
                batch.append(_row(doc))
                if len(batch) == REBUILD_BATCH:
                    added = _insert_batch(conn, batch, added, progress)
            added = _insert_batch(conn, batch, added, progress)
            conn.execute(_LOCK, {"key": VOCABULARY_LOCK})
            conn.execute(search_words.delete())
            conn.execute(
                sa.text(
                    "INSERT INTO search_words (word) SELECT DISTINCT unnest(tsvector_to_array(document))"
                    " FROM search_documents"
                )
            )
        return added

    # Reading

    def doc_count(self) -> int:
        with self._engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(search_documents))

    def indexed_in_stock(self, product_ids: Iterable[int]) -> dict[int, bool]:
        ids = [int(i) for i in product_ids]
        table = search_documents
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.product_id, table.c.in_stock).where(table.c.product_id.in_(ids)))
            return dict(rows.all())

    def search(self, words: list[str], filters: dict, window: tuple[int, int] | None) -> SearchResult:
        """Search folded `words` (see the facade's search_products for the rules)."""
        where = "".join(f" AND {_FILTERS[key]}" for key in filters)
        params = {key: value for key, value in filters.items() if key != "in_stock"}
        with self._engine.connect() as conn:
            variants = _variants(conn, [w for w in words if len(w) >= FUZZY_MIN_LENGTH])
            groups = [[w, *variants.get(w, ())] for w in words]
            for op in (" & ", " | "):
                fuzzy = _tsquery(groups, op)
                counts = conn.execute(
                    sa.text(
                        "SELECT ocop_group, stars, count(*) FROM search_documents"
                        f" WHERE document @@ CAST(:fuzzy AS tsquery){where} GROUP BY ocop_group, stars"
                    ),
                    {"fuzzy": fuzzy, **params},
                ).all()
                if counts or len(words) == 1:
                    break
            corrected = _corrected(conn, words, variants)
            if not counts:
                return SearchResult(corrected=corrected)
            offset, count = window or (0, None)
            ids = conn.scalars(
                sa.text(
                    "SELECT product_id FROM search_documents"
                    f" WHERE document @@ CAST(:fuzzy AS tsquery){where}"
                    " ORDER BY document @@ CAST(:exact AS tsquery) DESC,"
                    f" ts_rank('{RANK_WEIGHTS}', document, CAST(:fuzzy AS tsquery)) DESC, name_words, product_id"
                    " LIMIT :count OFFSET :offset"
                ),
                {
                    "fuzzy": fuzzy,
                    "exact": _tsquery([[w] for w in words], op),
                    "count": count,
                    "offset": offset,
                    **params,
                },
            ).all()
        facets = {"group": {}, "stars": {}}
        for group, stars, n in counts:
            if group:
                facets["group"][group] = facets["group"].get(group, 0) + n
            facets["stars"][stars] = facets["stars"].get(stars, 0) + n
        return SearchResult(ids=list(ids), total=sum(n for *_key, n in counts), facets=facets, corrected=corrected)

    def suggest(self, words: list[str], limit: int) -> list[dict]:
        """Return products whose name has `words`, the last one as a prefix (see the facade)."""
        *whole, last = words
        query = " & ".join([*(f"{_lexeme(w)}:A" for w in whole), f"{_lexeme(last)}:*A"])
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT product_id, name FROM search_documents WHERE document @@ CAST(:query AS tsquery)"
                    " ORDER BY NOT starts_with(name_key, :typed), name_words, product_id LIMIT :limit"
                ),
                {"query": query, "typed": " ".join(words), "limit": limit},
            ).all()
        return [{"id": product_id, "name": name} for product_id, name in rows]


def _row(doc: dict) -> dict:
    return document_text(doc)


def _drop_unused_words(conn, words: set[str]) -> None:
    if words:
        ordered = sorted(words)
        conn.execute(_DROP_UNUSED_WORDS, {"words": ordered, "queries": [_lexeme(w) for w in ordered]})


def _insert_batch(conn, batch: list, added: int, progress) -> int:
    if batch:
        conn.execute(_UPSERT, batch)
        added += len(batch)
        batch.clear()
        if progress:
            progress(added)
    return added


def _lexeme(word: str) -> str:
    """Quote a folded word as one tsquery lexeme (never parsed as an operator)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery(groups: list[list[str]], op: str) -> str:
    return op.join("(" + " | ".join(_lexeme(term) for term in group) + ")" for group in groups)


def _variants(conn, words: list[str]) -> dict[str, list[str]]:
    if not words:
        return {}
    found = {}
    for word, near in conn.execute(_NEAR_WORDS, {"words": words}):
        if one_edit_apart(word, near):
            found.setdefault(word, []).append(near)
    return {word: sorted(near) for word, near in found.items()}


def _corrected(conn, words: list[str], variants: dict) -> str | None:
    candidates = [w for w in words if variants.get(w)]
    if not candidates:
        return None
    terms = sorted({t for w in candidates for t in (w, *variants[w])})
    frequency = dict(
        conn.execute(
            sa.text(
                "SELECT t, (SELECT count(*) FROM search_documents WHERE document @@ CAST(quote_literal(t) AS tsquery))"
                " FROM unnest(CAST(:terms AS text[])) AS t"
            ),
            {"terms": terms},
        ).all()
    )
    replaced = [
        max(variants[w], key=lambda v: frequency.get(v, 0)) if w in candidates and not frequency.get(w) else w
        for w in words
    ]
    return " ".join(replaced) if replaced != words else None

"""Full-text product search over a Whoosh index: the only module that imports whoosh."""

import heapq
import itertools
import math
import secrets
import threading
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.reading import TermNotFound
from whoosh.support.charset import accent_map
from whoosh.writing import CLEAR

from storefront.text import drop_format_chars

#: Longest query text we look at, and most words we build a query from: bounds the cost of
#: a hostile or pasted query.
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 10
MAX_LIMIT = 100
#: Most index terms one type-ahead prefix expands to.
MAX_PREFIX_TERMS = 200
#: Words this long or longer may match with one typo (Damerau-Levenshtein distance 1).
FUZZY_MIN_LENGTH = 5
#: Seconds a writer waits for another process (e.g. `flask catalog reindex`) to release the lock.
WRITER_TIMEOUT = 30.0

# No stop filter: StandardAnalyzer's English stop list would drop folded Vietnamese words
# such as "an" (An Khánh) or "to" (tô), and its minsize=2 would drop "o", "a".
ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)

#: Text fields searched, with their query-time boost; the name weighs most.
TEXT_FIELDS = (("name", 3.0), ("meta", 1.5), ("description", 1.0))
#: Document keys folded into the single "meta" field: fewer fields means fewer term
#: lookups per query word, which is most of the search cost.
META_KEYS = ("name_en", "producer", "group_name", "commune", "district_legacy")
#: Per-document columns read into lists once per searcher, for filters, facets and ranking.
COLUMNS = ("id", "name_key", "group", "stars", "ward_code", "district", "price_vnd", "in_stock", "name_words")
#: Most posting sets kept per searcher; a set of 20k ints is about 1 MB.
POSTINGS_CACHE_SIZE = 2000
#: Most document numbers held by all cached posting sets of one searcher (~50 bytes each: ~10 MB,
#: part of a worker's 120 MB budget; at 1,000,000 workers peaked at 201 MB in the bench).
POSTINGS_CACHE_DOCS = 200_000
# BM25 constants, used only for the name length normalisation.
K1, B = 1.2, 0.75
FILTER_KEYS = frozenset({"group", "min_stars", "ward_code", "district", "in_stock", "price_min", "price_max"})

SCHEMA = Schema(
    id=NUMERIC(int, bits=64, stored=True, unique=True, sortable=True),
    name=TEXT(analyzer=ANALYZER, stored=True, phrase=False),
    #: The whole folded name as one term, so type-ahead can rank "starts with" first.
    name_key=ID(sortable=True),
    meta=TEXT(analyzer=ANALYZER, phrase=False),
    description=TEXT(analyzer=ANALYZER, phrase=False),
    # Filter and facet fields are columns: filtering a match set by list lookups is far
    # cheaper than running Whoosh range and term queries in pure Python.
    group=ID(sortable=True),
    stars=NUMERIC(int, bits=8, sortable=True),
    ward_code=ID(sortable=True),
    #: Folded pre-2025 district name, for the legacy-district filter.
    district=ID(sortable=True),
    price_vnd=NUMERIC(int, bits=64, sortable=True),
    in_stock=NUMERIC(int, bits=8, sortable=True),
    #: Words in the name, so shorter names rank first among equal matches.
    name_words=NUMERIC(int, bits=16, sortable=True),
)


@dataclass
class SearchResult:
    ids: list[int] = field(default_factory=list)
    total: int = 0
    facets: dict = field(default_factory=lambda: {"group": {}, "stars": {}})
    corrected: str | None = None


class _Lease:
    """One searcher plus how many searches are using it, so it is closed only when idle."""

    def __init__(self, searcher, generation):
        self.searcher = searcher
        self.generation = generation
        self.users = 0
        self.retired = False
        self._columns = None
        self._postings = {}
        self._postings_docs = 0
        # Whoosh's readers seek() and read() one shared file object: two threads reading at
        # once corrupt each other's reads (zlib errors, then crashed workers under gthread).
        self.read_lock = threading.Lock()

    @property
    def columns(self) -> dict:
        if self._columns is None:
            reader = self.searcher.reader()
            columns = {name: list(reader.column_reader(name)) for name in COLUMNS}
            lengths = columns["name_words"]
            average = (sum(lengths) / len(lengths) if lengths else 1.0) or 1.0
            columns["name_norm"] = [(K1 + 1) / (1 + K1 * (1 - B + B * length / average)) for length in lengths]
            self._columns = columns
        return self._columns

    def postings(self, fieldname: str, word: str) -> frozenset:
        # Whoosh's matcher trees cost about a microsecond per posting per query in pure
        # Python (70-250 ms for a common word at 20k products); a cached set makes AND/OR
        # a C-level set operation. Deleted documents are already excluded by Whoosh.
        key = (fieldname, word)
        found = self._postings.get(key)
        if found is None:
            ids = []
            for reader, offset in self.searcher.reader().leaf_readers():
                try:
                    ids.extend(docnum + offset for docnum in reader.postings(fieldname, word).all_ids())
                except TermNotFound:
                    pass
            found = frozenset(ids)
            if len(self._postings) >= POSTINGS_CACHE_SIZE or self._postings_docs + len(found) > POSTINGS_CACHE_DOCS:
                self._postings.clear()
                self._postings_docs = 0
            self._postings[key] = found
            self._postings_docs += len(found)
        return found


class _PrivateTempRamStorage(RamStorage):
    """RAM storage whose writers' scratch folders are private to this index.

    Whoosh names a RAM index writer's scratch folder `<tmp>/MAIN.tmp` and deletes the whole
    folder when done, so two in-memory indexes writing at once (parallel test runs, two apps
    in one process) delete each other's files mid-commit.
    """

    def temp_storage(self, name=None):
        return super().temp_storage(f"{name or 'index'}-{secrets.token_hex(8)}")


class SearchIndex:
    """A Whoosh index with one shared searcher, reopened only after the index changes."""

    def __init__(self, ix):
        self._ix = ix
        self._lock = threading.Lock()
        self._lease = None

    @classmethod
    def open(cls, path: str | Path | None) -> "SearchIndex":
        """Open the index in directory `path`, creating it if missing; None means in memory."""
        if path is None:
            return cls(_PrivateTempRamStorage().create_index(SCHEMA))
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        # Whoosh leaves an unreadable TOC file open; it is closed, with a ResourceWarning,
        # when the exception is dropped. The warning says nothing we do not handle here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                ix = whoosh_index.open_dir(str(path))
            except Exception:  # missing, empty or corrupt TOC/segments: same remedy below
                ix = None
        # An index written with another schema would fail at query time; it is a derived
        # cache, so start empty and let `flask catalog reindex` fill it.
        if ix is None or _signature(ix.schema) != _signature(SCHEMA):
            ix = whoosh_index.create_in(str(path), SCHEMA)
        return cls(ix)

    def close(self) -> None:
        """Close the shared searcher once no search is using it."""
        with self._lock:
            if self._lease:
                self._retire(self._lease)
                self._lease = None

    def _retire(self, lease: _Lease) -> None:
        lease.retired = True
        if lease.users == 0:
            lease.searcher.close()

    def _acquire(self) -> _Lease:
        with self._lock:
            lease = self._lease
            # latest_generation() is a directory listing (microseconds); it also notices
            # writes by other processes. We open a new searcher instead of calling
            # Searcher.refresh(): in Whoosh-Reloaded 2.7.5 refresh() raises TypeError on a
            # single-segment reader and re-adds merged-away segments on a multi-segment one.
            generation = self._ix.latest_generation()
            if lease is None or lease.generation != generation:
                if lease is not None:
                    self._retire(lease)
                lease = self._lease = _Lease(self._ix.searcher(), generation)
            lease.users += 1
        # Taken outside self._lock, so a search waiting here never blocks _release.
        lease.read_lock.acquire()
        return lease

    def _release(self, lease: _Lease) -> None:
        lease.read_lock.release()
        with self._lock:
            lease.users -= 1
            if lease.retired and lease.users == 0:
                lease.searcher.close()

    def _write(self, fill: Callable, *, mergetype=None, **writer_kw) -> None:
        with self._lock:
            writer = self._ix.writer(timeout=WRITER_TIMEOUT, **writer_kw)
            try:
                changed = fill(writer)
            except BaseException:
                writer.cancel()
                raise
            if not (changed or mergetype is CLEAR):
                writer.cancel()
                return
            try:
                writer.commit(**({"mergetype": mergetype} if mergetype else {}))
            except BaseException:
                _release_failed(writer)
                raise


def _release_failed(writer) -> None:
    """Free the lock of a writer whose commit failed: Whoosh keeps it then, and every later write
    (each catalogue change) would wait WRITER_TIMEOUT for it and fail too."""
    try:
        writer.cancel()
    except Exception:  # the half-written segment cannot be closed either: the lock is what matters
        if getattr(writer, "writelock", None):
            writer.writelock.release()


def _signature(schema) -> list:
    return [(name, type(schema[name]).__name__, schema[name].column_type is not None) for name in schema.names()]


def index_product(idx: SearchIndex, doc: dict) -> None:
    """Add or update one product."""
    index_products(idx, [doc])


def index_products(idx: SearchIndex, docs: Iterable[dict]) -> None:
    """Add or update products, matched by their `id`."""

    def fill(writer):
        count = 0
        for doc in docs:
            writer.update_document(**_fields(doc))
            count += 1
        return count

    idx._write(fill)


def remove_product(idx: SearchIndex, product_id: int) -> None:
    """Remove a product from the index; unknown ids are ignored."""
    remove_products(idx, [product_id])


def remove_products(idx: SearchIndex, product_ids: Iterable[int]) -> None:
    """Remove products from the index in one commit; unknown ids are ignored."""

    def fill(writer):
        return sum(writer.delete_by_term("id", int(product_id)) for product_id in product_ids)

    idx._write(fill)


def rebuild(idx: SearchIndex, docs: Iterable[dict], progress: Callable | None = None) -> int:
    """Replace the whole index with `docs` in one commit and return how many were added."""
    added = 0

    def fill(writer):
        nonlocal added
        for doc in docs:
            # add_document, not update: CLEAR drops every old segment at commit, so there
            # is nothing to delete, and searches keep seeing the old index until then.
            writer.add_document(**_fields(doc))
            added += 1
            if progress:
                progress(added)
        return added

    # procs=1: a multiprocessing writer buys little at 20k small docs and forks a web worker.
    idx._write(fill, mergetype=CLEAR, procs=1, limitmb=128)
    return added


def indexed_in_stock(idx: SearchIndex, product_ids: Iterable[int]) -> dict[int, bool]:
    """Return {product id: the in-stock flag the index holds} for those of the ids it holds."""
    lease = idx._acquire()
    try:
        searcher, flags = lease.searcher, {}
        for product_id in product_ids:
            docnum = searcher.document_number(id=int(product_id))
            if docnum is not None:
                flags[int(product_id)] = bool(lease.columns["in_stock"][docnum])
        return flags
    finally:
        idx._release(lease)


def doc_count(idx: SearchIndex) -> int:
    """Return the number of live documents in the index."""
    lease = idx._acquire()
    try:
        return lease.searcher.doc_count()
    finally:
        idx._release(lease)


def search_products(
    idx: SearchIndex, query: str, *, filters: dict | None = None, limit: int | None = 20, page: int = 1
) -> SearchResult:
    """Return one page of product ids matching `query`, with facet counts over all matches.

    `limit=None` returns every match, best first (for pages sorted by something else).

    Every word must match (in any text field); if that finds nothing and there are several
    words, any word may match instead. Words of 5+ letters also match with one typo, but a
    product matching every word exactly ranks above any that needs a typo to match. An
    empty query (or one of punctuation only) returns an empty result, filters or not.
    """
    keep = _filter_predicate(filters or {})
    words = query_terms(query)
    if not words:
        return SearchResult()
    if limit is not None:
        limit = max(1, min(int(limit), MAX_LIMIT))
        end = max(1, int(page)) * limit

    lease = idx._acquire()
    try:
        reader = lease.searcher.reader()
        variants = {w: _variants(reader, w) for w in words if len(w) >= FUZZY_MIN_LENGTH}
        exact_sets = [_union(lease, [w]) for w in words]
        fuzzy_sets = [_union(lease, [w, *variants.get(w, ())]) for w in words]
        for combine in (frozenset.intersection, frozenset.union):
            exact = combine(*exact_sets)
            matched = combine(*fuzzy_sets)
            if keep:
                columns = lease.columns
                matched = {d for d in matched if keep(columns, d)}
                exact = exact & matched
            if matched:
                break
        corrected = _corrected(reader, words, variants)
        if not matched:
            return SearchResult(corrected=corrected)

        scores = _scores(lease, reader, words, variants, matched)
        if limit is None:
            limit = end = len(matched)
        # Two tiers: products matching every word exactly first, then typo matches.
        top = heapq.nlargest(end, matched, key=lambda d: (d in exact, scores.get(d, 0.0), -d))
        ids = lease.columns["id"]
        return SearchResult(
            ids=[ids[d] for d in top[end - limit :]],
            total=len(matched),
            facets=_facets(lease.columns, matched),
            corrected=corrected,
        )
    finally:
        idx._release(lease)


def suggest(idx: SearchIndex, prefix: str, limit: int = 8) -> list[dict]:
    """Return products whose name has the words of `prefix`, the last one as a prefix.

    Names starting with what was typed come first ("Chè T" → "Chè Tân Cương ..."), then
    shorter names. A lone one-letter prefix suggests nothing: it would match most names.
    """
    words = query_terms(prefix)
    if not words:
        return []
    *whole, last = words
    if not whole and len(last) < 2:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    lease = idx._acquire()
    try:
        reader = lease.searcher.reader()
        # Built from cached posting sets, not a Whoosh Prefix query: that one walks every
        # posting of every expanded term in Python (seconds for a short prefix at 20k).
        terms = [
            t.decode("utf-8") if isinstance(t, bytes) else t
            for t in itertools.islice(reader.expand_prefix("name", last), MAX_PREFIX_TERMS)
        ]
        matched = frozenset().union(*(lease.postings("name", t) for t in terms))
        for word in whole:
            matched &= lease.postings("name", word)
        if not matched:
            return []
        columns = lease.columns
        typed, keys, lengths = " ".join(words), columns["name_key"], columns["name_words"]
        top = heapq.nsmallest(limit, matched, key=lambda d: (not (keys[d] or "").startswith(typed), lengths[d], d))
        stored = lease.searcher.stored_fields
        return [{"id": columns["id"][d], "name": stored(d)["name"]} for d in top]
    finally:
        idx._release(lease)


def query_terms(text: str) -> list[str]:
    """Fold user text into at most MAX_QUERY_TERMS distinct lowercase unaccented words."""
    if not isinstance(text, str):
        return []
    words = dict.fromkeys(_fold(text[:MAX_QUERY_CHARS]))
    return list(words)[:MAX_QUERY_TERMS]


def _fold(text: str) -> list[str]:
    # NFC first: decomposed input (NFD, common from macOS and some keyboards) puts
    # combining marks between letters, and the tokenizer would split words on them.
    # Format characters (a zero-width space pasted from chat apps) would split a word in two.
    return [token.text for token in ANALYZER(unicodedata.normalize("NFC", drop_format_chars(text)))]


def _fields(doc: dict) -> dict:
    name = _nfc(doc["name"])
    fields = {
        "id": int(doc["id"]),
        "name": name,
        "name_key": " ".join(_fold(name)) if name else None,
        "meta": " ".join(_nfc(doc.get(key)) for key in META_KEYS),
        "description": _nfc(doc.get("description")),
        "group": str(doc.get("group") or "") or None,
        "stars": int(doc.get("stars") or 0),
        "ward_code": str(doc.get("ward_code") or "") or None,
        "district": " ".join(_fold(_nfc(doc.get("district_legacy")))) or None,
        "price_vnd": int(doc.get("price_vnd") or 0),
        "in_stock": int(bool(doc.get("in_stock"))),
        "name_words": len(_fold(name)),
    }
    # Whoosh would index an empty ID as a term of its own; leave such fields out.
    return {key: value for key, value in fields.items() if value is not None}


def _nfc(value) -> str:
    return unicodedata.normalize("NFC", drop_format_chars(str(value))) if value else ""


def _filter_predicate(filters: dict):
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise ValueError(f"unknown search filters: {sorted(unknown)}")
    tests = []
    if filters.get("group"):
        group = str(filters["group"])
        tests.append(lambda c, d: c["group"][d] == group)
    if filters.get("ward_code"):
        ward_code = str(filters["ward_code"])
        tests.append(lambda c, d: c["ward_code"][d] == ward_code)
    if filters.get("district"):
        district = " ".join(_fold(_nfc(filters["district"])))
        tests.append(lambda c, d: c["district"][d] == district)
    if filters.get("min_stars"):
        min_stars = int(filters["min_stars"])
        tests.append(lambda c, d: c["stars"][d] >= min_stars)
    if filters.get("in_stock"):
        tests.append(lambda c, d: c["in_stock"][d])
    if filters.get("price_min") is not None:
        price_min = int(filters["price_min"])
        tests.append(lambda c, d: c["price_vnd"][d] >= price_min)
    if filters.get("price_max") is not None:
        price_max = int(filters["price_max"])
        tests.append(lambda c, d: c["price_vnd"][d] <= price_max)
    if not tests:
        return None
    return lambda columns, docnum: all(test(columns, docnum) for test in tests)


def _union(lease: _Lease, words: list[str]) -> frozenset:
    sets = [lease.postings(name, w) for w in words for name, _boost in TEXT_FIELDS]
    return frozenset().union(*sets)


def _scores(lease: _Lease, reader, words: list[str], variants: dict, matched) -> dict:
    # BM25 with term frequency taken as 1: product texts are short, so what matters is
    # which field a word is in, how rare it is, and (for the name) how short the name is.
    # Typo variants weigh a quarter; they only order products within the typo tier.
    total = max(1, reader.doc_count())
    norm = lease.columns["name_norm"]
    scores = {}
    for w in words:
        for term, weight in [(w, 1.0)] + [(v, 0.25) for v in variants.get(w, ())]:
            for name, boost in TEXT_FIELDS:
                docs = lease.postings(name, term)
                if not docs:
                    continue
                idf = math.log(1 + (total - len(docs) + 0.5) / (len(docs) + 0.5))
                value = weight * boost * idf
                if name == "name":
                    for d in docs & matched:
                        scores[d] = scores.get(d, 0.0) + value * norm[d]
                else:
                    for d in docs & matched:
                        scores[d] = scores.get(d, 0.0) + value
    return scores


def _variants(reader, word: str) -> list[str]:
    # Whoosh's terms_within walks the term index with a Levenshtein automaton; prefix=1
    # because typos in the first letter are rare and checking them costs the most.
    found = set()
    for name, _boost in TEXT_FIELDS:
        found.update(reader.terms_within(name, word, 1, prefix=1))
    found.discard(word)
    return sorted(found)


def _corrected(reader, words: list[str], variants: dict) -> str | None:
    replaced = list(words)
    for i, word in enumerate(words):
        if variants.get(word) and not _frequency(reader, word):
            replaced[i] = max(variants[word], key=lambda v: _frequency(reader, v))
    return " ".join(replaced) if replaced != words else None


def _frequency(reader, word: str) -> int:
    return sum(reader.doc_frequency(name, word) for name, _boost in TEXT_FIELDS)


def _facets(columns: dict, docnums) -> dict:
    groups = Counter(columns["group"][d] for d in docnums)
    groups.pop("", None)
    stars = Counter(columns["stars"][d] for d in docnums)
    return {"group": dict(groups), "stars": dict(stars)}

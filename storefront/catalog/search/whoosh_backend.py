"""The embedded search backend: a Whoosh index in a folder (or in memory), one per server.

The only module that imports whoosh, apart from the folding analyzer in query.py.
"""

import heapq
import itertools
import math
import secrets
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3Segment
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb import compound
from whoosh.filedb.filestore import RamStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.reading import TermNotFound
from whoosh.writing import CLEAR

from storefront.catalog.search.query import ANALYZER, FUZZY_MIN_LENGTH, SearchResult, document_text

#: Most index terms one type-ahead prefix expands to.
MAX_PREFIX_TERMS = 200
#: Seconds a writer waits for another process (e.g. `flask catalog reindex`) to release the lock.
WRITER_TIMEOUT = 30.0

#: Text fields searched, with their query-time boost; the name weighs most.
TEXT_FIELDS = (("name", 3.0), ("meta", 1.5), ("description", 1.0))
#: Per-document columns read into lists once per searcher, for filters, facets and ranking.
COLUMNS = ("id", "name_key", "group", "stars", "ward_code", "district", "price_vnd", "in_stock", "name_words")
#: Most posting sets kept per searcher; a set of 20k ints is about 1 MB.
POSTINGS_CACHE_SIZE = 2000
#: Most document numbers held by all cached posting sets of one searcher (~50 bytes each: ~10 MB,
#: part of a worker's 120 MB budget; at 1,000,000 workers peaked at 201 MB in the bench).
POSTINGS_CACHE_DOCS = 200_000
# BM25 constants, used only for the name length normalisation.
K1, B = 1.2, 0.75

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


class _Codec(W3Codec):
    """Whoosh's own codec, naming each new segment from the OS's randomness.

    Whoosh names segments with the `random` module. Anything that seeds it again (Hypothesis
    does, before every example; so would `random.seed(n)` anywhere in the process) makes the
    next writer pick a name already in the index: its commit fails in create_compound_file
    (an AssertionError), or overwrites the other segment's files. The segments written are
    plain W3Segments with a plain W3Codec, so an index stays readable without this class.
    """

    def new_segment(self, storage, indexname):
        return W3Segment(W3Codec(), indexname, segid=secrets.token_hex(8))


_CODEC = _Codec()


class _ViewFile:
    """A read-only file over a memoryview: what BytesIO offers Whoosh's readers, without a copy."""

    __slots__ = ("_view", "_position")

    def __init__(self, view: memoryview):
        self._view = view
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._position = end
        return self._view[start:end].tobytes()

    def readline(self, size: int = -1) -> bytes:
        start = self._position
        newline = bytes(self._view[start:]).find(b"\n")
        end = len(self._view) if newline < 0 else start + newline + 1
        if size is not None and size >= 0:
            end = min(end, start + size)
        self._position = end
        return self._view[start:end].tobytes()

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._position, len(self._view))[whence]
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._view = memoryview(b"")


class _MappedSegmentFile(BufferFile):
    """A file of a compound segment read straight from the segment's mmap.

    Whoosh's BufferFile wraps its buffer in BytesIO, which copies it: every searcher held a
    private copy of the index's postings and terms (6.5 MB per worker at 20,000 products,
    BENCHMARKS.md, worker memory) instead of sharing the mapped file's pages with the other workers.
    """

    def __init__(self, buf, name=None, onclose=None):
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = _ViewFile(memoryview(buf))


# Compound segments (every segment Whoosh writes by default) open their files with this name.
compound.BufferFile = _MappedSegmentFile


class WhooshIndex:
    """A Whoosh index with one shared searcher, reopened only after the index changes."""

    #: The index lives on this server: a worker on another machine cannot write it.
    shared = False

    def __init__(self, ix):
        self._ix = ix
        self._lock = threading.Lock()
        self._lease = None

    @classmethod
    def open(cls, path: str | Path | None) -> "WhooshIndex":
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
            writer = self._ix.writer(timeout=WRITER_TIMEOUT, codec=_CODEC, **writer_kw)
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

    # Writing

    def index(self, docs: Iterable[dict]) -> None:
        """Add or update products, matched by their `id`."""

        def fill(writer):
            count = 0
            for doc in docs:
                writer.update_document(**_fields(doc))
                count += 1
            return count

        self._write(fill)

    def remove(self, product_ids: Iterable[int]) -> None:
        """Remove products in one commit; unknown ids are ignored."""

        def fill(writer):
            return sum(writer.delete_by_term("id", int(product_id)) for product_id in product_ids)

        self._write(fill)

    def rebuild(self, docs: Iterable[dict], progress: Callable | None = None) -> int:
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
        self._write(fill, mergetype=CLEAR, procs=1, limitmb=128)
        return added

    # Reading

    def doc_count(self) -> int:
        lease = self._acquire()
        try:
            return lease.searcher.doc_count()
        finally:
            self._release(lease)

    def indexed_in_stock(self, product_ids: Iterable[int]) -> dict[int, bool]:
        lease = self._acquire()
        try:
            searcher, flags = lease.searcher, {}
            for product_id in product_ids:
                docnum = searcher.document_number(id=int(product_id))
                if docnum is not None:
                    flags[int(product_id)] = bool(lease.columns["in_stock"][docnum])
            return flags
        finally:
            self._release(lease)

    def search(self, words: list[str], filters: dict, window: tuple[int, int] | None) -> SearchResult:
        """Search folded `words` (see the facade's search_products for the rules)."""
        keep = _filter_predicate(filters)
        lease = self._acquire()
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
            offset, count = window or (0, len(matched))
            # Two tiers: products matching every word exactly first, then typo matches.
            top = heapq.nlargest(offset + count, matched, key=lambda d: (d in exact, scores.get(d, 0.0), -d))
            ids = lease.columns["id"]
            return SearchResult(
                ids=[ids[d] for d in top[offset:]],
                total=len(matched),
                facets=_facets(lease.columns, matched),
                corrected=corrected,
            )
        finally:
            self._release(lease)

    def suggest(self, words: list[str], limit: int) -> list[dict]:
        """Return products whose name has `words`, the last one as a prefix (see the facade)."""
        *whole, last = words
        lease = self._acquire()
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
            self._release(lease)


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


def _fields(doc: dict) -> dict:
    fields = document_text(doc)
    fields["in_stock"] = int(fields["in_stock"])
    # Whoosh would index an empty ID as a term of its own; leave such fields out.
    return {key: value for key, value in fields.items() if value != "" or key in ("name", "meta", "description")}


def _filter_predicate(filters: dict):
    tests = []
    if "group" in filters:
        group = filters["group"]
        tests.append(lambda c, d: c["group"][d] == group)
    if "ward_code" in filters:
        ward_code = filters["ward_code"]
        tests.append(lambda c, d: c["ward_code"][d] == ward_code)
    if "district" in filters:
        district = filters["district"]
        tests.append(lambda c, d: c["district"][d] == district)
    if "min_stars" in filters:
        min_stars = filters["min_stars"]
        tests.append(lambda c, d: c["stars"][d] >= min_stars)
    if "in_stock" in filters:
        tests.append(lambda c, d: c["in_stock"][d])
    if "price_min" in filters:
        price_min = filters["price_min"]
        tests.append(lambda c, d: c["price_vnd"][d] >= price_min)
    if "price_max" in filters:
        price_max = filters["price_max"]
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

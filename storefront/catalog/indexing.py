"""Keep derived catalogue data following the database: the search index and the listing cache."""

import random
import threading
import time
from array import array
from collections import OrderedDict
from datetime import date

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, selectinload

from storefront import after_commit, jobs, versions
from storefront.addresses import ward_name
from storefront.catalog import search
from storefront.catalog.certificates import valid_certificate
from storefront.catalog.groups import group_name
from storefront.catalog.models import (
    CatalogueVersion,
    Certificate,
    Producer,
    ProducerImage,
    Product,
    ProductImage,
    ProductListing,
    ProductVideo,
    SlugRedirect,
)
from storefront.catalog.services import visible_products_query
from storefront.clock import today_vn
from storefront.extensions import db
from storefront.inventory.models import Reservation, Stock

#: What a search document is made of: a change to one of these rewrites the product's document.
INDEXED_MODELS = (Product, Producer, Certificate, Stock)


def search_index():
    """Return this app's search index (SEARCH_BACKEND), opening it (and filling it if empty) on first use."""
    extensions = current_app.extensions
    idx = extensions.get("search_index")
    if idx is None:
        config = current_app.config
        idx = search.open_index(
            config.get("SEARCH_BACKEND", "whoosh"), path=config.get("SEARCH_INDEX_DIR"), engine=db.engine
        )
        extensions["search_index"] = idx
        if search.doc_count(idx) == 0:
            with Session(db.engine) as session:
                if session.scalar(select(func.count()).select_from(visible_products_query().subquery())):
                    rebuild_index(idx, session)
    return idx


_GROUP_NAMES_VI: dict[int, str] = {}


#: Each entry lives between (1 - this) and 1 times `max_age`, drawn when stored: pages stored in one
#: burst (a worker's first minute) then expire spread out, not all in the same instant.
LIFETIME_JITTER = 0.2


class ListingCache:
    """Values kept up to `max_age` seconds or until the catalogue changes, least recently used out first.

    Sorting every visible product by its valid stars is most of a catalogue page's cost; the
    ids of the result are small and the same for every shopper. A commit in this process empties
    it at once, one in another process at this process's next check_catalogue_version; `max_age`
    bounds what no commit of the app signals. The products themselves are always read fresh.
    `weigh(value)` and `max_weight` also bound the total size (the page cache keeps bytes).
    """

    def __init__(self, max_age: float, max_entries: int = 256, *, max_weight: int | None = None, weigh=None):
        self.max_age = max_age
        self.max_entries = max_entries
        self.max_weight = max_weight
        self.weigh = weigh or (lambda value: 0)
        #: Goes up on every clear, so a value computed before a commit is not stored after it.
        self.generation = 0
        self._weight = 0
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() >= entry[0]:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key, value, generation: int | None = None) -> None:
        """Store a value; pass the `generation` read before computing it to drop it if a commit came since."""
        weight = self.weigh(value)
        if self.max_age <= 0 or (self.max_weight is not None and weight > self.max_weight):
            return
        with self._lock:
            if generation is not None and generation != self.generation:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= self.weigh(old[1])
            lifetime = self.max_age * random.uniform(1 - LIFETIME_JITTER, 1)
            self._entries[key] = (time.monotonic() + lifetime, value)
            self._weight += weight
            while len(self._entries) > self.max_entries or (
                self.max_weight is not None and self._weight > self.max_weight
            ):
                self._weight -= self.weigh(self._entries.popitem(last=False)[1][1])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0
            self.generation += 1


def listing_cache() -> ListingCache:
    """Return this app's listing cache (CATALOG_CACHE_SECONDS, default 300; 0 turns it off)."""
    cache = current_app.extensions.get("catalog_listing_cache")
    if cache is None:
        cache = ListingCache(
            float(current_app.config.get("CATALOG_CACHE_SECONDS", 300)),
            max_weight=int(current_app.config.get("CATALOG_LISTING_CACHE_BYTES", 2 * 1024 * 1024)),
            weigh=listing_weight,
        )
        current_app.extensions["catalog_listing_cache"] = cache
    return cache


def listing_weight(value) -> int:
    """Bytes of a listing cache value: a listing's ids (services.list_products: an array), else the home
    page's few ids and counts, counted as 1 KB."""
    return len(value) * value.itemsize if isinstance(value, array) else 1024


def page_cache() -> ListingCache:
    """Return this app's cache of whole anonymous catalogue pages (page_cache.py; same lifetime setting)."""
    cache = current_app.extensions.get("catalog_page_cache")
    if cache is None:
        cache = ListingCache(
            float(current_app.config.get("CATALOG_CACHE_SECONDS", 300)),
            max_entries=int(current_app.config.get("CATALOG_PAGE_CACHE_ENTRIES", 512)),
            max_weight=int(current_app.config.get("CATALOG_PAGE_CACHE_BYTES", 4 * 1024 * 1024)),
            weigh=lambda page: len(page.body),
        )
        current_app.extensions["catalog_page_cache"] = cache
    return cache


def check_catalogue_version() -> None:
    """Empty this worker's catalogue caches if the catalogue changed since it last looked.

    Looks at most every CATALOG_VERSION_CHECK_SECONDS (default 1), in one query: catalogue_versions
    (moved on by every catalogue commit of any worker, catalogue_changed), the next open hold to
    lapse (a lapsed hold frees its units on the pages, Stock.available, with no commit) and the
    day in Vietnam (stars and dates shown).
    """
    config = current_app.config
    if float(config.get("CATALOG_CACHE_SECONDS", 300)) <= 0:
        return  # nothing cached
    state = current_app.extensions.setdefault("catalogue_version_check", {"at": None, "seen": None})
    now = time.monotonic()
    if state["at"] is not None and now - state["at"] < float(config.get("CATALOG_VERSION_CHECK_SECONDS", 1)):
        return
    state["at"] = now
    try:
        seen = (*_catalogue_version(), today_vn())
    except Exception:  # no answer: keep nothing cached past this check
        current_app.logger.warning("could not read catalogue_versions; catalogue caches emptied", exc_info=True)
        seen = None
    if seen is None or seen != state["seen"]:
        listing_cache().clear()
        page_cache().clear()
    state["seen"] = seen


def _catalogue_version() -> tuple:
    version = select(CatalogueVersion.version).where(CatalogueVersion.id == 1).scalar_subquery()
    next_lapse = (
        select(func.min(Reservation.expires_at))
        .where(Reservation.closed_at.is_(None), Reservation.expires_at > func.current_timestamp())
        .scalar_subquery()
    )
    with db.engine.connect() as connection:
        return tuple(connection.execute(select(version, next_lapse)).one())


def group_name_vi(code: int) -> str:
    if code not in _GROUP_NAMES_VI:
        # Indexing runs after commits, also outside any request (CLI), so force the locale.
        with force_locale("vi"):
            _GROUP_NAMES_VI[code] = group_name(code)
    return _GROUP_NAMES_VI[code]


def product_search_doc(product: Product, today: date) -> dict:
    """Return the search document of a visible product; stars only from a valid certificate."""
    producer = product.producer
    certificate = valid_certificate(product, today)
    stock = product.stock
    return {
        "id": product.id,
        "name": product.name_vi,
        "name_en": product.name_en,
        "producer": producer.name,
        "group": product.ocop_group,
        "group_name": group_name_vi(product.ocop_group),
        "commune": ward_name(producer.ward_code),
        "district_legacy": producer.legacy_district,
        "description": product.description_vi,
        "ward_code": producer.ward_code,
        "stars": certificate.stars if certificate else 0,
        "price_vnd": product.price_vnd,
        "in_stock": bool(stock and stock.available > 0),
    }


def _doc_query():
    return visible_products_query().options(
        selectinload(Product.producer), selectinload(Product.certificates), selectinload(Product.stock)
    )


def rebuild_index(idx, session, progress=None) -> int:
    """Replace the index with every visible product and return how many were indexed."""
    today = today_vn()
    products = session.scalars(_doc_query().order_by(Product.id)).all()
    return search.rebuild(idx, (product_search_doc(p, today) for p in products), progress)


def reindex_products(idx, session, product_ids) -> None:
    """Index the given products again; those no longer visible leave the index."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    today = today_vn()
    visible = session.scalars(_doc_query().where(Product.id.in_(ids))).all()
    if visible:
        search.index_products(idx, [product_search_doc(p, today) for p in visible])
    gone = set(ids) - {p.id for p in visible}
    if gone:
        search.remove_products(idx, sorted(gone))


def reindex_all() -> int:
    """Rebuild the search index from the database and return how many products it holds."""
    count = rebuild_index(search_index(), db.session)
    bump_catalogue_version(db.engine)  # listings cached from the old index
    return count


def _stock_flips(session, stock_ids: set, product_ids: set) -> set:
    """Return the products whose in-stock state differs from the index's after SQL stock updates
    (an order that leaves units on the shelf changes no search document)."""
    product_ids = set(product_ids)
    if stock_ids:
        product_ids.update(session.scalars(select(Stock.product_id).where(Stock.id.in_(stock_ids))))
    if not product_ids:
        return set()
    # As product_search_doc decides it (Stock.available counts lapsed holds as free).
    in_stock = {
        stock.product_id: stock.available > 0
        for stock in session.scalars(select(Stock).where(Stock.product_id.in_(product_ids)))
    }
    indexed = search.indexed_in_stock(search_index(), product_ids)
    return {product_id for product_id, flag in indexed.items() if in_stock.get(product_id, False) != flag}


def register(app, page_models: tuple[type, ...] = ()) -> None:
    """After each commit that changed the catalogue, rewrite its search documents and empty the caches.

    Watches products, producers, certificates and stock (indexed), and rows shown on cached
    catalogue pages but not indexed: photos, slugs, marketplace links, videos and `page_models`,
    which create_app names (batches, reviews, points of sale and fairs live on floors above this
    one). Inventory reports its SQL stock updates itself, and only those that change the stock
    figure pages show (after_commit.note_rows; inventory.models.shown_units): holds (reservations)
    change pages only through them, so a sale that leaves plenty on the shelf empties no cache.
    """
    watched = (
        *INDEXED_MODELS,
        ProductImage,
        ProducerImage,
        SlugRedirect,
        ProductListing,
        ProductVideo,
        *page_models,
    )
    after_commit.on_change(app, watched, catalogue_changed)


def catalogue_changed(session, changed: list) -> None:
    """Empty this process's catalogue caches, bring the changed products' search documents up to date
    and move catalogue_versions on, so other workers empty theirs at their next check."""
    listing_cache().clear()
    page_cache().clear()
    try:
        _reindex_changed(session, changed)
    finally:
        bump_catalogue_version(session.get_bind().engine)  # a session bound to a Connection: its engine


def bump_catalogue_version(engine) -> None:
    """Move catalogue_versions on (storefront/versions.py); a failure is logged, the commit stands."""
    try:
        versions.bump(engine, CatalogueVersion.__table__)
    except Exception:
        current_app.logger.warning(
            "could not move catalogue_versions on; other workers may show cached catalogue pages "
            "for up to CATALOG_CACHE_SECONDS",
            exc_info=True,
        )


def _reindex_changed(session, changed: list) -> None:
    products, producers, stocks, certificates = set(), set(), set(), set()
    bulk = {"id": set(), "product_id": set()}  # stock rows inventory changed with SQL, by column
    for obj in changed:
        if isinstance(obj, after_commit.RowsChanged):
            if obj.model is Stock:
                bulk[obj.column].add(obj.value)
        elif isinstance(obj, Product):
            products.add(_loaded(obj, "id"))
        elif isinstance(obj, Producer):
            producers.add(_loaded(obj, "id"))
        elif isinstance(obj, (Certificate, Stock)):
            # The flush loaded product_id; a Stock that inventory expired since is found by its id.
            product_id = _loaded(obj, "product_id")
            if product_id is not None:
                products.add(product_id)
            elif isinstance(obj, Stock):
                stocks.add(_loaded(obj, "id"))
            else:
                certificates.add(_loaded(obj, "id"))
    if not (products or producers or stocks or certificates or any(bulk.values())):
        return  # page-only rows: emptying the caches was all
    try:
        # A commit has ended the transaction, so this session cannot read; use a fresh one.
        with Session(session.get_bind().engine) as reader:
            ids = set(products) | _stock_flips(reader, bulk["id"], bulk["product_id"])
            if certificates:
                ids.update(reader.scalars(select(Certificate.product_id).where(Certificate.id.in_(certificates))))
            if stocks:
                ids.update(reader.scalars(select(Stock.product_id).where(Stock.id.in_(stocks))))
            if producers:
                ids.update(reader.scalars(select(Product.id).where(Product.producer_id.in_(producers))))
        ids.discard(None)
        if not ids:
            return
        if search_index().shared:
            # PostgreSQL: a short write every server sees at once, so no queue (and no wait for one).
            reindex_ids(sorted(ids))
        else:
            # Whoosh: after the commit, so a worker reads what it made visible; without a queue it runs now.
            queued = jobs.connection() is not None  # else it runs now, before catalogue_changed tells the workers
            jobs.enqueue("storefront.catalog.indexing:reindex_ids", sorted(ids), raise_errors=True, tell_workers=queued)
    except Exception:  # a stale index must never undo or fail a committed change
        current_app.logger.exception("search index update failed; run `flask catalog reindex`")


def _loaded(obj, key: str):
    """Return an attribute as the session last loaded it, never loading it (no SQL after a commit)."""
    value = inspect(obj).dict.get(key)
    if value is None and key == "id" and inspect(obj).identity:
        value = inspect(obj).identity[0]
    return value


def reindex_ids(product_ids: list[int], *, tell_workers: bool = False) -> None:
    """Index these products again from the database (a job, or at once without a queue); a job then
    tells the workers (`tell_workers`), whose listings may have been cached from the index before."""
    with Session(db.engine) as reader:
        reindex_products(search_index(), reader, product_ids)
    if tell_workers:
        bump_catalogue_version(db.engine)

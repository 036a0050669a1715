"""Keep derived catalogue data following the database: the search index and the listing cache."""

import threading
import time
from collections import OrderedDict
from datetime import date

from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from storefront import jobs
from storefront.addresses import ward_name
from storefront.catalog import search
from storefront.catalog.groups import group_name
from storefront.catalog.models import Certificate, Producer, Product
from storefront.catalog.services import valid_certificate, visible_products_query
from storefront.clock import today_vn
from storefront.extensions import db
from storefront.inventory.models import Stock

#: session.info key holding the product and producer ids changed since the last commit.
PENDING_KEY = "catalog_reindex"
#: Rows shown on cached catalogue pages but not indexed (batches, reviews, outlets and events sit on floors above: no import).
PAGE_ONLY_TABLES = frozenset(
    {
        "product_images",
        "producer_images",
        "slug_redirects",
        "batches",
        "reservations",
        "reviews",
        "review_images",
        "outlets",
        "outlet_products",
        "product_listings",
        "product_videos",
        "events",
        "event_producers",
        "event_products",
    }
)
#: Tables changed by bulk statements whose rows show on catalogue pages (stock counts, in-stock filter);
#: a product whose stock such a statement names is reindexed when its in-stock state flipped.
BULK_WATCHED_TABLES = frozenset({"stocks", "reservations"})


def search_index() -> search.SearchIndex:
    """Return this app's search index, opening it (and filling it if empty) on first use."""
    extensions = current_app.extensions
    idx = extensions.get("search_index")
    if idx is None:
        idx = search.SearchIndex.open(current_app.config.get("SEARCH_INDEX_DIR"))
        extensions["search_index"] = idx
        if search.doc_count(idx) == 0:
            with Session(db.engine) as session:
                if session.scalar(select(func.count()).select_from(visible_products_query().subquery())):
                    rebuild_index(idx, session)
    return idx


_GROUP_NAMES_VI: dict[int, str] = {}


class ListingCache:
    """Values kept `max_age` seconds or until a catalogue commit in this process, least recently used out first.

    Sorting every visible product by its valid stars is most of a catalogue page's cost; the
    ids of the result are small and the same for every shopper. A commit in another process
    shows after at most `max_age` seconds; the products themselves are always read fresh.
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
            if entry is None or time.monotonic() - entry[0] >= self.max_age:
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
            self._entries[key] = (time.monotonic(), value)
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
    """Return this app's listing cache (CATALOG_CACHE_SECONDS, default 30; 0 turns it off)."""
    cache = current_app.extensions.get("catalog_listing_cache")
    if cache is None:
        cache = ListingCache(float(current_app.config.get("CATALOG_CACHE_SECONDS", 30)))
        current_app.extensions["catalog_listing_cache"] = cache
    return cache


def page_cache() -> ListingCache:
    """Return this app's cache of whole anonymous catalogue pages (page_cache.py; same lifetime setting)."""
    cache = current_app.extensions.get("catalog_page_cache")
    if cache is None:
        cache = ListingCache(
            float(current_app.config.get("CATALOG_CACHE_SECONDS", 30)),
            max_entries=int(current_app.config.get("CATALOG_PAGE_CACHE_ENTRIES", 512)),
            max_weight=int(current_app.config.get("CATALOG_PAGE_CACHE_BYTES", 32 * 1024 * 1024)),
            weigh=lambda page: len(page.body),
        )
        current_app.extensions["catalog_page_cache"] = cache
    return cache


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


def rebuild_index(idx: search.SearchIndex, session, progress=None) -> int:
    """Replace the index with every visible product and return how many were indexed."""
    today = today_vn()
    products = session.scalars(_doc_query().order_by(Product.id)).all()
    return search.rebuild(idx, (product_search_doc(p, today) for p in products), progress)


def reindex_products(idx: search.SearchIndex, session, product_ids) -> None:
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
    return rebuild_index(search_index(), db.session)


def _pending(session) -> dict:
    return session.info.setdefault(PENDING_KEY, {"products": set(), "producers": set()})


def _collect_changes(session, flush_context):
    pending = _pending(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Product) and obj.id is not None:
            pending["products"].add(obj.id)
        elif isinstance(obj, Producer) and obj.id is not None:
            pending["producers"].add(obj.id)
        elif isinstance(obj, (Certificate, Stock)) and obj.product_id is not None:
            pending["products"].add(obj.product_id)
        elif getattr(obj, "__tablename__", None) in PAGE_ONLY_TABLES:
            pending["pages"] = True


def _collect_bulk_changes(state):
    """Note UPDATE/INSERT/DELETE statements on stock (inventory's guarded updates): the flush never sees them."""
    if state.is_select or not (state.is_update or state.is_insert or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.local_table.name in BULK_WATCHED_TABLES:
        pending = _pending(state.session)
        pending["pages"] = True
        if mapper.local_table is Stock.__table__:
            stock_ids, product_ids = _stock_keys(state.statement)
            pending.setdefault("stocks", set()).update(stock_ids)
            pending["products_stock"] = pending.get("products_stock", set()) | product_ids


def _stock_keys(statement) -> tuple[set, set]:
    """Return (stock ids, product ids) named by `=` or IN in a bulk statement's WHERE clause."""
    found = {"id": set(), "product_id": set()}
    where = getattr(statement, "whereclause", None)
    for element in visitors.iterate(where) if where is not None else ():
        if not isinstance(element, BinaryExpression) or element.operator not in (operators.eq, operators.in_op):
            continue
        column, value = element.left, element.right
        if (
            getattr(column, "table", None) is Stock.__table__
            and column.key in found
            and isinstance(value, BindParameter)
        ):
            values = value.value if isinstance(value.value, (list, tuple, set)) else [value.value]
            found[column.key].update(v for v in values if v is not None)
    return found["id"], found["product_id"]


def _stock_flips(session, pending: dict) -> set:
    """Return the products whose in-stock state differs from the index's after bulk stock updates."""
    stock_ids, product_ids = pending.get("stocks", set()), set(pending.get("products_stock", set()))
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


def _apply_changes(session):
    if session.in_nested_transaction():
        return  # a savepoint released (SQLAlchemy fires after_commit): nothing is committed until its transaction is
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not any(pending.values()) or not has_app_context() or "catalog" not in current_app.blueprints:
        return  # commits that touch no catalogue row (carts, sign-ins) keep the caches
    listing_cache().clear()
    page_cache().clear()
    try:
        # A commit has ended the transaction, so this session cannot read; use a fresh one.
        with Session(db.engine) as reader:
            ids = set(pending["products"]) | _stock_flips(reader, pending)
            if pending["producers"]:
                ids.update(reader.scalars(select(Product.id).where(Product.producer_id.in_(pending["producers"]))))
        if ids:
            # After the commit, so a worker reads what it made visible; without a queue it runs now.
            jobs.enqueue("storefront.catalog.indexing:reindex_ids", sorted(ids), raise_errors=True)
    except Exception:  # a stale index must never undo or fail a committed change
        current_app.logger.exception("search index update failed; run `flask catalog reindex`")


def reindex_ids(product_ids: list[int]) -> None:
    """Index these products again from the database (a job, or at once without a queue)."""
    with Session(db.engine) as reader:
        reindex_products(search_index(), reader, product_ids)


def _forget_changes(session, previous_transaction):
    if previous_transaction.nested:
        return  # a savepoint rolled back: the transaction's earlier flushes still stand
    session.info.pop(PENDING_KEY, None)


def register_listeners():
    """Listen on every SQLAlchemy session, so changes made by any feature reach the index (create_app calls this)."""
    for name, listener in (
        ("after_flush", _collect_changes),
        ("do_orm_execute", _collect_bulk_changes),
        ("after_commit", _apply_changes),
        ("after_soft_rollback", _forget_changes),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)

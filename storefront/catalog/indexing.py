"""Keep derived catalogue data following the database: the search index and the listing cache."""
import threading
import time
from collections import OrderedDict
from datetime import date

from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, selectinload

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
    """Ordered product ids per filter set, kept `max_age` seconds or until a catalogue commit here.

    Sorting every visible product by its valid stars is most of a catalogue page's cost; the
    ids of the result are small and the same for every shopper. A commit in another process
    shows after at most `max_age` seconds; the products themselves are always read fresh.
    """

    def __init__(self, max_age: float, max_entries: int = 256):
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() - entry[0] >= self.max_age:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key, value) -> None:
        if self.max_age <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def listing_cache() -> ListingCache:
    """Return this app's listing cache (CATALOG_CACHE_SECONDS, default 30; 0 turns it off)."""
    cache = current_app.extensions.get("catalog_listing_cache")
    if cache is None:
        cache = ListingCache(float(current_app.config.get("CATALOG_CACHE_SECONDS", 30)))
        current_app.extensions["catalog_listing_cache"] = cache
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


def _collect_changes(session, flush_context):
    pending = session.info.setdefault(PENDING_KEY, {"products": set(), "producers": set()})
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Product) and obj.id is not None:
            pending["products"].add(obj.id)
        elif isinstance(obj, Producer) and obj.id is not None:
            pending["producers"].add(obj.id)
        elif isinstance(obj, (Certificate, Stock)) and obj.product_id is not None:
            pending["products"].add(obj.product_id)


def _apply_changes(session):
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not has_app_context() or "catalog" not in current_app.blueprints:
        return
    listing_cache().clear()
    try:
        idx = search_index()
        # A commit has ended the transaction, so this session cannot read; use a fresh one.
        with Session(db.engine) as reader:
            ids = set(pending["products"])
            if pending["producers"]:
                ids.update(reader.scalars(select(Product.id).where(Product.producer_id.in_(pending["producers"]))))
            reindex_products(idx, reader, ids)
    except Exception:  # a stale index must never undo or fail a committed change
        current_app.logger.exception("search index update failed; run `flask catalog reindex`")


def _forget_changes(session, previous_transaction):
    session.info.pop(PENDING_KEY, None)


def register_listeners():
    """Listen on every SQLAlchemy session, so changes made by any feature reach the index."""
    for name, listener in (("after_flush", _collect_changes), ("after_commit", _apply_changes),
                           ("after_soft_rollback", _forget_changes)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)

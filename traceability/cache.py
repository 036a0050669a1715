"""A small in-process cache of rendered origin-page parts, cleared when traced data changes.

Each worker keeps its own copy. A flush that touches a batch, its events, its product, images,
certificates or producer clears this worker's copy at once; other workers see the change when
their entry expires (ORIGIN_CACHE_SECONDS). What must never be stale (recall, the producer's
standing in the programme, scan counters, PIN state) is read live on every scan, not cached.
"""
import threading
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from storefront.catalog.models import Certificate, Producer, Product, ProductImage
from traceability.models import Batch, TraceEvent

#: Entries kept per worker; a full cache starts over (origin pages are cheap to rebuild).
MAX_ENTRIES = 2048
_WATCHED = (Batch, TraceEvent, Product, ProductImage, Certificate, Producer)
_entries: dict = {}
_lock = threading.Lock()


def get(key):
    """Return the cached value for key, or None when absent or expired."""
    entry = _entries.get(key)
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]


def put(key, value, ttl: float) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = (time.monotonic() + ttl, value)


def clear() -> None:
    with _lock:
        _entries.clear()


@event.listens_for(Session, "after_flush")
def _clear_on_change(session, _flush_context):
    # A rolled-back flush clears too: harmless, the next scan rebuilds the entry.
    if _entries and any(isinstance(obj, _WATCHED) for objs in (session.new, session.dirty, session.deleted)
                        for obj in objs):
        clear()

"""A small in-process cache of rendered origin-page parts, cleared when traced data changes.

Each worker keeps its own copy. Once a transaction that changed a model the description reads
(description.WATCHED) commits, this worker's copy is cleared and the number in origin_versions
goes up (an after-commit hook that create_app registers: `register` below). Every scan's look-up
reads that number with the stamp, and an entry built under another number is built again:
other workers see the change at their next scan. ORIGIN_CACHE_SECONDS bounds only changes made outside the app (which do not move the
number). What must never be stale (recall, the producer's standing in the programme, scan
counters, PIN state) is read live on every scan, not cached.
"""

import logging
import threading
import time

from storefront import after_commit, versions
from traceability.models import OriginVersion
from traceability.origin import description

log = logging.getLogger(__name__)

#: Entries kept per worker at most; past it (or past ORIGIN_CACHE_BYTES) the oldest go first.
MAX_ENTRIES = 2048
#: Default of ORIGIN_CACHE_BYTES: a worker's budget for origin descriptions (BENCHMARKS.md,
#: "Origin cache" and "Worker memory, fifth pass").
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
#: What Python holds for a cached view beyond its texts (its dict, key, entry tuple, objects' headers),
#: and per piece of a page variant (a bytes object's header and its list slot): counted in its weight.
VIEW_OVERHEAD = 1024
PIECE_OVERHEAD = 48
_entries: dict = {}  # key -> (expires at, value, weight); in insertion order, oldest first
_weight = 0
_lock = threading.Lock()


def get(key):
    """Return the cached value for key, or None when absent or expired."""
    entry = _entries.get(key)
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]


def put(key, value, ttl: float, max_bytes: int | None = None, weight: int | None = None) -> None:
    """Keep value for ttl seconds, dropping the oldest entries while the cache is over its budget.

    weight: the bytes value holds (default: weigh(value)); what is added to it later, charge().
    """
    global _weight
    if max_bytes is None:
        max_bytes = _configured_bytes()
    if weight is None:
        weight = weigh(value)
    with _lock:
        old = _entries.pop(key, None)
        if old is not None:
            _weight -= old[2]
        while _entries and (len(_entries) >= MAX_ENTRIES or _weight + weight > max_bytes):
            _weight -= _entries.pop(next(iter(_entries)))[2]
        if weight <= max_bytes:
            _entries[key] = (time.monotonic() + ttl, value, weight)
            _weight += weight


def charge(key, value, nbytes: int, max_bytes: int | None = None) -> None:
    """Count nbytes more for the entry at key (what was added to value since it was put), if value is
    still the one held there; then drop the oldest entries while the cache is over its budget."""
    global _weight
    if max_bytes is None:
        max_bytes = _configured_bytes()
    with _lock:
        entry = _entries.get(key)
        if entry is None or entry[1] is not value:
            return
        _entries[key] = (entry[0], value, entry[2] + nbytes)  # an existing key keeps its place
        _weight += nbytes
        while _entries and _weight > max_bytes:
            _weight -= _entries.pop(next(iter(_entries)))[2]


def clear() -> None:
    global _weight
    with _lock:
        _entries.clear()
        _weight = 0


def held_bytes() -> int:
    """The estimated bytes the cache holds now (what its budget counts)."""
    return _weight


def weigh(value) -> int:
    """Bytes of text a cached view holds (its rendered parts): a character a byte, two past ASCII (Vietnamese text)."""
    if isinstance(value, str):
        return len(value) if value.isascii() else 2 * len(value)
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, dict):
        return sum(weigh(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return sum(weigh(item) for item in value)
    return 0


def _configured_bytes() -> int:
    try:
        from flask import current_app

        return int(current_app.config.get("ORIGIN_CACHE_BYTES", DEFAULT_MAX_BYTES))
    except RuntimeError:  # outside an app context
        return DEFAULT_MAX_BYTES


def register(app) -> None:
    """After a commit that changed what origin pages show (description.WATCHED): clear this
    worker's cache and move origin_versions on, so other workers rebuild at their next scan."""
    after_commit.on_change(app, description.WATCHED, _description_changed)


def _description_changed(session, _changed) -> None:
    clear()
    try:
        bump_version(session.get_bind().engine)  # a session bound to a Connection: its engine
    except Exception:  # the change is committed; other workers then see it within ORIGIN_CACHE_SECONDS
        log.warning(
            "could not move origin_versions on; other workers may show a cached origin description until it expires",
            exc_info=True,
        )


def bump_version(engine) -> None:
    """Move the origin-description number on (storefront/versions.py)."""
    versions.bump(engine, OriginVersion.__table__)

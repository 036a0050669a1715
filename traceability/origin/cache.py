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

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storefront import after_commit
from traceability.models import OriginVersion
from traceability.origin import description

log = logging.getLogger(__name__)

#: Entries kept per worker; a full cache starts over (origin pages are cheap to rebuild).
MAX_ENTRIES = 2048
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
    """Move the origin-description number on, in a short transaction of its own after the change's
    commit: no transaction holds the row's lock while it waits for others."""
    table = OriginVersion.__table__
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(id=1, version=1)
        .on_conflict_do_update(index_elements=[table.c.id], set_={"version": table.c.version + 1})
    )
    with engine.begin() as connection:
        connection.execute(statement)

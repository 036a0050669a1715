"""A small in-process cache of rendered origin-page parts, cleared when traced data changes.

Each worker keeps its own copy. A flush that touches a batch, its events, its product, images,
certificates or producer clears this worker's copy at once, and once that transaction commits,
the number in origin_versions goes up. Every scan's look-up reads that number with the stamp,
and an entry built under another number is built again: other workers see the change at their
next scan. ORIGIN_CACHE_SECONDS bounds only changes made outside the app (which do not move the
number). What must never be stale (recall, the producer's standing in the programme, scan
counters, PIN state) is read live on every scan, not cached.
"""

import logging
import threading
import time

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

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


_CHANGED = "ocop.origin_changed"


@event.listens_for(Session, "after_flush")
def _clear_on_change(session, _flush_context):
    # A rolled-back flush clears too: harmless, the next scan rebuilds the entry.
    if any(
        isinstance(obj, description.WATCHED) for objs in (session.new, session.dirty, session.deleted) for obj in objs
    ):
        session.info[_CHANGED] = True
        if _entries:
            clear()


@event.listens_for(Session, "after_commit")
def _new_version_on_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint released: the change is not committed until its transaction is
    if session.info.pop(_CHANGED, False):
        try:
            bump_version(session.get_bind().engine)  # a session bound to a Connection: its engine
        except Exception:  # the change is committed; other workers then see it within ORIGIN_CACHE_SECONDS
            log.warning(
                "could not move origin_versions on; other workers may show a cached origin "
                "description until it expires",
                exc_info=True,
            )


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session):
    if not session.in_nested_transaction():  # a savepoint rolled back: earlier flushes still stand
        session.info.pop(_CHANGED, None)


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

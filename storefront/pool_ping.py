"""Check a pooled database connection before use only when it has sat idle, not on every request.

SQLAlchemy's `pool_pre_ping` asks the database "SELECT 1" each time a request takes a connection
from the pool: on PostgreSQL that is a round trip (and psycopg's BEGIN before it) on every
request, a tenth of a checkout request's database time. A connection that was in use moments ago
is almost surely alive; one that sat idle (a quiet night, a database restart, a firewall that
drops idle sockets) may not be. So the check runs only after POOL_PING_IDLE_SECONDS of idleness.
A connection that died within that window (a database restarted in under that time) fails one
request, which SQLAlchemy then reports as a disconnect and replaces the pool's connections.
"""

import time

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

_RETURNED_AT = "pool_ping.returned_at"


def install(engine, idle_seconds: float) -> None:
    """Ping connections idle for longer than *idle_seconds* when the pool hands them out."""

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record):
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at <= idle_seconds:
            return  # just connected, or in use moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and hands out another (or a new one).
            raise DisconnectionError(f"idle connection failed its ping: {error}") from error

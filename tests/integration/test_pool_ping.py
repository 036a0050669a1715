"""Pooled connections are checked before use only after sitting idle (storefront/pool_ping.py)."""

import pytest
from sqlalchemy import text

from storefront import pool_ping


@pytest.fixture
def pings(db, monkeypatch):
    """Record the pings of the app's engine; the real ping still runs."""
    dialect = db.engine.dialect
    real = dialect.do_ping
    seen = []

    def recording(dbapi_connection):
        seen.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", recording)
    return seen


@pytest.fixture
def later(monkeypatch):
    """Move the pool's clock on by some seconds."""
    import time

    def move(seconds):
        now = time.monotonic() + seconds
        monkeypatch.setattr(pool_ping.time, "monotonic", lambda: now)

    return move


def test_a_connection_in_use_moments_ago_is_not_pinged(db, pings):
    for _ in range(3):
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
    assert pings == []


def test_a_connection_idle_past_the_limit_is_pinged_once(app, db, pings, later):
    with db.engine.connect() as conn:
        conn.scalar(text("SELECT 1"))
    later(app.config["POOL_PING_IDLE_SECONDS"] + 5)
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT 2")) == 2
    assert len(pings) == 1
    with db.engine.connect() as conn:  # returned moments ago (by the moved clock): not again
        conn.scalar(text("SELECT 1"))
    assert len(pings) == 1


def test_an_idle_connection_that_died_is_replaced_not_handed_out(db, monkeypatch, later):
    """A connection whose ping fails is thrown away and the request gets a working one."""
    dialect = db.engine.dialect
    with db.engine.connect() as conn:
        first = conn.connection.dbapi_connection
    later(3600)
    failures = []

    def dead_once(dbapi_connection):
        if not failures:
            failures.append(dbapi_connection)
            raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")
        return True

    monkeypatch.setattr(dialect, "do_ping", dead_once)
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT 3")) == 3
        assert conn.connection.dbapi_connection is not first
    assert failures == [first]

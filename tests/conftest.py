"""Fixtures: app, db (SQLite or PostgreSQL via TEST_DATABASE_URL), CSRF-aware client, runner, login."""

import contextvars
import os
import re
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, text

from config import TestConfig
from storefront import create_app
from storefront.extensions import db as _db
from tests import factories

PASSWORD = factories.PASSWORD


def pytest_report_header(config):
    return f"database: {os.environ.get('TEST_DATABASE_URL') or 'sqlite (file in a temp dir)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Return the test database URL; SQLite lives in a file so threads and apps share it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema once per session from the models."""
    app = create_app(_config_for(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        _db.session.remove()
        _db.engine.dispose()
    return database_url


def _config_for(database_url, instance_tmp: Path, **overrides):
    attrs = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(instance_tmp / "uploads"),
        "MAIL_OUTBOX_DIR": str(instance_tmp / "outbox"),
        "STAMP_DIR": str(instance_tmp / "stamps"),
        **overrides,
    }
    return type("PerTestConfig", (TestConfig,), attrs)


def empty_tables(engine):
    """Empty every table with DELETE, children first; on PostgreSQL restart the id sequences of the tables that had rows.

    Not TRUNCATE: on PostgreSQL it gives every table new files, about 110 ms for the 39 tables even
    when they are empty, against a few ms for DELETE; that was minutes of the PostgreSQL leg. The
    sequences restart as TRUNCATE … RESTART IDENTITY did (and as SQLite's rowids do once a table is empty).
    """
    with engine.begin() as conn:
        emptied = [t.name for t in reversed(_db.metadata.sorted_tables) if conn.execute(t.delete()).rowcount]
        if engine.dialect.name == "postgresql" and emptied:
            sequences = _owned_sequences(conn)
            for name in emptied:
                for sequence in sequences.get(name, ()):
                    conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


def _owned_sequences(conn) -> dict[str, list[str]]:
    """Map each table of the current schema to the sequences its columns own (serial and identity)."""
    rows = conn.execute(
        text(
            "SELECT t.relname, s.relname FROM pg_class s"
            " JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace"
        )
    )
    sequences: dict[str, list[str]] = {}
    for table, sequence in rows:
        sequences.setdefault(table, []).append(sequence)
    return sequences


@pytest.fixture
def app_config(_schema, tmp_path):
    """Return overrides for this test's app config; tests may add keys before using `app`."""
    return {}


@pytest.fixture
def app(_schema, tmp_path, app_config):
    app = create_app(_config_for(_schema, tmp_path, **app_config))
    app.test_client_class = CSRFClient
    with app.app_context():
        yield app
        buffer = app.extensions.get("scan_buffer")
        if buffer is not None:  # its writer thread must not write queued scans into the next test's rows
            buffer.close()
        _db.session.remove()
        empty_tables(_db.engine)
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form POST, as a browser would.

    Pass ``csrf=False`` to send a form without it (to test the refusal).
    Each request runs in an empty context, so it gets its own app context, ``g`` and
    database session as in production, not the test's; afterwards the test's session is
    expired so it reads what the request committed.
    """

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = session["csrf_token"] = os.urandom(20).hex()
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, csrf=True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method in {"POST", "PUT", "PATCH", "DELETE"}:
            data = kwargs.get("data")
            if isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
            elif data is None and kwargs.get("json") is None:
                kwargs["data"] = {"csrf_token": self.csrf_token()}
            headers = dict(kwargs.get("headers") or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context() and _db.session.registry.has():
            _db.session.expire_all()
        return response


class AuthActions:
    def __init__(self, client):
        self._client = client

    def __call__(self, user, password=PASSWORD):
        """Sign in through the real login form."""
        response = self._client.post("/account/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self._client.post("/account/logout")


@pytest.fixture
def login(client):
    return AuthActions(client)


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside the block: `with count_queries() as n: …; n()`."""
    from contextlib import contextmanager

    @contextmanager
    def counter():
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK TO)", statement):
                statements.append(statement)

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield lambda: len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", before)
        counter.statements = statements

    return counter


@pytest.fixture(autouse=True, scope="session")
def _small_demo_illustrations():
    """Seed demo illustrations small in tests: the same drawing, a tenth of the time (full size costs about a minute a seed)."""
    from storefront.demo import artwork

    artwork.IMAGE_SIZE, artwork.COVER_SIZE = (240, 240), (320, 120)

"""The migrations build the same schema as the models, on this run's database engine."""
import logging
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestConfig
from storefront import create_app
from storefront.extensions import db


@pytest.fixture
def empty_database(database_url, tmp_path):
    """Yield a URL of a brand-new empty database of the same engine as the suite's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(database_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _logging_as_it_was():
    """Alembic's env.py configures logging from alembic.ini (a handler on this test's captured stderr)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(empty_database):
    config = type("MigrationConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": empty_database})
    app = create_app(config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        with db.engine.connect() as conn:  # the row whose number tells workers their origin cache is stale
            assert conn.execute(sa.text("SELECT id, version FROM origin_versions")).all() == [(1, 0)]
        assert not logging.getLogger("traceability.cache").disabled  # env.py leaves the app's loggers on
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()

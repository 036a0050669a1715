"""Flask extensions, created unbound and initialised in create_app."""

import functools
import ipaddress

import click
from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints let Alembic create and drop them the same way on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Migrate:
    """Flask-Migrate, imported when a migration first runs (`flask db …`, flask_migrate.upgrade()).

    flask_migrate imports alembic, mako and pygments: about 11 MB of every web worker's memory
    for commands a worker never runs. init_app leaves a stand-in that sets up the real
    extension on first use; `flask db` is a group that loads flask_migrate's own when opened.
    """

    def init_app(self, app, db, **options):
        app.extensions["migrate"] = _PendingMigrate(app, db, options)
        app.cli.add_command(_MigrationCommands("db", help="Perform database migrations."))


class _PendingMigrate:
    def __init__(self, app, db, options):
        self._app, self._db, self._options = app, db, options

    def __getattr__(self, name):
        import flask_migrate

        flask_migrate.Migrate().init_app(self._app, self._db, **self._options)  # replaces this stand-in
        return getattr(self._app.extensions["migrate"], name)


class _MigrationCommands(click.Group):
    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db as commands

        return commands

    def parse_args(self, ctx, args):
        real = self._real()  # its options (--directory, -x) and the callback that keeps them in g
        self.params, self.callback = real.params, real.callback
        return super().parse_args(ctx, args)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@functools.lru_cache(maxsize=4096)
def client_network(address: str) -> str:
    """The address as one client holds it: an IPv6 address's /64 (a home or a phone is given a
    whole /64 and may use any address in it), an IPv4-mapped one's IPv4 address; anything else as
    given. Rate limits and scan devices count per client, so a /64 is one client, not 2**64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, 64), strict=False).network_address)


class ClientAddress:
    """The rate-limit key of a request: the app's RATELIMIT_KEY_PREFIX, then the client's address as
    ProxyFix left it in the environ (an IPv6 address's /64: client_network).

    Flask-Limiter calls it in a request; the scan fast path, which answers before Flask has a
    request, calls for_environ() with the app's config and the WSGI environ: both count in the
    same bucket. The app's prefix is part of this key rather than Flask-Limiter's key_prefix,
    which one Limiter keeps from the first app of a process and does not show (LIMITER_KEY_PREFIX).
    """

    def __call__(self) -> str:
        return self.for_environ(current_app.config, request.environ)

    @staticmethod
    def for_environ(config, environ) -> str:
        return config.get("RATELIMIT_KEY_PREFIX", "") + client_network(environ.get("REMOTE_ADDR") or "127.0.0.1")


rate_limit_key = ClientAddress()
#: Flask-Limiter's own prefix of every key, given here so that no app's config changes it: the
#: limiter's args are [LIMITER_KEY_PREFIX, key function's value, scope].
LIMITER_KEY_PREFIX = "ocop"
limiter = Limiter(key_func=rate_limit_key, key_prefix=LIMITER_KEY_PREFIX, default_limits=[])

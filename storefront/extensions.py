"""Flask extensions, created unbound and initialised in create_app."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
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


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class ClientAddress:
    """The rate-limit key of a request: the client's address as ProxyFix left it in the environ.

    Flask-Limiter calls it in a request; the scan fast path, which answers before Flask has a
    request, calls for_environ() with the WSGI environ: both count in the same bucket.
    """

    def __call__(self) -> str:
        return self.for_environ(request.environ)

    @staticmethod
    def for_environ(environ) -> str:
        return environ.get("REMOTE_ADDR") or "127.0.0.1"


rate_limit_key = ClientAddress()
limiter = Limiter(key_func=rate_limit_key, default_limits=[])

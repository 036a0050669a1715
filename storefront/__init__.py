"""OCOP Market: the shop application; create_app builds it."""

from datetime import timedelta
from pathlib import Path

from flask import Flask, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import DEV_SECRET_KEY, Config


def create_app(config_class=Config):
    """Build the application without side effects on the database or network."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(Path(__file__).resolve().parents[1] / "instance"),
        instance_relative_config=True,
    )
    app.config.from_object(config_class)
    check_production_settings(app)
    register_cookie_settings(app)
    register_scan_fast_path(app)
    register_proxy_fix(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_security_headers(app)
    register_request_input(app)
    register_extensions(app)
    register_models()
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_shell_context(app)
    register_after_commit_hooks(app)
    return app


def check_production_settings(app):
    """Refuse a misspelt scan write mode (or queue mode without Redis and the job queue) or search backend, a scan region header without a trusted proxy, PostgreSQL search without PostgreSQL, and
    to serve production with the development secret key or without Redis for the rate limits."""
    scan_write_mode = app.config.get("SCAN_WRITE_MODE", "buffered")
    if scan_write_mode not in ("buffered", "immediate", "queue"):
        raise RuntimeError("SCAN_WRITE_MODE must be 'buffered', 'immediate' or 'queue'")
    if scan_write_mode == "queue" and not (app.config.get("REDIS_URL") and app.config.get("JOBS_REDIS_URL")):
        raise RuntimeError(
            "SCAN_WRITE_MODE=queue keeps scans in Redis (REDIS_URL) until the scan-drain job writes them "
            "(JOBS_REDIS_URL, with `flask jobs worker` and `flask jobs scheduler` running): set both, "
            "or use SCAN_WRITE_MODE=buffered"
        )
    if app.config.get("SCAN_REGION_HEADER") and not app.config.get("TRUSTED_PROXIES"):
        # Without a proxy that overwrites the header, any client could name two regions in two
        # requests and make a genuine stamp look copied.
        raise RuntimeError(
            "SCAN_REGION_HEADER is believed only from a trusted proxy that sets it on every request: "
            "set TRUSTED_PROXIES too, or leave SCAN_REGION_HEADER empty"
        )
    backend = app.config.get("SEARCH_BACKEND", "whoosh")
    if backend not in ("whoosh", "postgres"):
        raise RuntimeError(f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {backend!r}")
    if backend == "postgres" and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise RuntimeError("SEARCH_BACKEND=postgres keeps the search in the database: DATABASE_URL must be PostgreSQL")
    if app.config.get("APP_ENV") != "production":
        return
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set in production (APP_ENV=production)")
    if not app.config.get("REDIS_URL"):
        raise RuntimeError(
            "REDIS_URL must be set in production (APP_ENV=production), e.g. REDIS_URL=redis://127.0.0.1:6379/0: "
            "without it each worker counts sign-in, scan and order look-up limits on its own, so "
            "N workers (or servers) allow N times the limit"
        )


def register_cookie_settings(app):
    """Give the remember cookie the session cookie's Secure flag unless set, and 30 days at most."""
    if app.config.get("REMEMBER_COOKIE_SECURE") is None:
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["REMEMBER_COOKIE_DURATION"] = min(app.config["REMEMBER_COOKIE_DURATION"], timedelta(days=30))


def register_scan_fast_path(app):
    """Answer plain scans of a stamp before Flask's request handling (traceability/fast_path.py).

    Installed before ProxyFix, so it runs inside it and sees the client's address and scheme.
    """
    from traceability import fast_path

    fast_path.install(app)


def register_proxy_fix(app):
    """Trust X-Forwarded-* from the configured number of proxies, for client IPs and https URLs."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_security_headers(app):
    """CSP, framing, sniffing, referrer, permissions and HSTS headers on every answer.

    Registered before the extensions, so its hook runs after theirs and sees their headers.
    """
    from storefront import security_headers
    from storefront.storage import media_origin

    # Photos in object storage are answered by a redirect to the bucket or CDN: pages may load them there.
    # Map tiles (MAP_TILE_URL) load from their provider's host.
    origins = (media_origin(app.config), security_headers.tile_origin(app.config.get("MAP_TILE_URL", "")))
    app.config["CSP_IMG_SOURCES"] = tuple(origin for origin in origins if origin)
    security_headers.init_app(app)


def register_request_input(app):
    """Strip control characters from every query, form and JSON value; refuse them in paths."""
    from storefront.request_input import register

    register(app)


def register_pool_ping(app):
    """Check pooled connections that sat idle before use (storefront/pool_ping.py), once per engine."""
    from storefront import pool_ping
    from storefront.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            pool_ping.install(engine, app.config["POOL_PING_IDLE_SECONDS"])


def register_extensions(app):
    from storefront.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    register_pool_ping(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parents[1] / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    # No X-RateLimit-* headers: on every answer they cost each limited request two more round trips
    # to Redis (the window's count and expiry). A refusal still says when to come back (errors.py).
    app.config["RATELIMIT_HEADERS_ENABLED"] = False
    limiter.init_app(app)
    # Every limit here is a @limiter.limit decorator, checked in the view's wrapper; the
    # before_request check only serves app-wide or blueprint limits, which we have none of,
    # and cost every request some time.
    if not limiter.limit_manager.application_limits and not limiter.limit_manager.default_limits:
        app.before_request_funcs[None].remove(limiter._check_request_limit)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"

    from flask_babel import lazy_gettext

    from storefront.accounts.services import user_from_login_id

    login_manager.login_message = lazy_gettext("Vui lòng đăng nhập để tiếp tục.")

    @login_manager.user_loader
    def load_user(login_id):
        # The id is "<user id>:<login session token>" (User.get_id): a cookie whose login session
        # ended (sign-out, sign-out everywhere, password change or reset) loads nobody.
        return user_from_login_id(login_id, max_age=app.config["REMEMBER_COOKIE_DURATION"])


def register_models():
    """Import every feature's models so the metadata (and Alembic) sees all tables."""
    import storefront.accounts.models
    import storefront.articles.models
    import storefront.audit.models
    import storefront.cart.models
    import storefront.catalog.models
    import storefront.checkout.models
    import storefront.events.models
    import storefront.experiences.models
    import storefront.inventory.models
    import storefront.office.models
    import storefront.outbox.models
    import storefront.outlets.models
    import storefront.producer.models
    import storefront.reviews.models  # noqa: F401
    import traceability.models  # noqa: F401


def select_locale():
    """Flask-Babel's locale selector: ?lang= (remembered in the session), then the session, then Vietnamese."""
    from flask import current_app, has_request_context

    from storefront.locale import locale_for

    if not has_request_context():  # CLI commands and services outside a request speak Vietnamese
        return locale_for(current_app.config, asked=None, remembered=None)
    locale = locale_for(current_app.config, asked=request.args.get("lang"), remembered=session.get("lang"))
    if request.args.get("lang") == locale:
        session["lang"] = locale
    return locale


def register_blueprints(app):
    from storefront.accounts import bp as accounts_bp
    from storefront.articles import bp as articles_bp
    from storefront.cart import bp as cart_bp
    from storefront.catalog import bp as catalog_bp
    from storefront.checkout import bp as checkout_bp
    from storefront.demo import bp as demo_bp
    from storefront.events import bp as events_bp
    from storefront.experiences import bp as experiences_bp
    from storefront.main import bp as main_bp
    from storefront.office import bp as office_bp
    from storefront.outbox import bp as outbox_bp
    from storefront.outlets import bp as outlets_bp
    from storefront.producer import bp as producer_bp
    from storefront.reviews import bp as reviews_bp
    from traceability import bp as traceability_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        catalog_bp,
        cart_bp,
        checkout_bp,
        reviews_bp,
        outlets_bp,
        events_bp,
        articles_bp,
        experiences_bp,
        producer_bp,
        office_bp,
        outbox_bp,
        traceability_bp,
        demo_bp,
    ):
        app.register_blueprint(blueprint)

    from storefront.jobs.commands import jobs_cli

    app.cli.add_command(jobs_cli)


def register_errorhandlers(app):
    from storefront.errors import register

    register(app)


def register_template_helpers(app):
    from storefront.filters import register

    register(app)


def register_shell_context(app):
    from storefront.extensions import db

    app.shell_context_processor(lambda: {"db": db})


def register_after_commit_hooks(app):
    """Everything that happens after a commit, in one list (services flush; boundaries commit; then this).

    - Catalogue (catalog/indexing.py, through storefront/after_commit.py): the products, producers,
      certificates and stock a transaction changed (inventory reports its SQL stock updates with
      after_commit.note_rows) get their search documents rewritten after its commit (PostgreSQL
      search: at once, in this process; Whoosh: a job with JOBS_REDIS_URL, else at once), and
      this process's listing and page caches are emptied (also after changes to rows only
      shown on its pages: photos, batches, reviews, points of sale, articles, experiences), and
      catalogue_versions moves on, so other workers empty theirs within CATALOG_VERSION_CHECK_SECONDS.
    - Decision scans (office/documents.py store_scan, through storefront/after_commit.py
      undo_unless_committed): a scan written during a transaction that ends without a commit is
      deleted, so a file lives exactly as long as its committed certificate.
    - Mail (outbox): what a request queued is delivered after the response's transaction committed
      (with a job queue, JOBS_REDIS_URL: enqueued then, and sent by a worker with retries).

    - Origin pages (traceability/origin/cache.py, through storefront/after_commit.py): a commit
      that changed what an origin page shows moves origin_versions on, so every worker rebuilds
      that batch's description at its next scan.

    The catalogue, decision-scan and origin hooks listen on Flask-SQLAlchemy's sessions
    (storefront/after_commit.py), which every boundary of the app (requests, CLI commands,
    webhooks, jobs) commits through.
    """
    from storefront import after_commit, jobs
    from storefront.articles.models import Article, ArticleImage
    from storefront.catalog import indexing
    from storefront.events.models import Event
    from storefront.experiences.models import Blackout, Booking, Experience, ExperienceSession, SessionRule
    from storefront.extensions import db
    from storefront.outbox.services import deliver_pending
    from storefront.outlets.models import Outlet
    from storefront.reviews.models import Review, ReviewImage
    from traceability.models import Batch
    from traceability.origin import cache as origin_cache

    after_commit.register(app)
    origin_cache.register(app)
    # Product pages also show articles about the product and an experience's sessions and places left.
    page_models = (Batch, Review, ReviewImage, Outlet, Event, Article, ArticleImage)
    page_models += (Experience, SessionRule, Blackout, ExperienceSession, Booking)
    indexing.register(app, page_models=page_models)

    @app.after_request
    def deliver_queued_mail(response):
        if not db.session.registry.has():  # the request never used the database: no mail queued
            return response
        queued = db.session.info.pop("outbox_queued", None)
        if queued and not db.session.new and not db.session.dirty:
            if jobs.connection(app) is not None:  # a job queue: a worker sends it, with retries
                try:
                    jobs.enqueue("storefront.outbox.jobs:deliver", queued)
                except Exception:
                    app.logger.exception("could not enqueue mail; the scheduler's outbox sweep will send it")
                return response
            try:
                deliver_pending(app.config, ids=queued)
                db.session.commit()
            except Exception:  # mail must never turn a finished request into an error
                app.logger.exception("outbox delivery failed; `flask outbox send` will retry")
                db.session.rollback()
        return response


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    """Turn on foreign keys (off by default in SQLite) and write-ahead logging."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL: readers never block the writer; NORMAL: fsync at checkpoints, not every commit
        # (a power cut may lose the last commits, never corrupt the file).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

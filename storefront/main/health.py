"""What the health check asks of the app's dependencies."""

from flask import current_app
from sqlalchemy import text

from storefront.extensions import db
from traceability.scans.stream import read_backlog


def database_answers() -> bool:
    """Say whether the database answers a trivial query; never raise (load balancers read this probe)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        current_app.logger.warning("health check: database unreachable: %s", exc)
        db.session.rollback()
        return False
    return True


def scan_queue_state() -> dict:
    """The scan stream's backlog for monitoring (SCAN_WRITE_MODE=queue): state ok, stale or unreachable."""
    backlog = read_backlog()
    if backlog is None:
        return {"state": "unreachable"}
    return {
        "state": "stale" if backlog.stale else "ok",
        "waiting": backlog.waiting,
        "pending": backlog.pending,
        "oldest_seconds": None if backlog.oldest_seconds is None else round(backlog.oldest_seconds, 1),
        "last_drain_seconds": None if backlog.last_drain_seconds is None else round(backlog.last_drain_seconds, 1),
    }

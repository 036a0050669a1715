"""What the health check asks of the app's dependencies."""

from flask import current_app
from sqlalchemy import text

from storefront.extensions import db


def database_answers() -> bool:
    """Say whether the database answers a trivial query; never raise (load balancers read this probe)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        current_app.logger.warning("health check: database unreachable: %s", exc)
        db.session.rollback()
        return False
    return True

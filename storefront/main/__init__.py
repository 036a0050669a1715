"""Site-wide pages: home, policies, language, health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from storefront.main import views  # noqa: E402,F401

"""Producer dashboard under /producer."""

from flask import Blueprint

bp = Blueprint("producer", __name__, url_prefix="/producer")

from storefront.producer import views  # noqa: E402,F401

"""Verified-buyer reviews: a buyer whose order line was delivered rates that product once."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from storefront.reviews import views  # noqa: E402,F401

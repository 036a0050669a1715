"""OCOP fairs and exhibitions the office records (Decision 3485/QĐ-UBND: national, regional, province, commune)."""

from flask import Blueprint

bp = Blueprint("events", __name__)

from storefront.events import views  # noqa: E402,F401

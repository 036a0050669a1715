"""Points of sale and showrooms that introduce and sell OCOP products (Decision 3485/QĐ-UBND's network)."""

from flask import Blueprint

bp = Blueprint("outlets", __name__)

from storefront.outlets import views  # noqa: E402,F401

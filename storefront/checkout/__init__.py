"""Checkout: orders, payments (COD, VietQR transfer, Stripe card) and order pages."""

from flask import Blueprint

bp = Blueprint("checkout", __name__)

from storefront.checkout import views  # noqa: E402,F401

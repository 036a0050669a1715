"""Checkout: orders, payments (COD, VietQR transfer, Stripe card) and order pages."""

from flask import Blueprint

bp = Blueprint("checkout", __name__, cli_group="checkout")

from storefront.checkout import commands, views  # noqa: E402,F401

"""Checkout and order pages."""
from storefront.checkout import bp  # noqa: F401

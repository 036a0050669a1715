"""Checkout pages: the steps to an order (steps), order pages and look-up (orders), providers' callbacks (callbacks)."""

from storefront.checkout.views import callbacks, orders, steps  # noqa: F401

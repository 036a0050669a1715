"""OCOP office pages under /office, one module per area; importing this registers them all."""

from storefront.office.views import audit, home, moderation, orders, producers, register, reviews, scoring  # noqa: F401

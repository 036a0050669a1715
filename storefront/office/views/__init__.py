"""OCOP office pages under /office, one module per area; importing this registers them all."""

from storefront.office.views import audit, home, jobs, moderation, orders, producers, register, scoring  # noqa: F401

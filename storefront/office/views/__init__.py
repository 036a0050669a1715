"""OCOP office pages under /office, one module per area; importing this registers them all."""

from storefront.office.views import (  # noqa: F401
    articles,
    audit,
    home,
    jobs,
    moderation,
    orders,
    outlets,
    producers,
    register,
    reviews,
    scoring,
)

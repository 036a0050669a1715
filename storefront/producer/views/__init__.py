"""Producer dashboard pages under /producer, one module per area; importing this registers them all."""

from storefront.producer.views import (  # noqa: F401
    batches,
    experiences,
    listings,
    orders,
    outlets,
    products,
    profile,
    reviews,
    stats,
    stories,
)

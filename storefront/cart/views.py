"""Cart pages."""
from storefront.cart import bp  # noqa: F401

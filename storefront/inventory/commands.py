"""Inventory CLI commands (`flask inventory …`)."""
from storefront.inventory import bp  # noqa: F401

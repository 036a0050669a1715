"""Catalogue CLI commands (`flask catalog …`)."""
from storefront.catalog import bp  # noqa: F401

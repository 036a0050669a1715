"""OCOP office CLI commands (`flask office …`)."""
from storefront.office import bp  # noqa: F401

"""OCOP office pages."""
from storefront.office import bp  # noqa: F401

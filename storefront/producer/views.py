"""Producer dashboard pages."""
from storefront.producer import bp  # noqa: F401

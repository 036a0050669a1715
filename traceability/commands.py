"""Traceability CLI commands (`flask traceability …`)."""
from traceability import bp  # noqa: F401

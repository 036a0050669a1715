"""GS1 resolver and origin pages."""
from traceability import bp  # noqa: F401

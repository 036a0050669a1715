"""Traceability: batches, GS1 Digital Link stamps, the resolver and origin pages (README "Layout")."""

# bp lives in blueprint.py; importing the route and command modules here registers them on it.
from traceability import commands, views  # noqa: F401
from traceability.blueprint import bp
from traceability.counterfeit import views as counterfeit_views  # noqa: F401
from traceability.epcis import views as epcis_views  # noqa: F401
from traceability.resolver import views as resolver_views  # noqa: F401

__all__ = ["bp"]

"""Traceability: batches, GS1 Digital Link stamps, the resolver and origin pages."""

from flask import Blueprint

bp = Blueprint("traceability", __name__, cli_group="traceability")

# Route modules register on bp when imported.
from traceability import commands, views  # noqa: E402,F401
from traceability.counterfeit import views as counterfeit_views  # noqa: E402,F401
from traceability.epcis import views as epcis_views  # noqa: E402,F401
from traceability.resolver import views as resolver_views  # noqa: E402,F401

"""Traceability: batches, GS1 Digital Link stamps, the resolver and origin pages."""

from flask import Blueprint

bp = Blueprint("traceability", __name__, cli_group="traceability")

from traceability import commands, views  # noqa: E402,F401

"""Outgoing mail: queued in the request's transaction, delivered after its commit."""

from flask import Blueprint

bp = Blueprint("outbox", __name__, cli_group="outbox")

from storefront.outbox import commands  # noqa: E402,F401

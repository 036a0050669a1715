"""OCOP office: approvals, certificate register, scoresheets, dashboard, audit log."""

from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office", cli_group="office")

from storefront.office import commands, views  # noqa: E402,F401

"""Inventory: stock and reservations; services and CLI, no pages."""

from flask import Blueprint

bp = Blueprint("inventory", __name__, cli_group="inventory")

from storefront.inventory import commands  # noqa: E402,F401

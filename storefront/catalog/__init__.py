"""Catalogue: producers, products, OCOP certificates; their pages, search and feeds."""

from flask import Blueprint

bp = Blueprint("catalog", __name__, cli_group="catalog")

from storefront.catalog import api, commands, feeds, marketplaces, videos, views  # noqa: E402,F401

"""Accounts: sign-up, sign-in, password reset; roles shopper, producer, office."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account", cli_group="accounts")

from storefront.accounts import views  # noqa: E402,F401

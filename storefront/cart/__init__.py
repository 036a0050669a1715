"""Cart: a guest cart in the session, an account cart in the database."""

from flask import Blueprint

bp = Blueprint("cart", __name__, url_prefix="/cart")

from storefront.cart import views  # noqa: E402,F401

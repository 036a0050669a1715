"""News and stories: the office's articles and producers' stories (Decision 3485/QĐ-UBND asks the site to
publish them regularly), tagged with products, producers and wards; list, page, Atom feed, site search."""

from flask import Blueprint

bp = Blueprint("articles", __name__)

from storefront.articles import views  # noqa: E402,F401

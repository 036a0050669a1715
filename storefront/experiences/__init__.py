"""OCOP tourism services (group 6): experiences booked for a date and session, not shipped."""

from flask import Blueprint

bp = Blueprint("experiences", __name__)

from storefront.checkout import extras  # noqa: E402
from storefront.experiences import views  # noqa: E402,F401
from storefront.experiences.ordering import VisitSource  # noqa: E402

extras.register(VisitSource())  # visits become order lines (storefront/checkout/extras.py)

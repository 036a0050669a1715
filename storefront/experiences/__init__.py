"""OCOP tourism services (group 6): experiences booked for a date and session, not shipped."""

from flask import Blueprint

bp = Blueprint("experiences", __name__)

from storefront.experiences import views  # noqa: E402,F401

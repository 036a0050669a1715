"""Signing a browser in and out: Flask-Login plus the login session its cookies name.

View-level helpers (they touch Flask's session); the rules live in accounts/services.py.
"""

from flask import current_app, session
from flask_login import login_user, logout_user

from storefront.accounts.models import User
from storefront.accounts.services import end_all_login_sessions, end_login_session, start_login_session

#: Kept across sign-out: a preference, not a secret.
KEPT_KEYS = ("lang",)


def login_max_age():
    """Return how long a login session lives: as long as the remember cookie."""
    return current_app.config["REMEMBER_COOKIE_DURATION"]


def sign_in(user: User, *, remember: bool = False) -> None:
    """Start a login session for this browser and sign it in (the caller commits).

    The Flask session (the guest's cart) is kept: it lives in the browser's own signed cookie,
    so there is no server-side session id to fixate.
    """
    start_login_session(user, max_age=login_max_age())
    login_user(user, remember=remember)


def sign_out(user: User) -> None:
    """End this browser's login session and empty its Flask session (the caller commits)."""
    end_login_session(user)
    _clear_session()
    logout_user()  # after the clear: it marks the remember cookie for deletion


def sign_out_everywhere(user: User) -> None:
    """End every login session of the user, this browser's included (the caller commits)."""
    end_all_login_sessions(user)
    _clear_session()
    logout_user()


def _clear_session() -> None:
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)

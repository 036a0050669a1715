"""Where a shopper's cart lives: the account's cart rows when signed in, else the signed session cookie.

Request-level helpers (they read `current_user` and Flask's session), shared by the cart and
checkout pages; the rules live in cart/services.py. None of them commits: the view does, once.
"""

from flask import session
from flask_login import current_user

from storefront.cart.services import account_contents, account_item_count, merge_contents, save_account_contents
from storefront.request_input import MAX_PATH_INT

SESSION_KEY = "cart"


def guest_contents() -> dict:
    """Return the cart kept in this browser's session cookie: {product id: (quantity, price seen)}.

    A cart of any other shape (a cookie written by an older release) is read as empty rather than
    failing every page.
    """
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return {}
    contents = {}
    for pid, value in raw.items():
        if not (isinstance(pid, str) and pid.isascii() and pid.isdigit() and int(pid) <= MAX_PATH_INT):
            continue
        if isinstance(value, list) and len(value) == 2 and all(type(v) is int and v >= 0 for v in value):
            contents[int(pid)] = tuple(value)
    return contents


def item_count() -> int:
    """Return how many units the current shopper's cart holds (the header's badge)."""
    if current_user.is_authenticated:
        return account_item_count(current_user)
    return sum(quantity for quantity, _price in guest_contents().values())


def load_contents() -> dict:
    """Return the current shopper's cart contents, from the account or the session."""
    if current_user.is_authenticated:
        return account_contents(current_user)
    return guest_contents()


def save_contents(contents: dict) -> None:
    """Store the contents where load_contents reads them (account rows: the caller commits)."""
    if current_user.is_authenticated:
        save_account_contents(current_user, contents)
    else:
        session[SESSION_KEY] = {str(pid): list(value) for pid, value in contents.items()}


def clear_contents() -> None:
    """Empty the cart after an order; the caller commits."""
    if current_user.is_authenticated:
        save_account_contents(current_user, {})
    session.pop(SESSION_KEY, None)


def merge_guest_cart(user) -> None:
    """Move the guest cart into the account cart of a shopper signing in (the sign-in's caller commits)."""
    guest = guest_contents()
    session.pop(SESSION_KEY, None)
    if guest:
        save_account_contents(user, merge_contents(account_contents(user), guest))

"""The voucher's link: the booking code plus a keyed digest, so a code alone does not open someone's voucher."""

import hashlib
import hmac

from flask import current_app


def voucher_token(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"voucher:{code}".encode(), hashlib.sha256).hexdigest()[:20]


def token_matches(code: str, token: str) -> bool:
    return hmac.compare_digest(voucher_token(code).encode(), str(token or "").encode("utf-8", "replace"))


def voucher_path(code: str) -> str:
    return f"/bookings/{code}/{voucher_token(code)}"


def voucher_url(booking) -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or "") + voucher_path(booking.code)


def check_in_url(code: str) -> str:
    """What the voucher's QR code holds: the host's check-in page with the code (a phone camera opens it)."""
    return (current_app.config.get("PUBLIC_BASE_URL") or "") + f"/producer/check-in?code={code}"

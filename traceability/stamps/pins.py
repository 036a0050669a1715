"""Scratch-off PINs: made when a serialized stamp is issued, stored only as a hash, verified once."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _
from limits import parse
from limits.strategies import FixedWindowRateLimiter
from werkzeug.security import check_password_hash

from storefront.columns import utcnow
from storefront.extensions import db, limiter
from traceability.errors import InvalidStampRequest
from traceability.models import Stamp

#: PIN under the scratch-off layer: 8 digits, typed on a phone keypad.
PIN_DIGITS = 8
# werkzeug's default (600k pbkdf2 rounds) takes ~0.3 s per hash: an hour for 10,000 stamps.
# An 8-digit PIN has too little entropy for slow hashing to matter once the table leaks; what
# protects it is that a PIN verifies once and the form is rate-limited.
PIN_HASH_METHOD = "pbkdf2:sha256:1000"


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def verify_pin(stamp: Stamp, pin: str, *, now: datetime | None = None) -> str:
    """Check a scratch-off PIN once: return "valid", "used" (verified before) or "wrong"."""
    if stamp.pin_hash is None:
        raise InvalidStampRequest(_("Tem này không có mã PIN."))
    if stamp.pin_verified_at is not None:
        return "used"
    if not check_password_hash(stamp.pin_hash, (pin or "").strip()):
        return "wrong"
    stamp.pin_verified_at = now or utcnow()
    db.session.flush()
    return "valid"


# RATELIMIT_PIN holds one address; a stamp's own count holds them all. An IPv6 /48 is 65,536
# clients of the per-address limit: they would try all 10**8 PINs of a stamp whose serial they
# read in under three hours, and its buyer's genuine PIN would then say "already checked".
def _stamp_limit():
    return FixedWindowRateLimiter(limiter.storage), parse(current_app.config["RATELIMIT_PIN_STAMP"])


def _stamp_key(stamp: Stamp) -> str:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}pin-stamp/{stamp.id}"


def pin_checks_locked(stamp: Stamp) -> bool:
    """Whether the stamp took its RATELIMIT_PIN_STAMP of wrong PINs, from every address together (counted in
    the rate-limit storage: Redis in production, so every worker sees the same count)."""
    strategy, limit = _stamp_limit()
    return not strategy.test(limit, _stamp_key(stamp))


def count_wrong_pin(stamp: Stamp) -> None:
    strategy, limit = _stamp_limit()
    strategy.hit(limit, _stamp_key(stamp))

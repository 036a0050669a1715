"""Sign-in throttling: strict per account (a growing wait), loose per address.

Counted in the rate-limit storage (Redis in production), so every worker and server sees the
same counts. Per account: the first LOGIN_FREE_FAILURES wrong passwords cost nothing; each one
after that locks the account's sign-in for LOGIN_DELAY_SECONDS, doubling up to
LOGIN_DELAY_MAX_SECONDS, and attempts during the wait are refused before the password is
checked (they neither count nor extend it). Unknown e-mails are counted the same way, so the
lock tells nothing about which addresses have accounts.

Per address only wrong passwords that were actually checked count (RATELIMIT_LOGIN_ADDRESS):
Vietnamese mobile networks put many people behind one carrier-NAT address, and guessing at one
account reaches the address limit never, because the account's wait throttles it first.
"""

import hashlib
import time

from flask import current_app
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from storefront.extensions import client_network, limiter

#: The failure count forgets an account a day after its first failure.
FAILURE_WINDOW_SECONDS = 24 * 3600


def _account_key(email: str, kind: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}login-{kind}/{digest}"


def _address_limit():
    return FixedWindowRateLimiter(limiter.storage), parse(current_app.config["RATELIMIT_LOGIN_ADDRESS"])


def _address_key(address: str) -> str:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}login-address/{client_network(address or '-')}"


def account_wait_seconds(email: str) -> int:
    """Return how many seconds sign-in to this account is still locked (0 = not locked)."""
    storage = limiter.storage
    key = _account_key(email, "lock")
    if storage.get(key) <= 0:
        return 0
    return max(1, round(storage.get_expiry(key) - time.time()))


def address_wait_seconds(address: str) -> int:
    """Return how many seconds this address is still refused for too many wrong passwords
    (RATELIMIT_LOGIN_ADDRESS): until its window ends; 0 = not refused."""
    strategy, limit = _address_limit()
    key = _address_key(address)
    if strategy.test(limit, key):
        return 0
    return max(1, round(strategy.get_window_stats(limit, key).reset_time - time.time()))


def record_failure(email: str, address: str) -> int:
    """Count a wrong password for the account and the address; return the account's wait in seconds."""
    config = current_app.config
    strategy, limit = _address_limit()
    strategy.hit(limit, _address_key(address))
    storage = limiter.storage
    failures = storage.incr(_account_key(email, "failures"), FAILURE_WINDOW_SECONDS)
    free = config["LOGIN_FREE_FAILURES"]
    if failures <= free:
        return 0
    wait = min(config["LOGIN_DELAY_SECONDS"] * 2 ** (failures - free - 1), config["LOGIN_DELAY_MAX_SECONDS"])
    lock = _account_key(email, "lock")
    storage.clear(lock)
    storage.incr(lock, wait)
    return wait


def clear_failures(email: str) -> None:
    """Forget the account's failures and end its wait (a right password, a completed reset)."""
    limiter.storage.clear(_account_key(email, "failures"))
    limiter.storage.clear(_account_key(email, "lock"))

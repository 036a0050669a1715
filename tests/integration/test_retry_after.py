"""Every 429 says when to come back (Retry-After), in seconds the client can trust, and a refusal never
becomes a 500: the scan limit counted in Redis (as deployed), the sign-in throttle (storefront/accounts/throttle.py)."""

import os
import uuid

import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError

from storefront.errors import retry_after_seconds
from storefront.extensions import limiter
from tests.factories import PASSWORD, make_user
from tests.factories_traceability import make_traced_batch
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def in_redis(app_config):
    """The rate limits counted in the test Redis under a key prefix of this test's own (deleted after)."""
    prefix = f"test-retry-{uuid.uuid4().hex[:8]}"
    app_config.update(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    yield
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


@pytest.fixture
def two_scans(app_config, in_redis):
    app_config["RATELIMIT_SCAN"] = "2 per 10 minutes"


@pytest.fixture
def stamp_path(two_scans, db):
    batch = make_traced_batch()
    issue, _pins = issue_stamps(batch, count=1, actor=None)
    db.session.commit()
    return origin_path(batch, issue_stamps_list(issue)[0])


def test_a_scan_over_its_limit_counted_in_redis_is_told_the_windows_end(stamp_path, client):
    assert [client.get(stamp_path).status_code for _ in range(2)] == [200, 200]
    refused = client.get(stamp_path)
    assert refused.status_code == 429
    assert 540 < int(refused.headers["Retry-After"]) <= 600  # the 10 minutes' window, not a guess


def test_redis_failing_after_the_count_still_answers_429_with_retry_after(stamp_path, client, monkeypatch):
    """The limit was counted, then Redis goes away before the window's end is read: still the refusal."""
    assert [client.get(stamp_path).status_code for _ in range(2)] == [200, 200]

    def gone(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(limiter.limiter, "get_window_stats", gone)
    refused = client.get(stamp_path)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_retry_after_outside_a_request_is_the_default(app):
    assert retry_after_seconds() == 60


@pytest.fixture
def throttled(app_config, in_redis):
    app_config.update(
        LOGIN_FREE_FAILURES=1,
        LOGIN_DELAY_SECONDS=300,
        LOGIN_DELAY_MAX_SECONDS=900,
        RATELIMIT_LOGIN_ADDRESS="3 per 10 minutes",
    )


def _attempt(client, email, password, address="100.64.0.7"):
    return client.post(
        "/account/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


@pytest.mark.usefixtures("throttled")
def test_a_locked_account_is_told_its_wait(client, db):
    user = make_user()
    db.session.commit()
    assert [_attempt(client, user.email, "wrong").status_code for _ in range(2)] == [200, 200]  # the 2nd locks
    refused = _attempt(client, user.email, PASSWORD)
    assert refused.status_code == 429
    assert 290 < int(refused.headers["Retry-After"]) <= 300  # the account's wait, as the page says it


@pytest.mark.usefixtures("throttled")
def test_an_address_over_its_sign_in_limit_is_told_the_windows_end(client, db):
    users = [make_user() for _ in range(4)]
    db.session.commit()
    assert [_attempt(client, user.email, "wrong").status_code for user in users[:3]] == [200] * 3
    refused = _attempt(client, users[3].email, PASSWORD)
    assert refused.status_code == 429
    assert 540 < int(refused.headers["Retry-After"]) <= 600  # the address's 10 minutes, not 60 s

"""Honest sign-in limits: strict per account with a growing wait, loose per address (carrier NAT),
counted once for every worker in Redis; production refuses to start without it (issue 15, finding 5)."""

import os
import re
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
import redis

from config import Config
from storefront import create_app
from storefront.accounts import throttle
from tests.factories import PASSWORD, make_user
from tests.gunicorn_server import free_ports
from tests.servers import server_processes

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_config():
    return {
        "LOGIN_FREE_FAILURES": 3,
        "LOGIN_DELAY_SECONDS": 30,
        "LOGIN_DELAY_MAX_SECONDS": 300,
        "RATELIMIT_LOGIN_ADDRESS": "6 per minute",
    }


def attempt(client, email, password, address="100.64.0.7"):
    return client.post(
        "/account/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_production_refuses_to_start_without_redis():
    production = type("Prod", (Config,), {"APP_ENV": "production", "SECRET_KEY": "a-real-secret", "REDIS_URL": ""})
    with pytest.raises(RuntimeError, match="REDIS_URL must be set in production"):
        create_app(production)


def test_an_account_is_locked_after_its_free_failures_even_for_the_right_password(client, db):
    user = make_user()
    db.session.commit()
    for _ in range(3):
        assert attempt(client, user.email, "wrong").status_code == 200
    assert attempt(client, user.email, "wrong").status_code == 200  # the 4th failure starts a wait
    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Hãy thử lại sau 1 phút" in response.get_data(as_text=True)
    # From any other address too: the limit belongs to the account.
    assert attempt(client, user.email, PASSWORD, address="203.0.113.9").status_code == 429


def test_the_wait_doubles_with_each_failure_up_to_its_cap(app):
    waits = []
    with app.test_request_context():
        for _ in range(9):
            waits.append(throttle.record_failure("lan@example.vn", "100.64.0.7"))
            throttle.limiter.storage.clear(throttle._account_key("lan@example.vn", "lock"))
    assert waits == [0, 0, 0, 30, 60, 120, 240, 300, 300]


def test_a_right_password_forgets_the_failures(client, db):
    user = make_user()
    db.session.commit()
    for _ in range(3):
        attempt(client, user.email, "wrong")
    assert attempt(client, user.email, PASSWORD).status_code == 302
    client.post("/account/logout")
    for _ in range(3):
        assert attempt(client, user.email, "wrong", address="100.64.0.8").status_code == 200
    assert attempt(client, user.email, PASSWORD, address="100.64.0.8").status_code == 302


def test_guessing_one_account_never_locks_out_others_behind_the_same_address(client, db):
    victim, neighbour = make_user(), make_user()
    db.session.commit()
    statuses = {attempt(client, victim.email, f"guess-{n}").status_code for n in range(50)}
    assert statuses == {200, 429}
    assert attempt(client, neighbour.email, PASSWORD).status_code == 302


def test_a_password_reset_ends_the_wait(app, client, db):
    from storefront.accounts.services import make_reset_token

    user = make_user()
    db.session.commit()
    for _ in range(4):
        attempt(client, user.email, "wrong")
    assert attempt(client, user.email, PASSWORD).status_code == 429
    token = make_reset_token(user, app.config["SECRET_KEY"])
    client.post(f"/account/reset/{token}", data={"password": "tre xanh giua dong 7", "confirm": "tre xanh giua dong 7"})
    assert attempt(client, user.email, "tre xanh giua dong 7").status_code == 302


def test_unknown_accounts_are_locked_the_same_way(client, db):
    for _ in range(4):
        assert attempt(client, "nobody@example.vn", "wrong").status_code == 200
    assert attempt(client, "nobody@example.vn", "wrong").status_code == 429


def test_wrong_passwords_for_many_accounts_from_one_address_block_that_address_only(client, db):
    users = [make_user() for _ in range(7)]
    db.session.commit()
    for user in users[:6]:
        assert attempt(client, user.email, "wrong").status_code == 200
    assert attempt(client, users[6].email, PASSWORD).status_code == 429
    assert attempt(client, users[6].email, PASSWORD, address="100.64.0.8").status_code == 302


def test_the_addresses_of_one_ipv6_64_are_one_address_for_the_sign_in_limit(client, db):
    """A client given a /64 could try each password from a fresh address: the limit never held it."""
    users = [make_user() for _ in range(7)]
    db.session.commit()
    for n, user in enumerate(users[:6], start=1):
        assert attempt(client, user.email, "wrong", address=f"2001:db8:7::{n:x}").status_code == 200
    assert attempt(client, users[6].email, PASSWORD, address="2001:db8:7::ffff").status_code == 429
    assert attempt(client, users[6].email, PASSWORD, address="2001:db8:8::1").status_code == 302


# --- across workers: two server processes sharing Redis ----------------------------------------

SERVER = """
import sys
from werkzeug.serving import make_server
from config import TestConfig
from storefront import create_app

url, redis_url, prefix, port = sys.argv[1:5]
config = type("WorkerConfig", (TestConfig,), {
    "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url or "memory://",
    "RATELIMIT_KEY_PREFIX": prefix, "LOGIN_FREE_FAILURES": 3, "RATELIMIT_LOGIN_ADDRESS": "1000 per minute"})
make_server("127.0.0.1", int(port), create_app(config)).serve_forever()
"""


class Browser:
    """A urllib browser with its own cookies, posting forms with the page's CSRF token."""

    def __init__(self, base):
        self.base, self.opener = base, build_opener(HTTPCookieProcessor(CookieJar()))

    def login(self, email, password):
        page = self.opener.open(self.base + "/account/login").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        try:
            return self.opener.open(self.base + "/account/login", data=body).status
        except HTTPError as error:
            with error:
                return error.code


@pytest.fixture
def two_workers(_schema, db, request, tmp_path):
    """Start two server processes (standing in for two gunicorn workers) on the test database."""
    redis_url = request.param
    prefix = f"test-auth-{uuid.uuid4().hex[:8]}"
    ports = free_ports(2)
    try:
        with server_processes(
            SERVER, {port: [_schema, redis_url, prefix, str(port)] for port in ports}, tmp_path
        ) as urls:
            yield urls
    finally:
        if redis_url:
            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(f"*{prefix}*"):
                client.delete(key)


@pytest.mark.parametrize("two_workers", [REDIS_URL], indirect=True)
def test_two_workers_share_an_accounts_failures_in_redis(two_workers, db):
    user, neighbour = make_user(email="lan@example.vn"), make_user(email="mai@example.vn")
    db.session.commit()
    first, second = (Browser(base) for base in two_workers)
    assert [
        first.login(user.email, "wrong"),
        second.login(user.email, "wrong"),
        first.login(user.email, "wrong"),
        second.login(user.email, "wrong"),
    ] == [200] * 4
    # The 4th failure (3 free) was counted by the other worker: both now refuse the account.
    assert first.login(user.email, PASSWORD) == 429
    assert second.login(user.email, PASSWORD) == 429
    # Another account behind the same address signs in on either worker.
    assert second.login(neighbour.email, PASSWORD) == 200  # followed the redirect to the home page
    assert Browser(two_workers[0]).login(neighbour.email, PASSWORD) == 200


@pytest.mark.parametrize("two_workers", [""], indirect=True)
def test_without_redis_each_worker_counts_alone(two_workers, db):
    """The finding's failure, kept as a control: why production refuses to start without Redis."""
    user = make_user()
    db.session.commit()
    first, second = (Browser(base) for base in two_workers)
    for _ in range(4):
        first.login(user.email, "wrong")
    assert first.login(user.email, PASSWORD) == 429
    assert second.login(user.email, PASSWORD) == 200

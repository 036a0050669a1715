"""Sessions that end: cookies saved while signed in stop working after sign-out, sign-out
everywhere, a password change and a password reset (issue 15, finding 1)."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storefront import create_app
from storefront.accounts.models import LoginSession, User
from storefront.accounts.services import make_reset_token
from storefront.extensions import db as _db
from tests.conftest import CSRFClient, _config_for
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "tre xanh giua dong 7"
COOKIES = ("session", "remember_token")


def sign_in_and_save_cookies(app, user) -> dict[str, str]:
    """Sign in with "remember me" on a fresh browser; return the cookies it was given."""
    browser = app.test_client()
    response = browser.post("/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return {name: browser.get_cookie(name).value for name in COOKIES}, browser


def replay(app, name, value):
    """Open the account page from another browser holding only this one saved cookie."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief.get("/account/")


def sign_out(app, user, browser):
    browser.post("/account/logout")


def sign_out_everywhere(app, user, other_browser):
    response = other_browser.post("/account/logout-everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"


def change_password(app, user, other_browser):
    response = other_browser.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # The browser that changed it stays signed in.
    assert user.email in other_browser.get("/account/").get_data(as_text=True)


def reset_password(app, user, other_browser):
    token = make_reset_token(user, app.config["SECRET_KEY"])
    response = app.test_client().post(
        f"/account/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"


@pytest.mark.parametrize("cookie", COOKIES)
@pytest.mark.parametrize("action", [sign_out, sign_out_everywhere, change_password, reset_password])
def test_a_saved_cookie_stops_working(app, db, cookie, action):
    user = make_user(email="lan@example.vn")
    db.session.commit()
    saved, browser = sign_in_and_save_cookies(app, user)
    _other_saved, other_browser = sign_in_and_save_cookies(app, user)
    assert replay(app, cookie, saved[cookie]).status_code == 200  # the saved cookie works until then

    action(app, user, browser if action is sign_out else other_browser)

    response = replay(app, cookie, saved[cookie])
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/login")
    assert browser.get("/account/").status_code == 302


def test_signing_out_one_browser_keeps_the_others_signed_in(app, db):
    user = make_user()
    db.session.commit()
    _saved, phone = sign_in_and_save_cookies(app, user)
    _saved, laptop = sign_in_and_save_cookies(app, user)
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 2
    phone.post("/account/logout")
    assert phone.get("/account/").status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1


def test_sign_out_empties_the_session_but_keeps_the_language(app, db, client):
    user = make_user()
    db.session.commit()
    client.get("/?lang=en")
    client.post("/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    with client.session_transaction() as session:
        session["cart"], session["checkout"] = {"1": [1, 0]}, {"name": "Lan"}
    response = client.post("/account/logout")
    assert "remember_token=;" in " ".join(response.headers.getlist("Set-Cookie"))  # deleted
    with client.session_transaction() as session:
        assert {k: v for k, v in session.items() if k != "_flashes"} == {"lang": "en"}


def test_sign_out_everywhere_is_a_button_on_the_account_page_and_needs_a_post(app, db, client, login):
    user = make_user()
    db.session.commit()
    login(user)
    page = client.get("/account/").get_data(as_text=True)
    assert 'action="/account/logout-everywhere"' in page and "Đăng xuất khỏi mọi thiết bị" in page
    assert client.get("/account/logout-everywhere").status_code == 405
    assert client.post("/account/logout-everywhere", csrf=False).status_code == 400
    assert client.get("/account/").status_code == 200


def test_a_wrong_current_password_changes_nothing(app, db, client, login):
    user = make_user()
    db.session.commit()
    login(user)
    response = client.post(
        "/account/password", data={"current_password": "not it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert "Mật khẩu hiện tại không đúng." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_a_login_session_older_than_the_remember_duration_loads_nobody(app, db):
    user = make_user()
    db.session.commit()
    saved, _browser = sign_in_and_save_cookies(app, user)
    row = db.session.scalar(select(LoginSession))
    row.created_at = datetime.now(UTC) - timedelta(days=31)
    db.session.commit()
    assert replay(app, "remember_token", saved["remember_token"]).status_code == 302


def test_a_cookie_from_before_login_sessions_loads_nobody(app, db):
    """A cookie that names only the user id (as every cookie did before) no longer signs in."""
    from flask_login.utils import encode_cookie

    user = make_user()
    db.session.commit()
    with app.test_request_context():
        old = encode_cookie(str(user.id))
    assert replay(app, "remember_token", old).status_code == 302


@pytest.fixture
def production_app(_schema, tmp_path):
    config = _config_for(
        _schema,
        tmp_path,
        APP_ENV="production",
        SECRET_KEY="a-real-secret",
        REDIS_URL=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5"),
        RATELIMIT_KEY_PREFIX="test-auth-cookies",
        SESSION_COOKIE_SECURE=True,
        TESTING=False,
    )
    config.REMEMBER_COOKIE_SECURE = None  # as in Config: follows SESSION_COOKIE_SECURE
    app = create_app(config)
    app.test_client_class = CSRFClient
    yield app
    with app.app_context():  # its own engine: close its connections before they are collected
        _db.engine.dispose()


def test_production_cookies_are_secure_httponly_lax_and_remembered_30_days_at_most(app, db, production_app):
    user = make_user()
    db.session.commit()
    browser, https = production_app.test_client(), {"base_url": "https://shop.test"}
    page = browser.get("/account/login", **https).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = browser.post(
        "/account/login",
        **https,
        csrf=False,
        headers={"Referer": "https://shop.test/account/login"},
        data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302
    headers = {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}
    for name in COOKIES:
        flags = [part.strip().lower() for part in headers[name].split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, headers[name]
    expires = next(p for p in headers["remember_token"].split(";") if p.strip().lower().startswith("expires="))
    lifetime = parsedate_to_datetime(expires.split("=", 1)[1]) - datetime.now(UTC)
    assert timedelta(days=29) < lifetime <= timedelta(days=30)


def test_production_turns_secure_cookies_on_by_default_and_caps_remembering_at_30_days():
    env = {**os.environ, "APP_ENV": "production", "REMEMBER_COOKIE_DAYS": "365"}
    env.pop("SESSION_COOKIE_SECURE", None)
    code = "import config; c = config.Config; print(c.SESSION_COOKIE_SECURE, c.REMEMBER_COOKIE_DURATION.days)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["True", "30"]

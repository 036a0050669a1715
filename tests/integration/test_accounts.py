"""Sign-up, sign-in (rate limited), sign-out and password reset by emailed token."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.outbox.models import OutboxMessage
from tests.factories import PASSWORD, make_user


@pytest.fixture
def app_config():
    return {"RATELIMIT_LOGIN_ADDRESS": "3 per minute"}


def register_form(**overrides):
    form = {
        "full_name": "Nguyễn Thị Hoa",
        "email": "hoa@example.vn",
        "phone": "0912 345 678",
        "password": "mat-khau-dai",
        "confirm": "mat-khau-dai",
        "accept_privacy": "y",
    }
    form.update(overrides)
    return form


def test_a_shopper_registers_gets_a_welcome_mail_and_signs_in(client, db):
    response = client.post("/account/register?next=/cart", data=register_form())
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")
    user = db.session.scalar(select(User).where(User.email == "hoa@example.vn"))
    assert user.role is Role.SHOPPER
    assert user.phone == "+84912345678"
    assert user.password_hash != "mat-khau-dai"
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.to_address == "hoa@example.vn" and "đã được tạo" in mail.body_text
    client.post("/account/login", data={"email": "hoa@example.vn", "password": "mat-khau-dai"})
    assert "hoa@example.vn" in client.get("/account/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Email"),
        ("phone", "12345", "Số điện thoại di động Việt Nam không hợp lệ"),
        ("password", "short", "Mật khẩu cần từ 8 ký tự trở lên."),
        ("password", "12345678", "Mật khẩu này dễ bị đoán."),
        ("confirm", "different-pass", "Mật khẩu không khớp."),
        ("accept_privacy", "", "Bạn cần đồng ý để tiếp tục."),
    ],
)
def test_registration_with_bad_input_shows_a_message_and_creates_nothing(client, db, field, value, message):
    form = register_form(**{field: value})
    if field == "password":
        form["confirm"] = value
    response = client.post("/account/register", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-err"' in page
    assert message in page
    assert db.session.scalar(select(User)) is None


def test_an_email_can_only_register_once_and_only_its_owner_is_told(client, db):
    make_user(email="hoa@example.vn")
    db.session.commit()
    response = client.post("/account/register", data=register_form(email="HOA@example.vn"))
    assert response.status_code == 302
    assert "Email này đã có tài khoản." not in client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(db.session.scalars(select(User)).all()) == 1
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.to_address == "hoa@example.vn" and "đã có tài khoản" in mail.body_text


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, db):
    user = make_user()
    db.session.commit()
    response = client.post("/account/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "Email hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_wrong_passwords_for_many_accounts_from_one_address_get_a_page_in_vietnamese(client, db):
    users = [make_user() for _ in range(4)]
    db.session.commit()
    for user in users[:3]:
        client.post("/account/login", data={"email": user.email, "password": "wrong"})
    response = client.post("/account/login", data={"email": users[3].email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Quá nhiều yêu cầu" in response.get_data(as_text=True)


def test_login_redirects_only_to_local_pages(client, db):
    user = make_user()
    db.session.commit()
    response = client.post(
        "/account/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account/"  # the shopper's home, not the foreign site


def test_sign_out_needs_a_post(client, login, db):
    user = make_user()
    db.session.commit()
    login(user)
    assert client.get("/account/logout").status_code == 405
    assert client.post("/account/logout").status_code == 302
    assert client.get("/account/").status_code == 302


def test_password_reset_by_emailed_token(client, db, app):
    user = make_user(email="quen@example.vn")
    db.session.commit()
    client.post("/account/reset", data={"email": "quen@example.vn"})
    message = db.session.scalar(select(OutboxMessage))
    assert message.sent_at is not None
    eml = next(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")).read_text()
    assert "quen@example.vn" in eml
    link = re.search(r"http://\S+/account/reset/\S+", message.body_text).group(0)
    assert link.startswith(app.config["PUBLIC_BASE_URL"] + "/account/reset/")
    path = link.removeprefix(app.config["PUBLIC_BASE_URL"])
    response = client.post(path, data={"password": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("mat-khau-moi-1")
    # The token dies with the old password.
    assert client.get(path).status_code == 302
    assert "không hợp lệ" in client.get(path, follow_redirects=True).get_data(as_text=True)


def test_reset_link_ignores_a_forged_host_header(client, db, app):
    make_user(email="quen@example.vn")
    db.session.commit()
    # The session cookie belongs to the real host, so the forged-host request carries no CSRF
    # session; CSRF is off here only because this test is about the Host header.
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/account/reset", data={"email": "quen@example.vn"}, headers={"Host": "evil.example"})
    assert response.status_code == 302
    body = db.session.scalar(select(OutboxMessage)).body_text
    assert "evil.example" not in body
    assert app.config["PUBLIC_BASE_URL"] + "/account/reset/" in body


def test_reset_for_an_unknown_email_says_the_same_and_mails_no_link(client, db):
    response = client.post("/account/reset", data={"email": "nobody@example.vn"}, follow_redirects=True)
    assert "Nếu email có tài khoản" in response.get_data(as_text=True)
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.to_address == "nobody@example.vn"
    assert "chưa có tài khoản" in mail.body_text and "/account/reset/" not in mail.body_text


def test_an_unexpected_error_rolls_back_and_shows_a_vietnamese_500_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom():
        raise RuntimeError("boom")

    app.add_url_rule("/boom", view_func=boom)
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Đã có lỗi xảy ra" in response.get_data(as_text=True)

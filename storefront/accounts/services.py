"""Account rules: unique emails, passwords, login sessions, password reset tokens."""

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from flask import current_app, has_app_context
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from storefront.accounts.models import LoginSession, Role, User
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.outbox.services import queue_mail
from storefront.request_input import MAX_PATH_INT

RESET_MAX_AGE_SECONDS = 3600


class AccountError(DomainError):
    pass


class EmailTaken(AccountError):
    pass


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def register_user(
    *, email: str, password: str, full_name: str = "", phone: str | None = None, role: Role = Role.SHOPPER
) -> User:
    """Create an account or raise EmailTaken."""
    if find_user_by_email(email):
        raise EmailTaken(email)
    user = User(email=email.strip().lower(), full_name=full_name.strip(), phone=phone or None, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def _spend_a_password_check(password: str) -> None:
    """Hash like a real check does, so a path without a user takes as long as one with."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    check_password_hash(_dummy_hash(method), password)


def answer_taken_address(email: str, password: str, subject: str, body: str) -> None:
    """A sign-up with an address that already has an account: cost the hashing a new account
    costs and mail the address's owner what happened (the page answers as for a new account)."""
    _spend_a_password_check(password)
    queue_mail(email.strip().lower(), subject, body)


def sign_up(
    *, email: str, password: str, full_name: str = "", phone: str | None = None, login_url: str, reset_url: str
) -> User | None:
    """Create a shopper account and mail a welcome; or, when the e-mail already has an account,
    mail its owner what happened and return None.

    Both ways the page shows the same answer: only the owner of the address learns which it was.
    """
    try:
        user = register_user(email=email, password=password, full_name=full_name, phone=phone)
    except EmailTaken:
        answer_taken_address(
            email,
            password,
            _("Đăng ký tài khoản – OCOP Thái Nguyên"),
            _(
                "Xin chào,\n\nCó người vừa dùng địa chỉ email này để tạo tài khoản tại OCOP Thái Nguyên, "
                "nhưng email này đã có tài khoản.\n\nNếu đó là bạn, hãy đăng nhập: %(login_url)s\n"
                "Nếu quên mật khẩu, hãy đặt lại: %(reset_url)s\n\n"
                "Nếu không phải bạn, hãy bỏ qua thư này: tài khoản của bạn không thay đổi.",
                login_url=login_url,
                reset_url=reset_url,
            ),
        )
        return None
    queue_mail(
        user.email,
        _("Chào mừng bạn đến OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nTài khoản của bạn đã được tạo. Đăng nhập bằng email này và mật khẩu "
            "bạn vừa chọn: %(login_url)s\n\nNếu không phải bạn đăng ký, hãy bỏ qua thư này.",
            name=user.full_name or user.email,
            login_url=login_url,
        ),
    )
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None.

    An unknown e-mail costs the same hashing as a known one, so the answer's timing does not
    tell which addresses have accounts.
    """
    user = find_user_by_email(email)
    if user is None:
        _spend_a_password_check(password)
        return None
    if user.check_password(password) and user.is_active:
        return user
    return None


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every login session of the user (all devices)."""
    user.set_password(new_password)
    end_all_login_sessions(user)


# --- login sessions: what the session and remember cookies name ----------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(user: User, *, max_age: timedelta) -> str:
    """Record a new signed-in browser for the user and return its token (kept on user.login_token).

    The user's sessions older than max_age are dropped on the way: their cookies are dead anyway.
    """
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.created_at < utcnow() - max_age)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=_token_hash(token)))
    db.session.flush()
    user.login_token = token
    return token


def end_login_session(user: User) -> None:
    """Forget the login session this user instance was loaded with (sign out this browser)."""
    if user.login_token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(user.login_token)))
        user.login_token = None


def end_all_login_sessions(user: User) -> int:
    """Forget every login session of the user (sign out everywhere); return how many there were."""
    result = db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.login_token = None
    return result.rowcount


def user_from_login_id(login_id: str, *, max_age: timedelta) -> User | None:
    """Return the active user whose live login session the id "<user id>:<token>" names, or None."""
    user_id, _sep, token = (login_id or "").partition(":")
    # A signed cookie can still carry an id no column holds (an old or forged format): no such user.
    if not user_id.isascii() or not user_id.isdigit() or int(user_id) > MAX_PATH_INT or not token or len(token) > 100:
        return None
    user = db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            LoginSession.token_hash == _token_hash(token),
            LoginSession.created_at >= utcnow() - max_age,
        )
    )
    if user is None or not user.is_active:
        return None
    user.login_token = token
    return user


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-reset")


def make_reset_token(user: User, secret_key: str) -> str:
    # The hash fragment makes a token die once the password changes.
    return _serializer(secret_key).dumps({"id": user.id, "h": user.password_hash[-12:]})


def user_from_reset_token(token: str, secret_key: str) -> User | None:
    try:
        data = _serializer(secret_key).loads(token, max_age=RESET_MAX_AGE_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("id"))
    if user is None or user.password_hash[-12:] != data.get("h"):
        return None
    return user


def send_reset_mail(user: User, reset_url: str) -> None:
    queue_mail(
        user.email,
        _("Đặt lại mật khẩu – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nBấm vào liên kết sau để đặt lại mật khẩu (hiệu lực 1 giờ):\n%(url)s\n\n"
            "Nếu bạn không yêu cầu, hãy bỏ qua thư này.",
            name=user.full_name or user.email,
            url=reset_url,
        ),
    )


def send_no_account_mail(email: str, register_url: str) -> None:
    """Tell an address without an account that someone asked to reset its password."""
    queue_mail(
        email.strip().lower(),
        _("Đặt lại mật khẩu – OCOP Thái Nguyên"),
        _(
            "Xin chào,\n\nCó người vừa yêu cầu đặt lại mật khẩu cho địa chỉ email này tại OCOP Thái Nguyên, "
            "nhưng chưa có tài khoản nào dùng email này.\n\nNếu đó là bạn, bạn có thể tạo tài khoản: %(url)s\n\n"
            "Nếu không phải bạn, hãy bỏ qua thư này.",
            url=register_url,
        ),
    )

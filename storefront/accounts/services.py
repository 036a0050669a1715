"""Account rules: unique emails, password reset tokens."""
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from storefront.accounts.models import Role, User
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.outbox.services import queue_mail

RESET_MAX_AGE_SECONDS = 3600


class AccountError(DomainError):
    pass


class EmailTaken(AccountError):
    pass


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def register_user(*, email: str, password: str, full_name: str = "", phone: str | None = None,
                  role: Role = Role.SHOPPER) -> User:
    """Create an account or raise EmailTaken."""
    if find_user_by_email(email):
        raise EmailTaken(email)
    user = User(email=email.strip().lower(), full_name=full_name.strip(), phone=phone or None, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = find_user_by_email(email)
    if user and user.is_active and user.check_password(password):
        return user
    return None


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
        _("Xin chào %(name)s,\n\nBấm vào liên kết sau để đặt lại mật khẩu (hiệu lực 1 giờ):\n%(url)s\n\n"
          "Nếu bạn không yêu cầu, hãy bỏ qua thư này.", name=user.full_name or user.email, url=reset_url),
    )

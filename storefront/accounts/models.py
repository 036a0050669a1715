"""User accounts and their roles."""

import enum
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from storefront.columns import UTCDateTime, str_enum, utcnow
from storefront.extensions import db


class Role(enum.Enum):
    SHOPPER = "shopper"
    PRODUCER = "producer"
    OFFICE = "office"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120), default="")
    #: E.164, e.g. +84912345678.
    phone: Mapped[str | None] = mapped_column(String(16))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.SHOPPER)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    #: The token of the login session this instance was signed in or loaded with (not a column):
    #: get_id() puts it in the session and remember cookies, so they die with that session.
    login_token = None

    def get_id(self) -> str:
        """Return Flask-Login's alternative id, "<user id>:<login session token>"."""
        if not self.login_token:
            raise RuntimeError("sign in with storefront.accounts.sessions.sign_in (it starts a login session)")
        return f"{self.id}:{self.login_token}"

    def set_password(self, password: str) -> None:
        # Tests choose a cheap method; verification reads the method stored in the hash.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_office(self) -> bool:
        return self.role is Role.OFFICE

    @property
    def is_producer(self) -> bool:
        return self.role is Role.PRODUCER

    def __repr__(self):
        return f"<User {self.email} {self.role.value}>"


class LoginSession(db.Model):
    """One signed-in browser: its cookies name this row, and they stop working once it is gone.

    Flask keeps the session in a signed cookie, so without a row to delete a copy of the cookie
    saved before sign-out would stay valid (as would the year-long remember cookie).
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the token in the cookies: a copy of this table signs nobody in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Office accounts: created by the CLI, never by sign-up."""

from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.accounts.services import register_user
from storefront.audit.services import log_action
from storefront.extensions import db


def create_office_user(*, email: str, password: str, full_name: str = "") -> User:
    """Create an office account (the CLI's job; there is no sign-up for it)."""
    user = register_user(email=email, password=password, full_name=full_name, role=Role.OFFICE)
    log_action(None, "user.create_office", user, after={"email": user.email, "role": user.role.value})
    return user


def office_users() -> list[User]:
    """Return the office accounts by name (council chairs are chosen from them)."""
    return db.session.scalars(select(User).where(User.role == Role.OFFICE).order_by(User.full_name)).all()

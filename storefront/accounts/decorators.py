"""Role checks to stack under login_required on producer and office routes."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from storefront.accounts.models import Role


def role_required(role: Role):
    """Let only signed-in users of one role through; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role is not role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


producer_required = role_required(Role.PRODUCER)
office_required = role_required(Role.OFFICE)

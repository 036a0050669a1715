"""Error pages in the user's language and the domain error base."""

import logging
import time
from datetime import datetime

from flask import jsonify, make_response, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from storefront.extensions import db, limiter

log = logging.getLogger(__name__)

#: Retry-After of a refusal that does not know its own wait.
DEFAULT_RETRY_AFTER_SECONDS = 60


class DomainError(Exception):
    """A business rule refused an action; views turn it into a message."""


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, description: str | None = None):
    if wants_json():
        return make_response(jsonify(error=code, message=description or ""), code)
    if request_ctx.url_adapter is None:
        # The Host is not in TRUSTED_HOSTS: no link can be built for it, so no page with links.
        message = escape(_("Địa chỉ trang (tên miền) này không được chấp nhận."))
        return make_response(
            f'<!doctype html><meta charset="utf-8"><title>{code}</title><h1>{code}</h1><p>{message}</p>', code
        )
    template = f"errors/{code}.html" if code in (400, 403, 404, 405, 413, 429, 500) else "errors/generic.html"
    return make_response(render_template(template, code=code, description=description), code)


def retry_after_seconds(error: HTTPException | None = None) -> int:
    """Seconds until the client may try again (at least 1): the wait a refusal carries itself
    (werkzeug's TooManyRequests(retry_after=…), the sign-in throttle's), else the end of the
    Flask-Limiter limit this request broke, else DEFAULT_RETRY_AFTER_SECONDS.

    Never raises: a refusal must stay a 429 when the limits' storage (Redis) no longer answers the
    window's end, or outside a request.
    """
    own = getattr(error, "retry_after", None)
    if isinstance(own, datetime):
        own = own.timestamp() - time.time()
    if isinstance(own, (int, float)) and not isinstance(own, bool):
        return max(1, int(own))
    try:
        broken = limiter.current_limit
        if broken is not None and broken.breached:  # a limit this request passed says nothing of the refusal
            return max(1, int(broken.reset_at - time.time()))
    except Exception:  # the storage unreachable, no request context
        log.warning("could not read the broken rate limit's window for Retry-After", exc_info=True)
    return DEFAULT_RETRY_AFTER_SECONDS


def register(app):
    @app.errorhandler(HTTPException)
    def handle_http(error):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code, error.description if error.code in (400, 403, 404) else None)
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(retry_after_seconds(error))
        return response

    @app.errorhandler(500)
    def handle_500(error):
        db.session.rollback()
        return render_error(500)

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def handle_csrf(error):
        return render_error(400, "csrf")

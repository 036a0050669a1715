"""Error pages in the user's language and the domain error base."""

import time

from flask import jsonify, make_response, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from storefront.extensions import db, limiter


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


def retry_after_seconds() -> int:
    """Seconds until the limit this request broke lets the client in again (at least 1)."""
    broken = limiter.current_limit
    if broken is None:
        return 60
    return max(1, int(broken.reset_at - time.time()))


def register(app):
    @app.errorhandler(HTTPException)
    def handle_http(error):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code, error.description if error.code in (400, 403, 404) else None)
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(retry_after_seconds())
        return response

    @app.errorhandler(500)
    def handle_500(error):
        db.session.rollback()
        return render_error(500)

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def handle_csrf(error):
        return render_error(400, "csrf")

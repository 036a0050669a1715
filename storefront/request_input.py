"""Request input made safe in one place: control characters out of every query, form and path value."""

from urllib.parse import parse_qsl, urlsplit

from flask import Flask, abort, current_app, request, url_for
from flask.wrappers import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from storefront.text import CONTROL_RE, clean_text

#: Highest page number a list accepts; past it a page is empty anyway (404), and PostgreSQL's
#: OFFSET is a bigint: page 10**18 × 50 rows used to end in a 500.
MAX_PAGE = 100_000
#: Largest id a path may name: ids are INTEGER columns (PostgreSQL int4); /office/producers/10**20
#: used to reach the database and fail there (out of range), or SQLite's driver (OverflowError).
MAX_PATH_INT = 2**31 - 1
#: Methods whose body a view may read.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _clean(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


class CleanMultiDict(ImmutableMultiDict):
    """The query string and form fields, with control characters removed from keys and text values."""

    def __init__(self, mapping=None):
        if mapping is None or isinstance(mapping, dict):
            super().__init__(mapping)
            return
        super().__init__([(_clean(key), _clean(value)) for key, value in mapping])


class CleanRequest(Request):
    """Flask's request whose args, form and JSON never carry a NUL or another C0 control."""

    parameter_storage_class = CleanMultiDict

    @cached_property
    def args(self) -> CleanMultiDict:
        """The query, as Werkzeug parses it, but a raw byte that is not UTF-8 stays percent-encoded (Werkzeug's
        own rule for a bad escape) instead of a UnicodeDecodeError, a 500 on every page."""
        query = self.query_string.decode("utf-8", "werkzeug.url_quote")
        return self.parameter_storage_class(parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote"))

    def get_json(self, force=False, silent=False, cache=True):
        return _clean(super().get_json(force=force, silent=silent, cache=cache))


def accepts_json(view):
    """Mark a view that reads a JSON body itself (the payment webhook); others refuse one."""
    view.accepts_json = True
    return view


def request_page() -> int:
    """Return the ?page= number for a list: 1 when absent, 404 when not a number, at most MAX_PAGE."""
    raw = request.args.get("page", "").strip()
    if raw == "":
        return 1
    if not raw.isascii() or not raw.isdigit():
        abort(404)
    return max(1, min(int(raw) if len(raw) <= 12 else MAX_PAGE, MAX_PAGE))


def register(app: Flask) -> None:
    """Install the cleaning request class and refuse path values and bodies the app cannot use."""
    app.request_class = CleanRequest

    @app.url_value_preprocessor
    def refuse_control_characters_in_path(endpoint, values):
        # /orders/a%00b: no stored code, slug or name holds a control character, and PostgreSQL
        # refuses NUL in a query parameter, so such a path names nothing.
        for value in (values or {}).values():
            if isinstance(value, str) and CONTROL_RE.search(value):
                abort(404)
            if isinstance(value, int) and value > MAX_PATH_INT:
                abort(404)

    @app.before_request
    def refuse_json_to_forms():
        # Flask-WTF reads a JSON body as form data when no form was sent; a list or a nested
        # value there breaks its fields. Our forms are HTML forms: a JSON body is the wrong type.
        if request.method in BODY_METHODS and request.is_json:
            view = current_app.view_functions.get(request.endpoint)
            if view is not None and not getattr(view, "accepts_json", False):
                abort(415)


def safe_next(default_endpoint="main.index") -> str:
    """Return the ?next= (or form `next`) target when it stays on this site, else the default page."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return url_for(default_endpoint)

"""Whole-page cache of the home, catalogue, product and producer pages for anonymous visitors.

A visitor without a session or remember cookie sees the same page as every other such
visitor: no sign-in, cart, flashed message or chosen language. Such pages are kept in this
process, bounded by entries and bytes, and dropped on any catalogue commit here
(indexing.catalogue_changed); another worker's commit, a hold that lapses and a new day show at
this worker's next check of catalogue_versions (indexing.check_catalogue_version, at most
CATALOG_VERSION_CHECK_SECONDS apart). CATALOG_CACHE_SECONDS (0 turns the cache off) bounds what
nothing signals: edits made outside the app, an experience session's start, an article going
live at its scheduled time. The add-to-cart form's CSRF token is rendered as a
placeholder and replaced at serve time with the visitor's own token, which starts their
session: their next pages are rendered for them.
"""

import secrets
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from storefront.catalog.indexing import check_catalogue_version, page_cache

#: Stands for the CSRF token in stored pages; random per process, so no page text can match it.
CSRF_PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"


@dataclass(frozen=True, slots=True)
class CachedPage:
    body: bytes
    content_type: str


def _cache_key():
    """Return the cache key of this request, or None when its page must be rendered for it."""
    config = current_app.config
    if request.method not in ("GET", "HEAD") or "lang" in request.args:  # ?lang= stores the choice in the session
        return None
    cookies = request.cookies
    if config["SESSION_COOKIE_NAME"] in cookies or config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
        return None
    query = tuple(sorted(request.args.items(multi=True)))
    # Without ?lang= and a session, storefront.select_locale picks the default; `wrapper` checks it.
    return request.host_url, request.path, query, config["BABEL_DEFAULT_LOCALE"]


def _serve(page: CachedPage):
    body = page.body
    personal = CSRF_PLACEHOLDER.encode() in body
    if personal:
        body = body.replace(CSRF_PLACEHOLDER.encode(), generate_csrf().encode())
    response = current_app.response_class(body, content_type=page.content_type)
    response.headers["Cache-Control"] = "private, no-cache" if personal else "no-cache"
    response.vary.add("Cookie")
    return response


def cached_page(view):
    """Serve the view's 200 answers to anonymous GET/HEAD requests from the page cache."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        check_catalogue_version()  # the listing cache too, whoever asks
        key = _cache_key()
        cache = page_cache()
        if key is None or cache.max_age <= 0:
            return view(*args, **kwargs)
        page = cache.get(key)
        if page is None:
            generation = cache.generation
            field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
            setattr(g, field, CSRF_PLACEHOLDER)  # flask_wtf.csrf.generate_csrf returns g's token as is
            try:
                response = make_response(view(*args, **kwargs))
            finally:
                g.pop(field, None)
            if (
                response.status_code != 200
                or response.direct_passthrough
                or session.modified
                or str(get_locale()) != key[-1]
            ):
                return _replace_placeholder(response)
            page = CachedPage(response.get_data(), response.content_type)
            cache.set(key, page, generation)
        return _serve(page)

    return wrapper


def _replace_placeholder(response):
    """Put the visitor's token into an answer that is not stored (a redirect has no placeholder)."""
    if not response.direct_passthrough:
        body = response.get_data()
        if CSRF_PLACEHOLDER.encode() in body:
            response.set_data(body.replace(CSRF_PLACEHOLDER.encode(), generate_csrf().encode()))
    return response

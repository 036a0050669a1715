"""A scan answered before Flask's request handling: the shop's commonest requests.

A phone that scans a stamp opens its Digital Link (/01/…/10/…[/21/…]), which answers a 307 to
its origin page (/origin/01/…), or a /t/ code, its own origin page; without a session cookie,
in Vietnamese. The 307 needs no look-up: it is the resolver's answer (pages.redirect_to_origin_page)
with the same Location (absolute, the query passed on), Link, CORS and security headers.
For the page, Flask's own handling (request and session objects, URL matching, the CSRF, login,
rate-limit and mail hooks, the response object) cost more than the page: the look-up query, a
queued scan and a pre-rendered variant with the scan's values put in. ScanFastPath, a WSGI
middleware inside ProxyFix, answers such a request itself with the very same steps and pieces
(page.answer_scan, which the route calls too):

- the same rate limit, in the same Flask-Limiter bucket (scope = the route's endpoint);
- the same look-up (facts.find_origin on the raw connection), scan queue (scans/buffer.py, or
  the Redis stream of scans/stream.py),
  counter settling, copy warning and cached page variants, so the bytes are the page Flask
  would have sent (tests/integration/test_scan_fast_path.py compares them request by request);
- the same Link, CORS, Vary and security headers (storefront/security_headers.py).

Anything else goes to Flask, decided before the scan is counted: other methods and paths, a
session cookie as werkzeug reads it (a signed-in or returning visitor: language and CSRF live
in it), a `lang` or `linkType` query key (decoded, as request.args has it), an Accept header
that may ask for a linkset, a request the browser says no person opens (page.is_scan: another page's
image, frame, fetch() or prefetch), a non-canonical code or serial (lower case, O for 0: Flask's 301), an
unknown code or one of a lot not yet published (404 pages), a stamp whose
PIN form must be shown, a host outside TRUSTED_HOSTS, an exceeded rate limit (Flask answers the
429), the immediate scan write mode, and a batch whose page is not in this worker's origin cache
yet, or was cached before a change that the look-up's origin_version shows (Flask renders and
caches it again). The rate limit is counted first, as Flask-Limiter would
before the view; a request left to Flask after that is marked in the environ,
so the route does not count it again (views.scan_limit_exempt), and an unknown code is
answered 404 without a second origin look-up (one small query tells a lot not yet published). Turn it off with SCAN_FAST_PATH=false.
"""

import threading
from functools import lru_cache
from urllib.parse import parse_qsl, quote_plus, urlencode

from limits import parse_many
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.exceptions import SecurityError
from werkzeug.http import parse_accept_header
from werkzeug.sansio.http import parse_cookie
from werkzeug.wsgi import ClosingIterator, get_host

from storefront import security_headers
from storefront.clock import today_vn
from storefront.extensions import LIMITER_KEY_PREFIX, db, limiter, rate_limit_key
from storefront.locale import locale_for
from traceability import http, views
from traceability.errors import NotRegistered
from traceability.identifiers.codes import canonical_serial, parse_short_code
from traceability.identifiers.digital_link import DigitalLinkError, is_valid_serial, parse_path
from traceability.origin import cache, facts, page
from traceability.scans.buffer import scan_buffer
from traceability.stamps.urls import ORIGIN_PREFIX, origin_path_of

#: environ key (no client can set one: the server puts headers under HTTP_*): the parsed query.
ARGS_KEY = "ocop.scan.args"
LIMIT_KEY, NOT_REGISTERED_KEY = views.SCAN_LIMIT_COUNTED, views.SCAN_NOT_REGISTERED
#: The characters werkzeug leaves unencoded in a query value (werkzeug.urls._urlencode, WHATWG).
_QUERY_SAFE = "!$'()*,/:;?@"


class ScanFastPath:
    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        #: Requests answered here (tests and the bench read it).
        self.served = 0
        self._report_paths = {}
        self._engine = None
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not self._eligible(environ):
            return self.wsgi_app(environ, start_response)
        try:
            answer = self._answer(environ)
        except _AfterCount as failure:  # the scan is queued: Flask's 500 page, not the view again
            return self._error_page(environ, start_response, failure.error)
        except Exception:
            self.app.logger.warning("scan fast path failed; Flask answers", exc_info=True)
            answer = None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        with self._lock:
            self.served += 1
        status, headers, body, after = answer
        start_response(status, headers)
        return ClosingIterator([body], after) if after else [body]

    def _error_page(self, environ, start_response, error):
        with self.app.request_context(environ):
            response = self.app.handle_exception(error)  # logs it; re-raises when PROPAGATE_EXCEPTIONS
        return response(environ, start_response)

    # --- deciding ---------------------------------------------------------------------------

    def _eligible(self, environ) -> bool:
        """Cheap checks on the request line and headers: no look-up, nothing counted."""
        path = environ.get("PATH_INFO", "")
        if not path.startswith((ORIGIN_PREFIX + "/01/", "/01/", "/t/")):
            return False
        config = self.app.config
        # GET only: a HEAD is not a scan (Flask answers it without counting).
        if environ.get("REQUEST_METHOD") != "GET" or not config.get("SCAN_FAST_PATH", True):
            return False
        if config.get("SCAN_WRITE_MODE", "buffered") == "immediate":
            return False
        query = environ.get("QUERY_STRING", "")
        if query:
            if not query.isascii():
                return False
            # request.args, as werkzeug parses it (keys decoded: "%6Cang" is "lang").
            args = MultiDict(parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote"))
            if "lang" in args or "linkType" in args:
                return False
            environ[ARGS_KEY] = args
        if _may_want_linkset(environ.get("HTTP_ACCEPT", "")):
            return False
        if not page.is_scan(environ):
            return False  # another page's image, frame, fetch() or prefetch: Flask answers it uncounted
        cookies = environ.get("HTTP_COOKIE")
        if cookies and _has_cookie(cookies, config["SESSION_COOKIE_NAME"]):
            return False
        if config.get("TRUSTED_HOSTS"):
            try:
                get_host(environ, config["TRUSTED_HOSTS"])
            except SecurityError:
                return False  # Flask answers 400
        return True

    def _resolve(self, environ):
        """Return (look-up keywords, Link anchor path, rate-limit scope) for a canonical code, or None.

        For the resolver's /01/… URI: (None, the Digital Link, scope): its answer is the 307.
        """
        path_info = environ["PATH_INFO"]
        if path_info.startswith("/t/"):
            parts = path_info[3:].split("/")
            if len(parts) > 2 or not all(parts):
                return None
            code, serial = parts[0], parts[1] if len(parts) == 2 else None
            try:
                if parse_short_code(code) != code:
                    return None  # Flask redirects to the canonical form
            except DigitalLinkError:
                return None
            if serial is not None and (not is_valid_serial(serial) or canonical_serial(serial) != serial):
                return None  # Flask answers the 404, or the 301 to the upper-case serial
            return {"short_code": code, "serial": serial}, path_info, "traceability.origin_short"
        path = http.raw_path(environ)
        resolver = not path.startswith(ORIGIN_PREFIX + "/")
        if resolver and path.endswith("/") and path.count("/") > 2:
            path = path[:-1]  # the resolver tolerates a trailing slash (resolver/views.py)
        try:
            link, non_canonical = parse_path(path.removeprefix(ORIGIN_PREFIX), environ.get("QUERY_STRING", ""))
        except DigitalLinkError:
            return None
        if non_canonical or link.lot is None:
            return None
        if link.serial is not None and canonical_serial(link.serial) != link.serial:
            return None  # Flask redirects to the upper-case serial
        if resolver:  # the default link of a lot or serial: 307 to its origin page, no look-up
            return None, link, "traceability.resolve"
        return {"gtin": link.gtin, "lot": link.lot, "serial": link.serial}, link.path, "traceability.origin"

    # --- answering --------------------------------------------------------------------------
    # No app context on the common path: the app's config, engine and scan buffer are at hand,
    # and pushing and popping a context is a measurable part of a scan (BENCHMARKS.md).

    def _answer(self, environ):
        """Return (status, headers, body, callback after the response), or None for Flask."""
        resolved = self._resolve(environ)
        if resolved is None:
            return None
        lookup, anchor_path, scope = resolved
        # The limit first, as Flask-Limiter checks it before the view: a client over it costs no query.
        # Over the limit, Flask-Limiter counts the request again before its 429 (the bucket was full
        # anyway); within it, a request left to Flask from here on is not counted again (views.py).
        if not self._hit_rate_limit(environ, scope):
            return None
        if lookup is None:
            return self._redirect(environ, anchor_path)
        buffer, engine = self._scan_buffer_and_engine()
        generation = buffer.generation
        device, day = page.scan_device(environ, self.app.config["SECRET_KEY"])
        try:
            hit = facts.find_origin(**lookup, device=device, raw=True, engine=engine)
        except NotRegistered:
            environ[NOT_REGISTERED_KEY] = True  # Flask answers the 404 page without looking again
            return None
        config = self.app.config
        # The language Flask-Babel's selector would pick: no ?lang= and no session here (_eligible).
        locale = locale_for(config, asked=environ.get(ARGS_KEY, {}).get("lang"), remembered=None)
        view = cache.get(page.origin_cache_key(hit.batch_id, locale, today_vn(), hit.in_programme))
        stamp = hit.stamp
        if not page.is_current(view, hit) or (stamp is not None and stamp.has_pin and not stamp.pin_verified_at):
            return None
        region_header = config.get("SCAN_REGION_HEADER", "")
        path, query = http.raw_path(environ), environ.get("QUERY_STRING", "")
        scan = page.ScanRequest(
            device=device,
            day=day,
            region=page.region_of(environ, region_header),
            user_agent=environ.get("HTTP_USER_AGENT", ""),
            check_regions=bool(region_header),
            code=(path + (f"?{query}" if query else ""))[:300],
        )
        # page.lang_link: the scanned URL asking for another language (no "lang" in it: _eligible).
        kept = urlencode(list(environ[ARGS_KEY].items(multi=True))) if query else ""
        kept += "&" if kept else ""  # "?&" (an empty pair) would be kept as it is: not what Flask builds

        def lang_url(lang):
            return f"{path}?{kept}lang={lang}"

        def report_url():  # url_for("traceability.report", code=code), as werkzeug encodes a query value
            return (
                self._report_path(environ.get("SCRIPT_NAME", "")) + "?code=" + quote_plus(scan.code, safe=_QUERY_SAFE)
            )

        try:  # from here on the scan is (being) counted: Flask must not see this request again
            body = page.answer_scan(
                view,
                hit,
                scan,
                buffer=buffer,
                generation=generation,
                threshold=config.get("SCAN_WARNING_THRESHOLD", 20),
                lang_url=lang_url,
                report_url=report_url,
                app_context=lambda: self.app.request_context(environ),
            )
        except Exception as error:
            raise _AfterCount(error) from error
        base_url = config["PUBLIC_BASE_URL"].rstrip("/")  # stamps.urls.base_url()
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Link", http.linkset_link(base_url, anchor_path)),
            *http.CORS_HEADERS,
            *security_headers.response_headers(self.app, https=environ.get("wsgi.url_scheme") == "https"),
            ("Vary", "Cookie"),
        ]
        after = (lambda: buffer.flush(wait=False)) if buffer.due() else None
        return "200 OK", headers, body, after

    def _redirect(self, environ, link):
        """The resolver's 307 to the origin page, as pages.redirect_to_origin_page answers it."""
        base_url = self.app.config["PUBLIC_BASE_URL"].rstrip("/")  # stamps.urls.base_url()
        pairs = [(key, value) for key, value in environ.get(ARGS_KEY, MultiDict()).items(multi=True)]
        query = urlencode(pairs)  # links._with_passthrough (no linkType here: _eligible)
        location = base_url + origin_path_of(link) + (f"?{query}" if query else "")
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Location", location),
            ("Link", http.linkset_link(base_url, link.path)),
            *http.CORS_HEADERS,
            *security_headers.response_headers(self.app, https=environ.get("wsgi.url_scheme") == "https"),
            ("Vary", "Cookie"),
            ("Content-Length", "0"),  # werkzeug adds it last to an empty answer
        ]
        return "307 Temporary Redirect", headers, b"", None

    def _scan_buffer_and_engine(self):
        buffer = self.app.extensions.get("scan_buffer")
        if buffer is None or self._engine is None:
            with self.app.app_context():
                buffer, self._engine = scan_buffer(), db.engine
        return buffer, self._engine

    def _report_path(self, script_name: str) -> str:
        path = self._report_paths.get(script_name)
        if path is None:
            adapter = self.app.url_map.bind("localhost", script_name=script_name or "/")
            path = self._report_paths[script_name] = adapter.build("traceability.report")
        return path

    def _hit_rate_limit(self, environ, scope: str) -> bool:
        """Count the request in its route's Flask-Limiter buckets; False if it is over one.

        As Flask-Limiter does: every limit of RATELIMIT_SCAN ("60 per minute;1000 per day"), in
        its order, keyed as the limiter keys it (storefront.extensions.ClientAddress). Several
        limits are tested before any is hit, so a request over one is left to Flask-Limiter
        uncounted (it counts it and answers the 429).
        """
        config = self.app.config
        if not config.get("RATELIMIT_ENABLED", True):
            return True
        items = _limits(config.get("RATELIMIT_SCAN", "60 per minute"))
        # The key Flask-Limiter builds for the route: its fixed prefix, the app's key function, the scope.
        args = [LIMITER_KEY_PREFIX, rate_limit_key.for_environ(config, environ), scope]
        strategy = limiter.limiter
        if len(items) > 1 and not all(strategy.test(item, *args) for item in items):
            return False
        for item in items:
            if not strategy.hit(item, *args):
                return False  # Flask-Limiter answers the 429 page (and counts this request once more)
        environ[LIMIT_KEY] = True
        return True


class _AfterCount(Exception):
    """An error once the scan was counted: answered with Flask's 500 page, never by the view again."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


@lru_cache(maxsize=16)
def _limits(value: str) -> tuple:
    """The limits of a setting in the order Flask-Limiter checks them (it sorts a route's limits)."""
    return tuple(sorted(parse_many(value)))


@lru_cache(maxsize=256)
def _may_want_linkset(accept: str) -> bool:
    """Whether the Accept header could make Flask answer the linkset: left to Flask then."""
    if not accept:
        return False
    return parse_accept_header(accept, MIMEAccept).best_match(["text/html", http.LINKSET_TYPE]) != "text/html"


def _has_cookie(header: str, name: str) -> bool:
    """Whether Flask would find the cookie (werkzeug's parser, which skips malformed pairs).

    The parser request.cookies uses, on the header as the environ holds it: werkzeug.http's
    parse_cookie first decodes it as UTF-8 and raised on a byte that is not (a 500 on a scan).
    """
    return name in header and name in parse_cookie(cookie=header)


def install(app) -> None:
    """Put the fast path in front of the app's WSGI callable (inside ProxyFix: register it before)."""
    fast_path = ScanFastPath(app, app.wsgi_app)
    app.extensions["scan_fast_path"] = fast_path
    app.wsgi_app = fast_path

"""What every resolver answer shares (resolver routes, origin page, EPCIS, the scan fast path): CORS
headers and the preflight, the Link header to the linkset, the request path as it was sent."""

from urllib.parse import quote, urlsplit

from flask import current_app

from traceability.stamps.urls import base_url

LINKSET_TYPE = "application/linkset+json"
# Percent-encoded path characters kept as typed when no raw URI is available (RFC 3986 pchar).
_PCHAR_SAFE = "/:@!$&'()*+,;=-._~"


def raw_path(environ) -> str:
    """Return the request path still percent-encoded, so a %2F inside a lot stays data."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path = urlsplit(raw).path if "://" in raw else raw.split("?", 1)[0]
        return path
    # The decoded path, as werkzeug gives it (request.path), encoded again.
    path = "/" + environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace").lstrip("/")
    return quote(path, safe=_PCHAR_SAFE)


#: GS1-Conformant Resolver Standard §4: resolvers answer cross-origin GET/HEAD/OPTIONS.
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Accept-Language, Content-Type"),
    ("Access-Control-Expose-Headers", "Link, Location, Content-Type"),
)


def cors(response):
    for name, value in CORS_HEADERS:
        response.headers[name] = value
    return response


def preflight():
    response = current_app.response_class(status=204)
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Max-Age"] = "86400"
    return cors(response)


def linkset_link(base: str, anchor_path: str) -> str:
    """The Link header every resolver answer carries: where its linkset is."""
    return f'<{base}{anchor_path}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'


def with_link_header(response, anchor_path: str):
    response.headers["Link"] = linkset_link(base_url(), anchor_path)
    return cors(response)

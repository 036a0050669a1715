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


def preflight(anchor_path: str | None = None):
    """Answer OPTIONS; on a resolver path, with the Link to its linkset (resolver standard: SHOULD expose it)."""
    response = current_app.response_class(status=204)
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Max-Age"] = "86400"
    if anchor_path is not None:
        return with_link_header(response, anchor_path)
    return cors(response)


def linkset_link(base: str, anchor_path: str) -> str:
    """The Link header every resolver answer carries: where its linkset is."""
    return f'<{base}{anchor_path}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'


#: Where the JSON-LD context of our linksets is served (resolver.views.linkset_context).
LINKSET_CONTEXT_PATH = "/gs1/linkset-context.jsonld"
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


def with_link_header(response, anchor_path: str, *, jsonld_context: bool = False):
    """Add the Link to the linkset; on a linkset answer also the JSON-LD context that reads it as RDF."""
    base = base_url()
    link = linkset_link(base, anchor_path)
    if jsonld_context:
        link += f', <{base}{LINKSET_CONTEXT_PATH}>; rel="{JSONLD_CONTEXT_REL}"; type="application/ld+json"'
    response.headers["Link"] = link
    return cors(response)

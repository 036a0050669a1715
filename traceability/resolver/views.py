"""GS1 Digital Link routes (/01/…, /gtin/…, the non-GS1 /t/…): default-link redirects, linksets, linkType
redirects, walk-up, the resolver description.

A person scanning a lot or serial URI is redirected (307) to its origin page (pages.py), the default
link; a GTIN alone to its product page. A client asking for a linkset or another link type gets it
here (links.py). A /t/ code is no GS1 key: it is its own origin page. Every answer is cross-origin
(traceability.http). What the GS1-Conformant resolver standard asks and how each answer meets it:
README "GS1 Digital Link resolver".
"""

import dataclasses

from flask import current_app, jsonify, request, url_for

from storefront.extensions import limiter
from traceability import views
from traceability.blueprint import bp
from traceability.errors import NotRegistered
from traceability.http import LINKSET_CONTEXT_PATH, cors, preflight, raw_path
from traceability.identifiers.codes import canonical_serial, parse_short_code
from traceability.identifiers.digital_link import DigitalLink, DigitalLinkError, is_valid_serial, parse_path
from traceability.resolver import links, pages
from traceability.resolver.lookup import (
    find_by_link,
    find_by_short_code,
    find_product_by_gtin,
    is_unpublished_stamp,
)
from traceability.stamps.urls import base_url, origin_path, origin_path_of, origin_url

RESOLVER_METHODS = ["GET", "HEAD", "OPTIONS"]


@bp.app_template_global("origin_url")
def origin_url_global(batch, stamp=None):
    """Template global: the absolute origin-page URL of a batch or stamp."""
    return origin_url(batch, stamp)


def _without_trailing_slash(path: str) -> str:
    # Resolver standard: SHOULD tolerate a trailing slash; it is answered as the URI without it, no 301 hop.
    return path[:-1] if path.endswith("/") and path.count("/") > 2 else path


@bp.route("/01/<path:rest>", methods=RESOLVER_METHODS)
@bp.route("/gtin/<path:rest>", methods=RESOLVER_METHODS)
@limiter.limit(views.scan_limit, exempt_when=views.scan_limit_exempt)
def resolve(rest):
    """Resolve a GS1 Digital Link: default link (307), linkset, linkType redirects, walk-up."""
    path = _without_trailing_slash(raw_path(request.environ))
    try:
        link, non_canonical = parse_path(path, request.query_string.decode("utf-8", "replace"))
    except DigitalLinkError as error:
        if request.method == "OPTIONS":
            return preflight()
        return links.bad_code(error)
    if link.serial is not None and canonical_serial(link.serial) != link.serial:
        link, non_canonical = dataclasses.replace(link, serial=canonical_serial(link.serial)), True
    if request.method == "OPTIONS":
        return preflight(link.path)
    if non_canonical:
        return links.canonical_redirect(link.path, link.path)
    if link.lot is None and link.serial is None:
        return _answer_gtin(link.gtin, link.path)
    if not links.wants_links():
        # The default link of a lot or serial is its origin page, whether or not the lot is known:
        # that page looks it up, counts the scan, or walks up. No query here.
        return pages.redirect_to_origin_page(link)
    lookup = {"gtin": link.gtin, "lot": link.lot, "serial": link.serial}
    try:
        if link.lot is None:
            raise NotRegistered(link.path)  # every stamp's URI names its lot
        batch, stamp = find_by_link(link)
    except NotRegistered:
        return _unknown_code_links(link, lookup)
    return links.answer_links(
        link.path, links.batch_description(batch, stamp), links.batch_links(batch, stamp), links.BATCH_DEFAULT
    )


def _answer_gtin(gtin: str, anchor_path: str):
    """A GTIN alone names a product, not a lot: its default link is the product page."""
    product = find_product_by_gtin(gtin)
    if product is None or not links.is_visible(product):
        return links.not_registered(anchor_path)
    product_links = links.product_links(product)
    answer = links.answer_links(anchor_path, links.product_description(product), product_links, links.PRODUCT_DEFAULT)
    if answer is not None:
        return answer
    return links.redirect_to(product_links[links.PRODUCT_DEFAULT]["href"], anchor_path)


def _unknown_code_links(link: DigitalLink, lookup: dict):
    """The links of a lot or serial no published lot has: its GTIN's (walked up, resolver standard),
    and as its default link the walk-up page a person scanning it is sent to.

    A lot not published yet, an unknown GTIN or one not in the programme: 404 (pages.py says why).
    """
    if is_unpublished_stamp(**lookup):
        return links.unpublished(link.path)
    product = find_product_by_gtin(link.gtin)
    if product is None or not links.is_visible(product):
        return links.not_registered(raw_path(request.environ))
    walk_up = links.walk_up_links(product, base_url() + origin_path_of(link))
    return links.answer_links(link.path, links.product_description(product), walk_up, links.DEFAULT_ONLY)


@bp.route("/t/<code>", defaults={"serial": None}, methods=RESOLVER_METHODS)
@bp.route("/t/<code>/<serial>", methods=RESOLVER_METHODS, endpoint="origin_short")
@limiter.limit(views.scan_limit, exempt_when=views.scan_limit_exempt)
def origin_short(code, serial):
    """Origin page of a product without a GTIN, on the non-GS1 path /t/{code}[/{serial}] (its own default link)."""
    try:
        canonical = parse_short_code(code)
    except DigitalLinkError:
        return preflight() if request.method == "OPTIONS" else links.not_registered(request.path)
    if serial is not None and not is_valid_serial(serial):
        return preflight() if request.method == "OPTIONS" else links.not_registered(request.path)
    # Codes and serials are Crockford base32: "wn43…/mdaO…" is the same stamp, one 301 away.
    canonical_serial_ = canonical_serial(serial) if serial is not None else None
    location = url_for("traceability.origin_short", code=canonical, serial=canonical_serial_)
    if request.method == "OPTIONS":
        return preflight(location)
    if canonical != code or canonical_serial_ != serial:
        return links.canonical_redirect(location, location)
    lookup = {"short_code": code, "serial": serial}
    if not links.wants_links():
        try:
            return views.answer_scan(lookup, request.path)
        except NotRegistered:
            return _unknown_short_code(request.path, lookup)
    try:
        batch, stamp = find_by_short_code(code, serial)
    except NotRegistered:
        return _unknown_short_code(request.path, lookup)
    return links.answer_links(
        origin_path(batch, stamp),
        links.batch_description(batch, stamp),
        links.batch_links(batch, stamp),
        links.BATCH_DEFAULT,
    )


def _unknown_short_code(path: str, lookup: dict):
    """A /t/ code no published lot has: no GTIN to walk up to; a lot not published yet is said neutrally."""
    if not is_unpublished_stamp(**lookup):
        return links.not_registered(path)
    return links.unpublished(path)


@bp.route(LINKSET_CONTEXT_PATH)
def linkset_context():
    """The JSON-LD context that reads our linksets as RDF (resolver standard: SHOULD be linked from a linkset).

    Written from RFC 9264 (anchor and href are the link's context and target, linkset a graph,
    member names IANA link relations unless a full URI) and the GS1 Web Vocabulary namespace.
    """
    context = {
        "@context": {
            "@vocab": "http://www.iana.org/assignments/relation/",
            "gs1": links.GS1_VOC,
            "dcterms": "http://purl.org/dc/terms/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "linkset": "@graph",
            "anchor": "@id",
            "href": "@id",
            "title": "dcterms:title",
            "type": "dcterms:format",
            "hreflang": {"@id": "dcterms:language", "@container": "@set"},
            "itemDescription": "rdfs:comment",
        }
    }
    response = current_app.response_class(current_app.json.dumps(context), mimetype="application/ld+json")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return cors(response)


@bp.route("/.well-known/gs1resolver")
def resolver_description():
    """Describe this resolver (GS1-Conformant Resolver Standard, resolver description file)."""
    base = base_url()
    response = jsonify(
        name="OCOP Thái Nguyên",
        resolverRoot=base,
        supportedPrimaryKeys=["01"],
        supportedLinkType=[
            {"namespace": links.GS1_VOC, "prefix": "gs1:", "profile": links.GS1_VOC + t.removeprefix("gs1:")}
            for t in links.LINK_TYPES
        ],
        linkTypeDefaultCanBeLinkset=False,
        # Resolver standard: the JSON-LD context of the linksets SHOULD be declared here.
        jsonLdContextLocation=base + LINKSET_CONTEXT_PATH,
        supportedContextValuesEnumerated=[],
        validatorUrl=None,
    )
    return cors(response)

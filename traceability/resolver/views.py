"""GS1 Digital Link routes (/01/…, /gtin/…, the non-GS1 /t/…): linksets, linkType redirects, walk-up, the resolver description.

A phone's scan gets the origin page (traceability.views); a client asking for a linkset or another
link type gets it here. Every answer is cross-origin (traceability.http). What the GS1-Conformant
resolver standard asks and how each answer meets it: README "GS1 Digital Link resolver".
"""

import dataclasses
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from storefront.catalog.models import Product
from storefront.catalog.services import valid_certificate, visible_products_query
from storefront.errors import render_error
from storefront.extensions import db, limiter
from traceability import views
from traceability.blueprint import bp
from traceability.errors import NotRegistered
from traceability.forms import ReportForm
from traceability.http import LINKSET_CONTEXT_PATH, LINKSET_TYPE, cors, preflight, raw_path, with_link_header
from traceability.identifiers.codes import canonical_serial, parse_short_code
from traceability.identifiers.digital_link import DigitalLink, DigitalLinkError, is_valid_serial, parse_path
from traceability.models import Batch
from traceability.origin import page
from traceability.resolver.lookup import (
    find_by_link,
    find_by_short_code,
    find_product_by_gtin,
    is_unpublished_stamp,
    published_batch_id,
)
from traceability.scans.unknown import record_unknown_scan
from traceability.stamps.urls import base_url, origin_path, origin_url

RESOLVER_METHODS = ["GET", "HEAD", "OPTIONS"]
GS1_VOC = "https://gs1.org/voc/"
#: The namespaces GS1 publishes its Web Vocabulary under; a linkType given as a full URI in any is the CURIE.
_GS1_NAMESPACES = (GS1_VOC, "https://ref.gs1.org/voc/", "https://www.gs1.org/voc/", "http://gs1.org/voc/")
#: Link types this resolver can redirect to, all from the GS1 Web Vocabulary (no link type of our own).
LINK_TYPES = ("gs1:pip", "gs1:certificationInfo", "gs1:homepage", "gs1:traceability", "gs1:epcis")
#: linkType values asking for the linkset itself ("all" is the deprecated name of "linkset").
_LINKSET_REQUESTS = ("linkset", "all")


@bp.app_template_global("origin_url")
def origin_url_global(batch, stamp=None):
    """Template global: the absolute origin-page URL of a batch or stamp."""
    return origin_url(batch, stamp)


def _wants_linkset() -> bool:
    if request.args.get("linkType") in _LINKSET_REQUESTS:
        return True
    best = request.accept_mimetypes.best_match(["text/html", LINKSET_TYPE])
    return best == LINKSET_TYPE


def _requested_link_type() -> str | None:
    """The linkType asked for, as a gs1: CURIE when it is a GS1 Web Vocabulary URI; None for none or the linkset."""
    link_type = request.args.get("linkType")
    if link_type is None or link_type in _LINKSET_REQUESTS:
        return None
    for namespace in _GS1_NAMESPACES:
        if link_type.startswith(namespace):
            return "gs1:" + link_type.removeprefix(namespace)
    return link_type


def _bad_syntax(error):
    if _wants_linkset():
        response = jsonify(error=400, message=str(error))
    else:
        response = current_app.make_response((render_template("traceability/bad_code.html", detail=str(error)), 400))
    response.status_code = 400
    return cors(response)


def _not_registered(code: str):
    # Said plainly: an unknown serial is the commonest sign of a copied or invented stamp.
    if _wants_linkset():
        response = jsonify(error=404, message=_("Mã này chưa được đăng ký: sản phẩm có thể không chính hãng"))
    else:
        form = ReportForm(code=code[:300])
        response = current_app.make_response(
            (render_template("traceability/not_registered.html", code=code, report_form=form), 404)
        )
    response.status_code = 404
    return cors(response)


def _no_such_link(link_type: str, anchor_path: str):
    """A linkType this code has no link of: 404 (resolver standard), the shop's usual page in the visitor's language."""
    message = _("Mã này không có liên kết loại %(type)s.", type=link_type[:80])
    if _wants_linkset():
        response = jsonify(error=404, message=message)
        response.status_code = 404
    else:
        response = render_error(404, message)
    return with_link_header(response, anchor_path)


def _is_visible(product: Product) -> bool:
    return (
        db.session.scalar(visible_products_query().where(Product.id == product.id).with_only_columns(Product.id))
        is not None
    )


def _product_links(product: Product) -> dict[str, dict]:
    """Return the GTIN-level links (absolute): product page, certificate, producer's page."""
    base = base_url()
    links = {}
    if _is_visible(product):
        page_url = base + url_for("catalog.product", slug=product.slug)
        links["gs1:pip"] = {"href": page_url, "title": _("Mua trực tuyến: %(name)s", name=product.name_vi)}
        if valid_certificate(product) is not None:
            links["gs1:certificationInfo"] = {"href": page_url + "#cert-h", "title": _("Chứng nhận OCOP")}
        producer = product.producer
        if producer.story_md and not producer.is_story_hidden:
            # The producer (the brand owner) tells its story on its page in the shop.
            links["gs1:homepage"] = {
                "href": base + url_for("catalog.producer", slug=producer.slug),
                "title": _("Câu chuyện của %(name)s", name=producer.name),
            }
    return links


def _batch_links(batch: Batch, stamp) -> dict[str, dict]:
    """Return links of a lot (and serial) with those inherited from the GTIN level."""
    base = base_url()
    links = _product_links(batch.product)
    links["gs1:traceability"] = {"href": base + origin_path(batch, stamp), "title": _("Nguồn gốc sản phẩm")}
    links["gs1:epcis"] = {
        "href": base + url_for("traceability.epcis_events", batch_id=batch.id),
        "title": "EPCIS 2.0",
        "type": "application/ld+json",
    }
    return links


def _product_description(product: Product) -> str:
    return product.name_vi


def _batch_description(batch: Batch, stamp) -> str:
    if stamp is not None and stamp.serial:
        return _(
            "%(name)s, lô %(lot)s, số sê-ri %(serial)s",
            name=batch.product.name_vi,
            lot=batch.lot_code,
            serial=stamp.serial,
        )
    return _("%(name)s, lô %(lot)s", name=batch.product.name_vi, lot=batch.lot_code)


def _linkset(anchor_path: str, description: str, links: dict[str, dict], default: str):
    """The RFC 9264 linkset of one identifier, in the shape GS1's linkset schema requires.

    Every member the schema requires (anchor, itemDescription; href and title on each link) and
    no other; absolute URLs; the default link with a title and no other attribute.
    """

    def target(link):
        media_type = link.get("type", "text/html")
        answer = {"href": link["href"], "title": link["title"], "type": media_type}
        if media_type == "text/html":
            answer["hreflang"] = ["vi", "en"]
        return answer

    entry = {"anchor": base_url() + anchor_path, "itemDescription": description}
    entry[GS1_VOC + "defaultLink"] = [{"href": links[default]["href"], "title": links[default]["title"]}]
    for link_type, link in links.items():
        entry[GS1_VOC + link_type.removeprefix("gs1:")] = [target(link)]
    response = current_app.response_class(current_app.json.dumps({"linkset": [entry]}), mimetype=LINKSET_TYPE)
    response.headers["Vary"] = "Accept"
    return with_link_header(response, anchor_path, jsonld_context=True)


def _with_passthrough(href: str) -> str:
    """The target with the request's query pairs (but linkType) added: the resolver passes them on."""
    parts = urlsplit(href)
    target_pairs = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _value in target_pairs}
    pairs = target_pairs + [
        (key, value) for key, value in request.args.items(multi=True) if key != "linkType" and key not in present
    ]
    query = urlencode(pairs)
    return parts._replace(query=query).geturl()


def _redirect_to(href: str, anchor_path: str):
    # GS1 Digital Link: 307 keeps the method and says the mapping may change; Location is absolute.
    response = current_app.response_class(status=307)
    response.headers["Location"] = _with_passthrough(href)
    return with_link_header(response, anchor_path)


def _answer_links(anchor_path: str, description: str, links: dict[str, dict], default: str):
    """Answer a request for the linkset or for one link type; None when it asks for neither."""
    if _wants_linkset():
        return _linkset(anchor_path, description, links, default)
    link_type = _requested_link_type()
    if link_type is None:
        return None
    if link_type == "gs1:defaultLink":
        link_type = default
    if link_type in links:
        return _redirect_to(links[link_type]["href"], anchor_path)
    return _no_such_link(link_type, anchor_path)


def _canonical_redirect(location_path: str, anchor_path: str):
    query = request.query_string.decode("utf-8", "replace")
    response = current_app.response_class(status=301)
    response.headers["Location"] = base_url() + location_path + (f"?{query}" if query else "")
    return with_link_header(response, anchor_path)


def _without_trailing_slash(path: str) -> str:
    # Resolver standard: SHOULD tolerate a trailing slash; it is answered as the URI without it, no 301 hop.
    return path[:-1] if path.endswith("/") and path.count("/") > 2 else path


@bp.route("/01/<path:rest>", methods=RESOLVER_METHODS)
@bp.route("/gtin/<path:rest>", methods=RESOLVER_METHODS)
@limiter.limit(views.scan_limit, exempt_when=views.scan_limit_exempt)
def resolve(rest):
    """Resolve a GS1 Digital Link: origin page by default, linkset, linkType redirects, walk-up."""
    path = _without_trailing_slash(raw_path(request.environ))
    try:
        link, non_canonical = parse_path(path, request.query_string.decode("utf-8", "replace"))
    except DigitalLinkError as error:
        if request.method == "OPTIONS":
            return preflight()
        return _bad_syntax(error)
    if link.serial is not None and canonical_serial(link.serial) != link.serial:
        link, non_canonical = dataclasses.replace(link, serial=canonical_serial(link.serial)), True
    if request.method == "OPTIONS":
        return preflight(link.path)
    if non_canonical:
        return _canonical_redirect(link.path, link.path)
    lookup = {"gtin": link.gtin, "lot": link.lot, "serial": link.serial}
    if link.lot is None:
        # Every stamp's URI names its lot: a serial without one was never issued here.
        return _unknown_code(link, lookup) if link.serial is not None else _answer_gtin(link.gtin, link.path)
    if not _wants_linkset() and "linkType" not in request.args:
        try:
            return views.scan_origin_page(lookup, link.path)
        except NotRegistered:
            return _unknown_code(link, lookup)
    try:
        batch, stamp = find_by_link(link)
    except NotRegistered:
        return _unknown_code(link, lookup)
    links = _batch_links(batch, stamp)
    return _answer_links(link.path, _batch_description(batch, stamp), links, "gs1:traceability")


def _answer_gtin(gtin: str, anchor_path: str):
    """A GTIN alone names a product, not a lot: its default link is the product page."""
    product = find_product_by_gtin(gtin)
    if product is None or not _is_visible(product):
        return _not_registered(anchor_path)
    links = _product_links(product)
    answer = _answer_links(anchor_path, _product_description(product), links, "gs1:pip")
    if answer is not None:
        return answer
    return _redirect_to(links["gs1:pip"]["href"], anchor_path)


def _unknown_code(link: DigitalLink, lookup: dict):
    """Answer a lot or serial no published lot has.

    A lot its producer has not published yet gets a neutral 404 (stamps are printed before a lot
    goes on sale; calling those packages fakes would be false). An unknown GTIN, or the GTIN of a
    product not in the programme, gets the "not registered" 404. Otherwise the resolver walks up
    to the GTIN (resolver standard: every key qualifier is supported): its linkset and links, and
    for a person the walk-up page that says plainly this lot or serial is not registered.
    """
    if is_unpublished_stamp(**lookup):
        return _unpublished(link.path)
    product = find_product_by_gtin(link.gtin)
    if product is None or not _is_visible(product):
        return _not_registered(raw_path(request.environ))
    gtin_path = DigitalLink(gtin=link.gtin).path
    links = _product_links(product)
    answer = _answer_links(gtin_path, _product_description(product), links, "gs1:pip")
    if answer is not None:
        return answer
    return _walk_up_page(product, link, links, gtin_path)


def _walk_up_page(product: Product, link: DigitalLink, links: dict[str, dict], gtin_path: str):
    """The page a person lands on from an unregistered lot or serial: the product's links and a plain warning.

    A GET is kept as an unknown-code scan for the producer and the office (a HEAD is not a scan).
    """
    batch_id = published_batch_id(link.gtin, link.lot) if link.serial is not None else None
    if request.method == "GET":
        record_unknown_scan(
            product,
            link.path,
            batch_id=batch_id,
            region=page.request_region(),
            user_agent=request.user_agent.string,
        )
        db.session.commit()
    scanned = link.path + (f"?{request.query_string.decode('utf-8', 'replace')}" if request.query_string else "")
    html = render_template(
        "traceability/walk_up.html",
        product=product,
        link=link,
        unknown_serial=batch_id is not None,
        links=links,
        code=scanned[:300],
        report_form=ReportForm(code=scanned[:300]),
    )
    response = current_app.make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return with_link_header(response, gtin_path)


@bp.route("/t/<code>", defaults={"serial": None}, methods=RESOLVER_METHODS)
@bp.route("/t/<code>/<serial>", methods=RESOLVER_METHODS, endpoint="origin_short")
@limiter.limit(views.scan_limit, exempt_when=views.scan_limit_exempt)
def origin_short(code, serial):
    """Origin page of a product without a GTIN, on the non-GS1 path /t/{code}[/{serial}]."""
    try:
        canonical = parse_short_code(code)
    except DigitalLinkError:
        return preflight() if request.method == "OPTIONS" else _not_registered(request.path)
    if serial is not None and not is_valid_serial(serial):
        return preflight() if request.method == "OPTIONS" else _not_registered(request.path)
    # Codes and serials are Crockford base32: "wn43…/mdaO…" is the same stamp, one 301 away.
    canonical_serial_ = canonical_serial(serial) if serial is not None else None
    location = url_for("traceability.origin_short", code=canonical, serial=canonical_serial_)
    if request.method == "OPTIONS":
        return preflight(location)
    if canonical != code or canonical_serial_ != serial:
        return _canonical_redirect(location, location)
    lookup = {"short_code": code, "serial": serial}
    if not _wants_linkset() and "linkType" not in request.args:
        try:
            return views.scan_origin_page(lookup, request.path)
        except NotRegistered:
            return _unknown_short_code(request.path, lookup)
    try:
        batch, stamp = find_by_short_code(code, serial)
    except NotRegistered:
        return _unknown_short_code(request.path, lookup)
    links = _batch_links(batch, stamp)
    return _answer_links(origin_path(batch, stamp), _batch_description(batch, stamp), links, "gs1:traceability")


def _unknown_short_code(path: str, lookup: dict):
    """A /t/ code no published lot has: no GTIN to walk up to; a lot not published yet is said neutrally."""
    if not is_unpublished_stamp(**lookup):
        return _not_registered(path)
    return _unpublished(path)


def _unpublished(path: str):
    """A lot its producer has not published yet: a neutral 404; nothing is counted."""
    if _wants_linkset():
        response = jsonify(error=404, message=_("Lô hàng chưa được cơ sở công bố"))
    else:
        response = current_app.make_response((render_template("traceability/unpublished.html", code=path), 404))
    response.status_code = 404
    return cors(response)


@bp.route(LINKSET_CONTEXT_PATH)
def linkset_context():
    """The JSON-LD context that reads our linksets as RDF (resolver standard: SHOULD be linked from a linkset).

    Written from RFC 9264 (anchor and href are the link's context and target, linkset a graph,
    member names IANA link relations unless a full URI) and the GS1 Web Vocabulary namespace.
    """
    context = {
        "@context": {
            "@vocab": "http://www.iana.org/assignments/relation/",
            "gs1": GS1_VOC,
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
            {"namespace": GS1_VOC, "prefix": "gs1:", "profile": GS1_VOC + t.removeprefix("gs1:")} for t in LINK_TYPES
        ],
        linkTypeDefaultCanBeLinkset=False,
        # Resolver standard: the JSON-LD context of the linksets SHOULD be declared here.
        jsonLdContextLocation=base + LINKSET_CONTEXT_PATH,
        supportedContextValuesEnumerated=[],
        validatorUrl=None,
    )
    return cors(response)

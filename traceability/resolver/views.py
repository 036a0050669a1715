"""GS1 Digital Link routes (/01/…, /gtin/…, the non-GS1 /t/…): linksets, linkType redirects, the resolver description.

A phone's scan gets the origin page (traceability.views); a client asking for a linkset or another
link type gets it here. Every answer is cross-origin (traceability.http).
"""

import dataclasses
from urllib.parse import urlencode

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from storefront.catalog.models import Product
from storefront.catalog.services import valid_certificate, visible_products_query
from storefront.extensions import db, limiter
from traceability import views
from traceability.blueprint import bp
from traceability.errors import NotRegistered
from traceability.forms import ReportForm
from traceability.http import LINKSET_TYPE, cors, preflight, raw_path, with_link_header
from traceability.identifiers.codes import canonical_serial, parse_short_code
from traceability.identifiers.digital_link import DigitalLinkError, is_valid_serial, parse_path
from traceability.models import Batch
from traceability.resolver.lookup import find_by_link, find_by_short_code, find_product_by_gtin, is_unpublished_stamp
from traceability.stamps.urls import base_url, origin_path, origin_url

RESOLVER_METHODS = ["GET", "HEAD", "OPTIONS"]
GS1_VOC = "https://gs1.org/voc/"
#: Link types this resolver can redirect to (GS1 Web Vocabulary), beyond the default.
LINK_TYPES = ("gs1:pip", "gs1:certificationInfo", "gs1:traceability", "gs1:epcis", "gs1:brandHomepageClient")


@bp.app_template_global("origin_url")
def origin_url_global(batch, stamp=None):
    """Template global: the absolute origin-page URL of a batch or stamp."""
    return origin_url(batch, stamp)


def _wants_linkset() -> bool:
    if request.args.get("linkType") in ("linkset", "all"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", LINKSET_TYPE])
    return best == LINKSET_TYPE


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


def _unknown_code(path: str, lookup: dict):
    """Answer a code no published lot has: a neutral page for a lot its producer has not published yet.

    Stamps are printed before a lot goes on sale; calling those packages fakes would be false.
    Nothing is counted for either answer.
    """
    if not is_unpublished_stamp(**lookup):
        return _not_registered(path)
    message = _("Lô hàng chưa được cơ sở công bố")
    if _wants_linkset():
        response = jsonify(error=404, message=message)
    else:
        response = current_app.make_response((render_template("traceability/unpublished.html", code=path), 404))
    response.status_code = 404
    return cors(response)


def _is_visible(product: Product) -> bool:
    return (
        db.session.scalar(visible_products_query().where(Product.id == product.id).with_only_columns(Product.id))
        is not None
    )


def _passthrough_query() -> str:
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "linkType"]
    return urlencode(params)


def _product_links(product: Product) -> dict[str, dict]:
    """Return the GTIN-level links: product page, certificate, producer story."""
    links = {}
    if _is_visible(product):
        page = url_for("catalog.product", slug=product.slug)
        links["gs1:pip"] = {"path": page, "title": _("Mua trực tuyến: %(name)s", name=product.name_vi)}
        if valid_certificate(product) is not None:
            links["gs1:certificationInfo"] = {"path": page, "anchor": "cert-h", "title": _("Chứng nhận OCOP")}
        producer = product.producer
        if producer.story_md and not producer.is_story_hidden:
            links["gs1:brandHomepageClient"] = {
                "path": url_for("catalog.producer", slug=producer.slug),
                "title": _("Câu chuyện của %(name)s", name=producer.name),
            }
    return links


def _batch_links(batch: Batch, stamp) -> dict[str, dict]:
    """Return links of a lot (and serial) with those inherited from the GTIN level."""
    links = _product_links(batch.product)
    links["gs1:traceability"] = {"path": origin_path(batch, stamp), "title": _("Nguồn gốc sản phẩm")}
    links["gs1:epcis"] = {
        "path": url_for("traceability.epcis_events", batch_id=batch.id),
        "title": "EPCIS 2.0",
        "type": "application/ld+json",
    }
    return links


def _linkset(anchor_path: str, links: dict[str, dict], default: str | None):
    base = base_url()

    def target(link):
        href = base + link["path"] + (f"#{link['anchor']}" if link.get("anchor") else "")
        return {
            "href": href,
            "title": link["title"],
            "type": link.get("type", "text/html"),
            "hreflang": ["vi", "en"] if link.get("type", "text/html") == "text/html" else [],
        }

    entry = {"anchor": base + anchor_path}
    if default:
        entry[GS1_VOC + "defaultLink"] = [target(links[default])]
    for link_type, link in links.items():
        entry[GS1_VOC + link_type.removeprefix("gs1:")] = [target(link)]
    response = current_app.response_class(current_app.json.dumps({"linkset": [entry]}), mimetype=LINKSET_TYPE)
    return with_link_header(response, anchor_path)


def _redirect_to_link(link: dict, anchor_path: str):
    query = _passthrough_query()
    location = link["path"] + (f"?{query}" if query else "") + (f"#{link['anchor']}" if link.get("anchor") else "")
    # GS1 Digital Link: 307 keeps the method and says the mapping may change.
    return with_link_header(redirect(location, 307), anchor_path)


def _answer(batch: Batch, stamp, anchor_path: str):
    """Answer a resolved lot or serial asking for a linkset or another link; else the origin page."""
    links = _batch_links(batch, stamp)
    if _wants_linkset():
        return _linkset(anchor_path, links, "gs1:traceability")
    link_type = request.args.get("linkType")
    if link_type in links and link_type != "gs1:traceability":
        return _redirect_to_link(links[link_type], anchor_path)
    return views.loaded_origin_page(batch, stamp, anchor_path)


def _wants_origin_page() -> bool:
    """Whether a resolved code should answer with the origin page (the common case: a phone scan)."""
    link_type = request.args.get("linkType")
    return not _wants_linkset() and (link_type not in LINK_TYPES or link_type == "gs1:traceability")


@bp.route("/01/<path:rest>", methods=RESOLVER_METHODS)
@bp.route("/gtin/<path:rest>", methods=RESOLVER_METHODS)
@limiter.limit(views.scan_limit, exempt_when=views.scan_limit_exempt)
def resolve(rest):
    """Resolve a GS1 Digital Link: origin page by default, linkset or linkType redirects."""
    if request.method == "OPTIONS":
        return preflight()
    path = raw_path(request.environ)
    try:
        link, non_canonical = parse_path(path, request.query_string.decode("utf-8", "replace"))
    except DigitalLinkError as error:
        return _bad_syntax(error)
    if link.serial is not None and canonical_serial(link.serial) != link.serial:
        link, non_canonical = dataclasses.replace(link, serial=canonical_serial(link.serial)), True
    if non_canonical:
        query = request.query_string.decode("utf-8", "replace")
        return cors(redirect(link.path + (f"?{query}" if query else ""), 301))
    if link.lot is None:
        return _answer_gtin(link.gtin, link.path)
    lookup = {"gtin": link.gtin, "lot": link.lot, "serial": link.serial}
    if _wants_origin_page():
        try:
            return views.scan_origin_page(lookup, link.path)
        except NotRegistered:
            return _unknown_code(path, lookup)
    try:
        batch, stamp = find_by_link(link)
    except NotRegistered:
        return _unknown_code(path, lookup)
    return _answer(batch, stamp, link.path)


def _answer_gtin(gtin: str, anchor_path: str):
    """A GTIN alone names a product, not a lot: its default link is the product page."""
    product = find_product_by_gtin(gtin)
    if product is None or not _is_visible(product):
        return _not_registered(anchor_path)
    links = _product_links(product)
    if _wants_linkset():
        return _linkset(anchor_path, links, "gs1:pip")
    return _redirect_to_link(links.get(request.args.get("linkType"), links["gs1:pip"]), anchor_path)


@bp.route("/t/<code>", defaults={"serial": None}, methods=RESOLVER_METHODS)
@bp.route("/t/<code>/<serial>", methods=RESOLVER_METHODS, endpoint="origin_short")
@limiter.limit(views.scan_limit, exempt_when=views.scan_limit_exempt)
def origin_short(code, serial):
    """Origin page of a product without a GTIN, on the non-GS1 path /t/{code}[/{serial}]."""
    if request.method == "OPTIONS":
        return preflight()
    try:
        canonical = parse_short_code(code)
    except DigitalLinkError:
        return _not_registered(request.path)
    if serial is not None and not is_valid_serial(serial):
        return _not_registered(request.path)
    # Codes and serials are Crockford base32: "wn43…/mdaO…" is the same stamp, one 301 away.
    canonical_serial_ = canonical_serial(serial) if serial is not None else None
    if canonical != code or canonical_serial_ != serial:
        query = request.query_string.decode("utf-8", "replace")
        location = url_for("traceability.origin_short", code=canonical, serial=canonical_serial_)
        return cors(redirect(location + (f"?{query}" if query else ""), 301))
    lookup = {"short_code": code, "serial": serial}
    if _wants_origin_page():
        try:
            return views.scan_origin_page(lookup, request.path)
        except NotRegistered:
            return _unknown_code(request.path, lookup)
    try:
        batch, stamp = find_by_short_code(code, serial)
    except NotRegistered:
        return _unknown_code(request.path, lookup)
    return _answer(batch, stamp, origin_path(batch, stamp))


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
        supportedContextValuesEnumerated=[],
        validatorUrl=None,
    )
    return cors(response)

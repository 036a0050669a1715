"""What the resolver answers a machine with: an identifier's links, its linkset, a link type's redirect.

Written from the GS1-Conformant resolver standard and RFC 9264 (README "GS1 Digital Link resolver").
"""

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from storefront.catalog.models import Product
from storefront.catalog.services import valid_certificate, visible_products_query
from storefront.errors import render_error
from storefront.extensions import db
from traceability.forms import ReportForm
from traceability.http import LINKSET_TYPE, cors, with_link_header
from traceability.models import Batch
from traceability.stamps.urls import base_url, origin_path

GS1_VOC = "https://gs1.org/voc/"
#: The namespaces GS1 publishes its Web Vocabulary under; a linkType given as a full URI in any is the CURIE.
_GS1_NAMESPACES = (GS1_VOC, "https://ref.gs1.org/voc/", "https://www.gs1.org/voc/", "http://gs1.org/voc/")
#: Link types this resolver can redirect to, all from the GS1 Web Vocabulary (no link type of our own).
LINK_TYPES = ("gs1:pip", "gs1:certificationInfo", "gs1:homepage", "gs1:traceability", "gs1:epcis")
#: linkType values asking for the linkset itself ("all" is the deprecated name of "linkset").
_LINKSET_REQUESTS = ("linkset", "all")
#: The default link of a lot or serial (its origin page) and of a GTIN alone (its product page).
BATCH_DEFAULT, PRODUCT_DEFAULT = "gs1:traceability", "gs1:pip"
#: The default link of an unregistered lot or serial: its walk-up page, which is no other link type.
DEFAULT_ONLY = "gs1:defaultLink"


def wants_linkset() -> bool:
    if request.args.get("linkType") in _LINKSET_REQUESTS:
        return True
    best = request.accept_mimetypes.best_match(["text/html", LINKSET_TYPE])
    return best == LINKSET_TYPE


def wants_links() -> bool:
    """Whether the request asks for the linkset or a link type (a machine), not the default link."""
    return wants_linkset() or "linkType" in request.args


def _requested_link_type() -> str | None:
    """The linkType asked for, as a gs1: CURIE when it is a GS1 Web Vocabulary URI; None for none or the linkset."""
    link_type = request.args.get("linkType")
    if link_type is None or link_type in _LINKSET_REQUESTS:
        return None
    for namespace in _GS1_NAMESPACES:
        if link_type.startswith(namespace):
            return "gs1:" + link_type.removeprefix(namespace)
    return link_type


def is_visible(product: Product) -> bool:
    return (
        db.session.scalar(visible_products_query().where(Product.id == product.id).with_only_columns(Product.id))
        is not None
    )


def product_links(product: Product) -> dict[str, dict]:
    """Return the GTIN-level links (absolute): product page, certificate, producer's page."""
    base = base_url()
    links = {}
    if is_visible(product):
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


def batch_links(batch: Batch, stamp) -> dict[str, dict]:
    """Return links of a lot (and serial) with those inherited from the GTIN level; the origin page is the default."""
    base = base_url()
    links = product_links(batch.product)
    links[BATCH_DEFAULT] = {"href": base + origin_path(batch, stamp), "title": _("Nguồn gốc sản phẩm")}
    links["gs1:epcis"] = {
        "href": base + url_for("traceability.epcis_events", batch_id=batch.id),
        "title": "EPCIS 2.0",
        "type": "application/ld+json",
    }
    return links


def walk_up_links(product: Product, origin_href: str) -> dict[str, dict]:
    """Links of a lot or serial no published lot has: the GTIN's, and as the default the page a
    person is sent to (the walk-up page that warns the code is not registered)."""
    links = product_links(product)
    links[DEFAULT_ONLY] = {"href": origin_href, "title": _("Mã chưa được cơ sở sản xuất đăng ký")}
    return links


def product_description(product: Product) -> str:
    return product.name_vi


def batch_description(batch: Batch, stamp) -> str:
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
        if link_type != DEFAULT_ONLY:
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


def redirect_to(href: str, anchor_path: str):
    """307 to an absolute target, the query string passed on, with the Link to the anchor's linkset.

    GS1 Digital Link: 307 keeps the method and says the mapping may change.
    """
    response = current_app.response_class(status=307)
    response.headers["Location"] = _with_passthrough(href)
    return with_link_header(response, anchor_path)


def _no_such_link(link_type: str, anchor_path: str):
    """A linkType this code has no link of: 404 (resolver standard), the shop's usual page in the visitor's language."""
    message = _("Mã này không có liên kết loại %(type)s.", type=link_type[:80])
    if wants_linkset():
        response = jsonify(error=404, message=message)
        response.status_code = 404
    else:
        response = render_error(404, message)
    return with_link_header(response, anchor_path)


def answer_links(anchor_path: str, description: str, links: dict[str, dict], default: str):
    """Answer a request for the linkset or for one link type; None when it asks for neither."""
    if wants_linkset():
        return _linkset(anchor_path, description, links, default)
    link_type = _requested_link_type()
    if link_type is None:
        return None
    if link_type == "gs1:defaultLink":
        link_type = default
    if link_type in links:
        return redirect_to(links[link_type]["href"], anchor_path)
    return _no_such_link(link_type, anchor_path)


def not_registered(code: str):
    """404 for a code no product in the programme has."""
    # Said plainly: an unknown serial is the commonest sign of a copied or invented stamp.
    if wants_linkset():
        response = jsonify(error=404, message=_("Mã này chưa được đăng ký: sản phẩm có thể không chính hãng"))
    else:
        form = ReportForm(code=code[:300])
        response = current_app.make_response(
            (render_template("traceability/not_registered.html", code=code, report_form=form), 404)
        )
    response.status_code = 404
    return cors(response)


def unpublished(path: str):
    """A lot its producer has not published yet: a neutral 404; nothing is counted."""
    if wants_linkset():
        response = jsonify(error=404, message=_("Lô hàng chưa được cơ sở công bố"))
    else:
        response = current_app.make_response((render_template("traceability/unpublished.html", code=path), 404))
    response.status_code = 404
    return cors(response)


def bad_code(error):
    """400 for a path that is no valid Digital Link (resolver standard: SHALL report syntax errors with 400)."""
    if wants_linkset():
        response = jsonify(error=400, message=str(error))
    else:
        response = current_app.make_response((render_template("traceability/bad_code.html", detail=str(error)), 400))
    response.status_code = 400
    return cors(response)


def canonical_redirect(location_path: str, anchor_path: str):
    """301 to the canonical form of a code (query kept), with the Link to its linkset."""
    query = request.query_string.decode("utf-8", "replace")
    response = current_app.response_class(status=301)
    response.headers["Location"] = base_url() + location_path + (f"?{query}" if query else "")
    return with_link_header(response, anchor_path)

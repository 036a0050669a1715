"""The pages a person lands on from a scan of a GS1 Digital Link with a lot or serial: the origin page
at its own URL, /origin/01/{gtin}/10/{lot}[/21/{serial}], and the walk-up page of an unknown lot or serial.

The resolver (views.py) answers such a URI with a 307 to here (its default link), so the scan is
counted here, on the page's GET, and nowhere else.
"""

import dataclasses

from flask import current_app, render_template, request

from storefront.catalog.models import Product
from storefront.extensions import db, limiter
from traceability import views
from traceability.blueprint import bp
from traceability.errors import NotRegistered
from traceability.forms import ReportForm
from traceability.http import preflight, raw_path, with_link_header
from traceability.identifiers.codes import canonical_serial
from traceability.identifiers.digital_link import DigitalLink, DigitalLinkError, parse_path
from traceability.origin import page
from traceability.resolver import links
from traceability.resolver.lookup import find_product_by_gtin, is_unpublished_stamp, published_batch_id
from traceability.scans.unknown import record_unknown_scan
from traceability.stamps.urls import ORIGIN_PREFIX, base_url, origin_path_of

PAGE_METHODS = ["GET", "HEAD", "OPTIONS"]


def redirect_to_origin_page(link: DigitalLink):
    """The resolver's answer to a person scanning a lot or serial URI: 307 to its origin page, query passed on."""
    return links.redirect_to(base_url() + origin_path_of(link), link.path)


@bp.route(ORIGIN_PREFIX + "/01/<path:rest>", methods=PAGE_METHODS)
@limiter.limit(views.scan_limit, exempt_when=views.scan_limit_exempt)
def origin(rest):
    """The origin page of a lot or serial (counting the scan), or the walk-up page of an unknown one."""
    path = raw_path(request.environ).removeprefix(ORIGIN_PREFIX)
    if path.endswith("/"):
        path = path[:-1]
    try:
        link, non_canonical = parse_path(path, request.query_string.decode("utf-8", "replace"))
    except DigitalLinkError as error:
        return preflight() if request.method == "OPTIONS" else links.bad_code(error)
    if link.serial is not None and canonical_serial(link.serial) != link.serial:
        link, non_canonical = dataclasses.replace(link, serial=canonical_serial(link.serial)), True
    if request.method == "OPTIONS":
        return preflight(link.path)
    if link.lot is None and link.serial is None:
        return links.redirect_to(base_url() + link.path, link.path)  # a GTIN alone: the resolver's answer
    if non_canonical:
        return links.canonical_redirect(origin_path_of(link), link.path)
    lookup = {"gtin": link.gtin, "lot": link.lot, "serial": link.serial}
    try:
        if link.lot is None:
            raise NotRegistered(link.path)  # every stamp's URI names its lot
        return views.answer_scan(lookup, link.path)
    except NotRegistered:
        return _unknown_code(link, lookup)


def _unknown_code(link: DigitalLink, lookup: dict):
    """Answer a person scanning a lot or serial no published lot has.

    A lot its producer has not published yet gets a neutral 404 (stamps are printed before a lot
    goes on sale; calling those packages fakes would be false). An unknown GTIN, or the GTIN of a
    product not in the programme, gets the "not registered" 404. Otherwise the walk-up page: the
    GTIN's links (resolver standard: every key qualifier is supported) and a plain warning.
    """
    if is_unpublished_stamp(**lookup):
        return links.unpublished(link.path)
    product = find_product_by_gtin(link.gtin)
    if product is None or not links.is_visible(product):
        return links.not_registered(link.path)
    return walk_up_page(product, link)


def walk_up_page(product: Product, link: DigitalLink):
    """The page a person lands on from an unregistered lot or serial: the product's links and a plain warning.

    A GET is kept as an unknown-code scan for the producer and the office (a HEAD is not a scan,
    nor another page loading the URL as an image: page.is_scan).
    """
    batch_id = published_batch_id(link.gtin, link.lot) if link.serial is not None else None
    if request.method == "GET" and page.is_scan(request.environ):
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
        links=links.product_links(product),
        code=scanned[:300],
        report_form=ReportForm(code=scanned[:300]),
    )
    response = current_app.make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return with_link_header(response, link.path)

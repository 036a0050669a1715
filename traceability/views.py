"""GS1 Digital Link resolver, origin pages, EPCIS export and the report and PIN forms."""

import dataclasses
from urllib.parse import urlencode

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.catalog.models import ProducerStatus, Product
from storefront.catalog.services import valid_certificate, visible_products_query
from storefront.clock import VIETNAM_TZ, today_vn
from storefront.columns import utcnow
from storefront.extensions import db, limiter
from storefront.filters import url_for_lang
from traceability import bp, epcis, services
from traceability.digital_link import (
    DigitalLinkError,
    canonical_serial,
    is_valid_serial,
    parse_path,
    parse_short_code,
)
from traceability.forms import PinForm, ReportForm
from traceability.models import Batch
from traceability.origin import description, facts, page
from traceability.scans import copy_warnings, recording
from traceability.scans.buffer import buffered, scan_buffer

RESOLVER_METHODS = ["GET", "HEAD", "OPTIONS"]
LINKSET_TYPE = "application/linkset+json"
GS1_VOC = "https://gs1.org/voc/"
#: Link types this resolver can redirect to (GS1 Web Vocabulary), beyond the default.
LINK_TYPES = ("gs1:pip", "gs1:certificationInfo", "gs1:traceability", "gs1:epcis", "gs1:brandHomepageClient")


#: environ keys set by the scan fast path (fast_path.py) for a request it leaves to Flask; no
#: client can set one (a server puts request headers under HTTP_*). The rate-limit headers of a
#: request it counted already (Flask-Limiter must not count it again), and a code its look-up did
#: not find (answered 404 without looking again).
SCAN_LIMIT_COUNTED = "ocop.scan.limit_headers"
SCAN_NOT_REGISTERED = "ocop.scan.not_registered"


def _scan_limit():
    return current_app.config.get("RATELIMIT_SCAN", "60 per minute")


def _scan_limit_exempt() -> bool:
    return request.method == "OPTIONS" or SCAN_LIMIT_COUNTED in request.environ


@bp.after_app_request
def _counted_scan_limit_headers(response):
    """Give a request the fast path counted (so Flask-Limiter did not) the limit headers it computed."""
    for name, value in request.environ.get(SCAN_LIMIT_COUNTED, ()):
        response.headers[name] = value
    return response


@bp.app_template_global("origin_url")
def origin_url_global(batch, stamp=None):
    """Template global: the absolute origin-page URL of a batch or stamp."""
    return services.origin_url(batch, stamp)


# --- helpers -----------------------------------------------------------------------------


#: GS1-Conformant Resolver Standard §4: resolvers answer cross-origin GET/HEAD/OPTIONS.
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Accept-Language, Content-Type"),
    ("Access-Control-Expose-Headers", "Link, Location, Content-Type"),
)


def _cors(response):
    for name, value in CORS_HEADERS:
        response.headers[name] = value
    return response


def _preflight():
    response = current_app.response_class(status=204)
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Max-Age"] = "86400"
    return _cors(response)


def _wants_linkset() -> bool:
    if request.args.get("linkType") in ("linkset", "all"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", LINKSET_TYPE])
    return best == LINKSET_TYPE


def linkset_link(base_url: str, anchor_path: str) -> str:
    """The Link header every resolver answer carries: where its linkset is."""
    return f'<{base_url}{anchor_path}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'


def _with_link_header(response, anchor_path: str):
    response.headers["Link"] = linkset_link(services._base_url(), anchor_path)
    return _cors(response)


def _bad_syntax(error):
    if _wants_linkset():
        response = jsonify(error=400, message=str(error))
    else:
        response = current_app.make_response((render_template("traceability/bad_code.html", detail=str(error)), 400))
    response.status_code = 400
    return _cors(response)


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
    return _cors(response)


def _unknown_code(path: str, lookup: dict):
    """Answer a code no published lot has: a neutral page for a lot its producer has not published yet.

    Stamps are printed before a lot goes on sale; calling those packages fakes would be false.
    Nothing is counted for either answer.
    """
    if not services.is_unpublished_stamp(**lookup):
        return _not_registered(path)
    message = _("Lô hàng chưa được cơ sở công bố")
    if _wants_linkset():
        response = jsonify(error=404, message=message)
    else:
        response = current_app.make_response((render_template("traceability/unpublished.html", code=path), 404))
    response.status_code = 404
    return _cors(response)


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
    links["gs1:traceability"] = {"path": services.origin_path(batch, stamp), "title": _("Nguồn gốc sản phẩm")}
    links["gs1:epcis"] = {
        "path": url_for("traceability.epcis_events", batch_id=batch.id),
        "title": "EPCIS 2.0",
        "type": "application/ld+json",
    }
    return links


def _linkset(anchor_path: str, links: dict[str, dict], default: str | None):
    base = services._base_url()

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
    return _with_link_header(response, anchor_path)


def _redirect_to_link(link: dict, anchor_path: str):
    query = _passthrough_query()
    location = link["path"] + (f"?{query}" if query else "") + (f"#{link['anchor']}" if link.get("anchor") else "")
    # GS1 Digital Link: 307 keeps the method and says the mapping may change.
    return _with_link_header(redirect(location, 307), anchor_path)


def _answer(batch: Batch, stamp, anchor_path: str):
    """Answer a resolved lot or serial asking for a linkset or another link; else the origin page."""
    links = _batch_links(batch, stamp)
    if _wants_linkset():
        return _linkset(anchor_path, links, "gs1:traceability")
    link_type = request.args.get("linkType")
    if link_type in links and link_type != "gs1:traceability":
        return _redirect_to_link(links[link_type], anchor_path)
    return _origin_page(facts.origin_hit(batch, stamp), anchor_path)


def _wants_origin_page() -> bool:
    """Whether a resolved code should answer with the origin page (the common case: a phone scan)."""
    link_type = request.args.get("linkType")
    return not _wants_linkset() and (link_type not in LINK_TYPES or link_type == "gs1:traceability")


def _origin_page(hit: facts.OriginHit, anchor_path: str, generation: int | None = None):
    """Render the origin page: cached description of the batch, live recall, standing and counters.

    A scan costs the look-up query; the scan itself is queued for the worker's scan writer
    (scans/buffer.py), or with SCAN_WRITE_MODE=immediate written here with one UPDATE … RETURNING
    and one INSERT. The page touches neither the signed-in user nor the session unless a form
    with a CSRF token is shown.
    """
    view = page.origin_view(hit.batch_id, hit.in_programme, hit.origin_version)
    stamp = hit.stamp
    buffer = scan_buffer() if buffered() else None
    if request.method == "GET":
        if buffer is None:
            recording.relax_commit_durability()  # this transaction writes nothing but the scan
        device, day = page.request_device()
        recording.count_scan(
            hit.batch_id,
            stamp,
            region=page.request_region(),
            user_agent=request.user_agent.string,
            device=device,
            day=day,
            buffer=buffer,
        )
    if buffer is not None and stamp is not None:
        page.settle_counter(buffer, stamp, buffer.generation if generation is None else generation)
    warning = copy_warnings.scan_warning(
        stamp,
        check_regions=bool(page.region_header()),
        unwritten_regions=buffer.unwritten_regions(stamp.id) if buffer is not None and stamp is not None else (),
    )
    if buffer is None:
        db.session.commit()
    code = page.request_raw_path() + (
        f"?{request.query_string.decode('utf-8', 'replace')}" if request.query_string else ""
    )
    first_scan = stamp.first_scanned_at if stamp is not None else None
    html = page.origin_html(
        view, hit, stamp, warning, code[:300], first_scan.astimezone(VIETNAM_TZ).date() if first_scan else None
    )
    response = current_app.make_response(html)
    if buffer is not None and buffer.due():
        # Once the answer is sent, in this request's thread; skipped if another thread is writing.
        response.call_on_close(lambda: buffer.flush(wait=False))
    return _with_link_header(response, anchor_path)


def _find(code: str):
    """Return (batch, stamp) for a scanned path ("/01/…?17=…" or "/t/…").

    :raises services.NotRegistered: for anything that does not resolve.
    """
    path, _sep, query = code.partition("?")
    if path.startswith("/t/"):
        code_part, _sep, serial = path[3:].partition("/")
        return services.find_by_short_code(code_part, serial or None)
    try:
        link, _non_canonical = parse_path(path, query)
    except DigitalLinkError:
        raise services.NotRegistered(code) from None
    if link.lot is None:
        raise services.NotRegistered(code)
    return services.find_by_link(link)


# --- resolver ----------------------------------------------------------------------------


@bp.route("/01/<path:rest>", methods=RESOLVER_METHODS)
@bp.route("/gtin/<path:rest>", methods=RESOLVER_METHODS)
@limiter.limit(_scan_limit, exempt_when=_scan_limit_exempt)
def resolve(rest):
    """Resolve a GS1 Digital Link: origin page by default, linkset or linkType redirects."""
    if request.method == "OPTIONS":
        return _preflight()
    path = page.request_raw_path()
    try:
        link, non_canonical = parse_path(path, request.query_string.decode("utf-8", "replace"))
    except DigitalLinkError as error:
        return _bad_syntax(error)
    if link.serial is not None and canonical_serial(link.serial) != link.serial:
        link, non_canonical = dataclasses.replace(link, serial=canonical_serial(link.serial)), True
    if non_canonical:
        query = request.query_string.decode("utf-8", "replace")
        return _cors(redirect(link.path + (f"?{query}" if query else ""), 301))
    if link.lot is None:
        return _answer_gtin(link.gtin, link.path)
    lookup = {"gtin": link.gtin, "lot": link.lot, "serial": link.serial}
    if _wants_origin_page():
        if SCAN_NOT_REGISTERED in request.environ:
            return _unknown_code(path, lookup)
        generation = page.scan_generation()
        try:
            hit = facts.find_origin(**lookup, device=page.request_device()[0], raw=buffered())
        except services.NotRegistered:
            return _unknown_code(path, lookup)
        return _origin_page(hit, link.path, generation)
    try:
        batch, stamp = services.find_by_link(link)
    except services.NotRegistered:
        return _unknown_code(path, lookup)
    return _answer(batch, stamp, link.path)


def _answer_gtin(gtin: str, anchor_path: str):
    """A GTIN alone names a product, not a lot: its default link is the product page."""
    product = services.find_product_by_gtin(gtin)
    if product is None or not _is_visible(product):
        return _not_registered(anchor_path)
    links = _product_links(product)
    if _wants_linkset():
        return _linkset(anchor_path, links, "gs1:pip")
    return _redirect_to_link(links.get(request.args.get("linkType"), links["gs1:pip"]), anchor_path)


@bp.route("/t/<code>", defaults={"serial": None}, methods=RESOLVER_METHODS)
@bp.route("/t/<code>/<serial>", methods=RESOLVER_METHODS, endpoint="origin_short")
@limiter.limit(_scan_limit, exempt_when=_scan_limit_exempt)
def origin_short(code, serial):
    """Origin page of a product without a GTIN, on the non-GS1 path /t/{code}[/{serial}]."""
    if request.method == "OPTIONS":
        return _preflight()
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
        return _cors(redirect(location + (f"?{query}" if query else ""), 301))
    lookup = {"short_code": code, "serial": serial}
    if _wants_origin_page():
        if SCAN_NOT_REGISTERED in request.environ:
            return _unknown_code(request.path, lookup)
        generation = page.scan_generation()
        try:
            hit = facts.find_origin(**lookup, device=page.request_device()[0], raw=buffered())
        except services.NotRegistered:
            return _unknown_code(request.path, lookup)
        return _origin_page(hit, request.path, generation)
    try:
        batch, stamp = services.find_by_short_code(code, serial)
    except services.NotRegistered:
        return _unknown_code(request.path, lookup)
    return _answer(batch, stamp, services.origin_path(batch, stamp))


@bp.route("/.well-known/gs1resolver")
def resolver_description():
    """Describe this resolver (GS1-Conformant Resolver Standard, resolver description file)."""
    base = services._base_url()
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
    return _cors(response)


# --- EPCIS -------------------------------------------------------------------------------


@bp.route("/api/v1/batches/<int:batch_id>/epcis", methods=["GET", "HEAD", "OPTIONS"])
def epcis_events(batch_id):
    """Return a published batch's trace events as an EPCIS 2.0 JSON-LD document."""
    if request.method == "OPTIONS":
        return _preflight()
    batch = db.first_or_404(select(Batch).where(Batch.id == batch_id, Batch.is_published.is_(True)))
    document = epcis.epcis_document(batch, base_url=services._base_url(), now=utcnow())
    response = current_app.response_class(current_app.json.dumps(document), mimetype=epcis.MEDIA_TYPE)
    return _cors(response)


# --- forms on the origin page ------------------------------------------------------------


@bp.route("/trace/report", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("RATELIMIT_REPORT", "20 per hour"), methods=["POST"])
def report():
    """Report a suspected counterfeit, from an origin page or an unregistered-code page."""
    form = ReportForm(code=request.args.get("code", "")[:300]) if request.method == "GET" else ReportForm()
    if form.validate_on_submit():
        try:
            batch, stamp = _find(form.code.data or "")
        except services.NotRegistered:
            batch = stamp = None
        services.report_counterfeit(
            batch=batch,
            stamp=stamp,
            scanned_code=form.code.data or "",
            message=form.message.data,
            where_bought=form.where_bought.data,
            contact=form.contact.data,
        )
        db.session.commit()
        flash(_("Cảm ơn bạn. Văn phòng OCOP đã nhận báo cáo và sẽ kiểm tra."), "success")
        return redirect(url_for("traceability.done", next=form.code.data or None))
    return render_template("traceability/report.html", report_form=form)


@bp.route("/trace/pin", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("RATELIMIT_PIN", "10 per minute"))
def pin():
    """Check the scratch-off PIN of a serialized stamp (valid once)."""
    form = PinForm()
    if not form.validate_on_submit():
        flash(" ".join(str(error) for error in form.pin.errors) or _("Mã PIN không hợp lệ."), "error")
        return redirect(url_for("traceability.done", next=form.code.data or None))
    try:
        _batch, stamp = _find(form.code.data)
    except services.NotRegistered:
        abort(404)
    if stamp is None or stamp.pin_hash is None:
        abort(404)
    result = services.verify_pin(stamp, form.pin.data)
    db.session.commit()
    if result == "valid":
        flash(
            _("Mã PIN đúng: đây là sản phẩm chính hãng. Mã đã được ghi nhận, lần kiểm tra sau sẽ báo đã dùng."),
            "success",
        )
    elif result == "used":
        flash(
            _(
                "Mã PIN này đã được kiểm tra ngày %(d)s. Nếu không phải bạn kiểm tra, sản phẩm có thể không chính hãng.",
                d=stamp.pin_verified_at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y"),
            ),
            "error",
        )
    else:
        flash(_("Mã PIN không đúng. Hãy kiểm tra lại các chữ số dưới lớp cào."), "error")
    return redirect(url_for("traceability.done", next=form.code.data))


@bp.route("/trace/done")
def done():
    """Show the outcome of a report or PIN check, with a way back to the origin page."""
    back = request.args.get("next", "")
    if not (back.startswith("/01/") or back.startswith("/t/")):
        back = None
    return render_template("traceability/done.html", back=back, today=today_vn())


@bp.route("/trace/preview/<int:batch_id>")
@login_required
def preview(batch_id):
    """The batch's origin page as a scan will show it, for its producer (or the office); counts nothing."""
    batch = db.get_or_404(Batch, batch_id)
    producer = batch.product.producer
    if current_user.role is not Role.OFFICE and producer.owner_id != current_user.id:
        abort(404)
    in_programme = producer.status is ProducerStatus.APPROVED and not batch.product.is_hidden
    view = description.build(description.load(batch.id), in_programme, today_vn(), str(get_locale()))
    hit = facts.OriginHit(
        batch_id=batch.id,
        in_programme=in_programme,
        recalled_at=batch.recalled_at,
        recall_reason=batch.recall_reason,
        stamp=None,
    )
    html = page.render_light(
        "traceability/origin.html",
        view=view,
        hit=hit,
        warning=None,
        stamp=None,
        first_scan_day=None,
        report_url=url_for("traceability.report"),
        pin_form=None,
        preview_of=batch,
        url_for_lang=url_for_lang,
    )
    response = current_app.make_response(html)
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Origin pages: what a scan of a resolved code shows and counts, the scan rate limit, the producer's preview."""

import dataclasses
import re
import secrets
from urllib.parse import urlencode

from flask import abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from storefront.accounts.models import Role
from storefront.addresses import format_address
from storefront.catalog.groups import group_name
from storefront.catalog.jsonld import certification_jsonld
from storefront.catalog.models import ProducerStatus
from storefront.catalog.services import valid_certificate
from storefront.catalog.urls import public_url
from storefront.clock import VIETNAM_TZ, today_vn
from storefront.extensions import db
from storefront.filters import dmy, url_for_lang
from traceability import cache, services
from traceability.batches.services import is_expired
from traceability.blueprint import bp
from traceability.errors import NotRegistered
from traceability.forms import PinForm
from traceability.http import raw_path, with_link_header
from traceability.models import Batch
from traceability.scan_buffer import buffered, scan_buffer
from traceability.stamps.urls import origin_url

#: How the origin page names each stage (Circular 02/2024: harvest, processing, packing, test, shipping).
STAGE_LABELS = {
    "harvesting": _l("Thu hoạch"),
    "commissioning": _l("Chế biến"),
    "transforming": _l("Chế biến"),
    "packing": _l("Đóng gói"),
    "inspecting": _l("Kiểm nghiệm chất lượng"),
    "shipping": _l("Vận chuyển"),
}


#: environ keys set by the scan fast path (fast_path.py) for a request it leaves to Flask; no
#: client can set one (a server puts request headers under HTTP_*). The rate-limit headers of a
#: request it counted already (Flask-Limiter must not count it again), and a code its look-up did
#: not find (answered 404 without looking again).
SCAN_LIMIT_COUNTED = "ocop.scan.limit_headers"
SCAN_NOT_REGISTERED = "ocop.scan.not_registered"


def scan_limit():
    return current_app.config.get("RATELIMIT_SCAN", "60 per minute")


def scan_limit_exempt() -> bool:
    return request.method == "OPTIONS" or SCAN_LIMIT_COUNTED in request.environ


@bp.after_app_request
def _counted_scan_limit_headers(response):
    """Give a request the fast path counted (so Flask-Limiter did not) the limit headers it computed."""
    for name, value in request.environ.get(SCAN_LIMIT_COUNTED, ()):
        response.headers[name] = value
    return response


# --- helpers -----------------------------------------------------------------------------


def _raw_path() -> str:
    return raw_path(request.environ)


def _region_header() -> str:
    # Off unless configured: only a trusted proxy may set it, or anyone could make a stamp look copied.
    return current_app.config.get("SCAN_REGION_HEADER", "")


def _region() -> str:
    return region_of(request.environ, _region_header())


def region_of(environ, header: str) -> str:
    """The coarse region the trusted proxy put in `header` (SCAN_REGION_HEADER), or ""."""
    return environ.get("HTTP_" + header.upper().replace("-", "_"), "") if header else ""


#: environ key: this request's (device hash, Vietnam day), computed once (scan_device).
SCAN_DEVICE = "ocop.scan.device"


def scan_device(environ, secret: str) -> tuple[str, object]:
    """The scanning device's hash for today and today's Vietnam date (services.device_hash; no IP kept).

    From the user agent, the address as ProxyFix gives it and the accepted languages.
    """
    found = environ.get(SCAN_DEVICE)
    if found is None:
        day = today_vn()
        found = environ[SCAN_DEVICE] = (
            services.device_hash(
                user_agent=environ.get("HTTP_USER_AGENT", ""),
                address=environ.get("REMOTE_ADDR", ""),
                accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""),
                secret=secret,
                day=day,
            ),
            day,
        )
    return found


def _device() -> tuple[str, object]:
    return scan_device(request.environ, current_app.config["SECRET_KEY"])


def _scan_generation() -> int | None:
    """Read before a stamp's stored counter is looked up (ScanBuffer.settled_since)."""
    return scan_buffer().generation if buffered() else None


def scan_origin_page(lookup: dict, anchor_path: str):
    """Answer a scan of a resolved code with its origin page, counting the scan (the common case).

    :raises NotRegistered: if no published lot (or stamp) has the code; the scan fast path may
        have found that already (SCAN_NOT_REGISTERED).
    """
    if SCAN_NOT_REGISTERED in request.environ:
        raise NotRegistered(anchor_path)
    generation = _scan_generation()
    hit = services.find_origin(**lookup, device=_device()[0], raw=buffered())
    return _origin_page(hit, anchor_path, generation)


def loaded_origin_page(batch: Batch, stamp, anchor_path: str):
    """The origin page of a lot the resolver loaded already (a link type it has no link for), counting the scan."""
    return _origin_page(services.origin_hit(batch, stamp), anchor_path)


def _origin_page(hit: services.OriginHit, anchor_path: str, generation: int | None = None):
    """Render the origin page: cached description of the batch, live recall, standing and counters.

    A scan costs the look-up query; the scan itself is queued for the worker's scan writer
    (scan_buffer.py), or with SCAN_WRITE_MODE=immediate written here with one UPDATE … RETURNING
    and one INSERT. The page touches neither the signed-in user nor the session unless a form
    with a CSRF token is shown.
    """
    view = _origin_view(hit.batch_id, hit.in_programme, hit.origin_version)
    stamp = hit.stamp
    buffer = scan_buffer() if buffered() else None
    if request.method == "GET":
        if buffer is None:
            services.relax_commit_durability()  # this transaction writes nothing but the scan
        device, day = _device()
        services.count_scan(
            hit.batch_id,
            stamp,
            region=_region(),
            user_agent=request.user_agent.string,
            device=device,
            day=day,
            buffer=buffer,
        )
    if buffer is not None and stamp is not None:
        _settle_counter(buffer, stamp, buffer.generation if generation is None else generation)
    warning = services.scan_warning(
        stamp,
        check_regions=bool(_region_header()),
        unwritten_regions=buffer.unwritten_regions(stamp.id) if buffer is not None and stamp is not None else (),
    )
    if buffer is None:
        db.session.commit()
    code = _raw_path() + (f"?{request.query_string.decode('utf-8', 'replace')}" if request.query_string else "")
    first_scan = stamp.first_scanned_at if stamp is not None else None
    html = _origin_html(
        view, hit, stamp, warning, code[:300], first_scan.astimezone(VIETNAM_TZ).date() if first_scan else None
    )
    response = current_app.make_response(html)
    if buffer is not None and buffer.due():
        # Once the answer is sent, in this request's thread; skipped if another thread is writing.
        response.call_on_close(lambda: buffer.flush(wait=False))
    return with_link_header(response, anchor_path)


class _CountSlot(int):
    """A scan counter standing in for the real one: compares as its value, prints as its slot."""

    def __str__(self):
        return _SLOTS["count"]


#: Stand-ins rendered into a page variant and replaced per scan; letters and digits only, so
#: escaping leaves them as they are, and random per process, so no page text can match one.
_SLOTS = {
    name: f"zslot{secrets.token_hex(8)}{name}z"
    for name in ("serial", "count", "day", "report_url", "lang_vi", "lang_en")
}
_SLOT_NAMES = {stand_in: name for name, stand_in in _SLOTS.items()}
_SLOT_RE = re.compile("(" + "|".join(_SLOTS.values()) + ")")


def _settle_counter(buffer, stamp: services.StampState, generation: int) -> None:
    """Read the stored counter again if scans were written since it was read: never off by a write."""
    for _attempt in range(3):
        if buffer.settled_since(generation):
            return
        buffer.wait_for_write()
        generation = buffer.generation
        stored_count, stored_first, stored_devices = services.stored_counters(stamp.id)
        unwritten, first, devices = buffer.unwritten(stamp.id)
        stamp.scan_count, stamp.first_scanned_at = stored_count + unwritten, stored_first or first
        stamp.devices = stored_devices + devices


def _origin_html(view: dict, hit: services.OriginHit, stamp, warning: str | None, code: str, first_scan_day) -> str:
    """Return the origin page: a pre-rendered variant of the batch's page with this scan's values put in.

    A variant is rendered once per cached batch view and combination of live states (recall,
    standing, warning, first or later scan, PIN checked): the template runs with stand-ins for
    the serial, counter, first-scan day, report link and language links, which each scan
    replaces with its own (escaped) values. A PIN form carries the visitor's own CSRF token, so
    that page is rendered whole; the report form is a page of its own for the same reason.
    """
    if stamp is not None and stamp.has_pin and not stamp.pin_verified_at:
        return _render_light(
            "traceability/origin.html",
            view=view,
            hit=hit,
            warning=warning,
            stamp=stamp,
            first_scan_day=first_scan_day,
            report_url=_report_url(code),
            pin_form=PinForm(code=code),
            url_for_lang=_lang_url,
        )
    pieces = stored_variant(view, hit, stamp, warning) or _render_variant(view, hit, stamp, warning)
    return fill_slots(pieces, stamp, first_scan_day, report_url=lambda: _report_url(code), lang_url=_lang_url)


def _variant_key(hit: services.OriginHit, stamp, warning: str | None) -> tuple:
    return (
        hit.in_programme,
        hit.recalled_at,
        hit.recall_reason,
        warning,
        stamp is not None,
        stamp is not None and stamp.serial is not None,
        stamp is not None and stamp.scan_count <= 1,
        stamp.has_pin if stamp is not None else False,
        stamp.pin_verified_at if stamp is not None else None,
    )


def stored_variant(view: dict, hit: services.OriginHit, stamp, warning: str | None) -> list | None:
    """Return the page variant for these live states if one was rendered already, else None."""
    return view["variants"].get(_variant_key(hit, stamp, warning))


def _render_variant(view: dict, hit: services.OriginHit, stamp, warning: str | None) -> list:
    """Render and store the variant for these live states: [text, slot name, text, …, text]."""
    stand_in = None
    if stamp is not None:
        stand_in = dataclasses.replace(
            stamp,
            serial=_SLOTS["serial"] if stamp.serial is not None else None,
            scan_count=_CountSlot(1 if stamp.scan_count <= 1 else 2),
        )
    html = _render_light(
        "traceability/origin.html",
        view=view,
        hit=hit,
        warning=warning,
        stamp=stand_in,
        first_scan_day=_SLOTS["day"],
        report_url=_SLOTS["report_url"],
        pin_form=None,
        url_for_lang=lambda lang: _SLOTS[f"lang_{lang}"],
    )
    parts = _SLOT_RE.split(html)
    pieces = [part if index % 2 == 0 else _SLOT_NAMES[part] for index, part in enumerate(parts)]
    view["variants"][_variant_key(hit, stamp, warning)] = pieces
    return pieces


def fill_slots(pieces: list, stamp, first_scan_day, *, report_url, lang_url) -> str:
    """Put one scan's values (escaped) into a variant's slots; report_url() and lang_url(lang) build links."""
    values = {
        "serial": lambda: escape(stamp.serial),
        "count": lambda: escape(str(stamp.scan_count)),
        "day": lambda: escape(dmy(first_scan_day)),
        "report_url": lambda: escape(report_url()),
        "lang_vi": lambda: escape(lang_url("vi")),
        "lang_en": lambda: escape(lang_url("en")),
    }
    return "".join(part if index % 2 == 0 else values[part]() for index, part in enumerate(pieces))


def _report_url(code: str) -> str:
    return url_for("traceability.report", code=code)


def _lang_url(lang: str) -> str:
    """The scanned URL (as scanned: a %2F in a lot stays encoded) asking for another language."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return _raw_path() + "?" + urlencode([*args, ("lang", lang)])


def _render_light(template: str, **context) -> str:
    """Render without the app's context processors (cart count, signed-in user, order labels).

    The origin page shows none of them; skipping them keeps a scan from loading the user.
    """
    context.setdefault("url_for_lang", url_for_lang)
    context["current_locale"] = str(get_locale())
    return current_app.jinja_env.get_template(template).render(context)


def _origin_view(batch_id: int, in_programme: bool, origin_version: int | None = None) -> dict:
    """Return the batch's rendered description, from the origin cache or built now (a few queries).

    origin_version: as the scan's look-up read it; a cached description built under another is
    built again (cache.py). None (a page without that look-up) takes the cached one.
    """
    today, locale = today_vn(), str(get_locale())
    key = origin_cache_key(batch_id, locale, today, in_programme)
    view = cache.get(key)
    if view is None or (origin_version is not None and view["origin_version"] != origin_version):
        view = _build_origin_view(services.load_origin_batch(batch_id), in_programme, today, locale)
        view["origin_version"] = origin_version
        cache.put(key, view, current_app.config.get("ORIGIN_CACHE_SECONDS", 600))
    return view


def is_current(view: dict | None, hit: services.OriginHit) -> bool:
    """Whether a cached description may serve this scan (built under the version its look-up read)."""
    return view is not None and view["origin_version"] == hit.origin_version


def origin_cache_key(batch_id: int, locale: str, today, in_programme: bool) -> tuple:
    """The origin cache's key of a batch's rendered description (the fast path reads the same entries)."""
    return batch_id, locale, today, in_programme


def _build_origin_view(batch: Batch, in_programme: bool, today, locale: str) -> dict:
    product, producer = batch.product, batch.product.producer
    context = {
        "batch": batch,
        "product": product,
        "producer": producer,
        "in_programme": in_programme,
        # No OCOP mark for a producer out of the programme: the stars were awarded to it.
        "certificate": valid_certificate(product, today) if in_programme else None,
        "producer_address": format_address(producer.street, producer.ward_code, producer.province_code)
        or producer.legacy_address,
        "events": batch.events,
        "stage_labels": STAGE_LABELS,
        "is_expired": is_expired(batch, today),
    }
    name = product.name_en if locale == "en" and product.name_en else product.name_vi
    jsonld = _origin_jsonld(batch, name, context["certificate"], context["producer_address"], in_programme)
    return {
        "head": Markup(render_template("traceability/_head.html", name=name, jsonld=jsonld, **context)),
        "top": Markup(render_template("traceability/_origin_top.html", **context)),
        "details": Markup(render_template("traceability/_origin_details.html", **context)),
        "shop_url": url_for("catalog.product", slug=product.slug) if product.is_published else None,
        "header": Markup(render_template("traceability/_header.html")),
        "footer": Markup(render_template("traceability/_footer.html")),
        "variants": {},  # pages rendered from this view with stand-ins (_origin_html)
    }


def _origin_jsonld(batch: Batch, name: str, certificate, producer_address: str, in_programme: bool) -> dict:
    """schema.org Product for the lot: who made it and where, its dates, the OCOP certificate while valid."""
    product, producer = batch.product, batch.product.producer
    url = origin_url(batch)
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": url,
        "name": name,
        "url": url,
        "category": group_name(product.ocop_group),
        "brand": {"@type": "Brand", "name": producer.name},
        "manufacturer": {
            "@type": "Organization",
            "name": producer.name,
            "address": {"@type": "PostalAddress", "streetAddress": producer_address, "addressCountry": "VN"},
        },
    }
    if product.gtin:
        data["gtin14"] = product.gtin
    if batch.production_date or batch.packing_date:
        data["productionDate"] = (batch.production_date or batch.packing_date).isoformat()
    if product.images:
        data["image"] = [
            public_url("catalog.image", filename=img.filename, size="large", fmt="jpg") for img in product.images
        ]
    if product.is_published and in_programme:  # the shop's page, as the "buy online" link
        data["isRelatedTo"] = {"@type": "Product", "url": public_url("catalog.product", slug=product.slug)}
    if certificate:
        data["hasCertification"] = certification_jsonld(certificate)
    return data


@bp.route("/trace/preview/<int:batch_id>")
@login_required
def preview(batch_id):
    """The batch's origin page as a scan will show it, for its producer (or the office); counts nothing."""
    batch = db.get_or_404(Batch, batch_id)
    producer = batch.product.producer
    if current_user.role is not Role.OFFICE and producer.owner_id != current_user.id:
        abort(404)
    in_programme = producer.status is ProducerStatus.APPROVED and not batch.product.is_hidden
    view = _build_origin_view(services.load_origin_batch(batch.id), in_programme, today_vn(), str(get_locale()))
    hit = services.OriginHit(
        batch_id=batch.id,
        in_programme=in_programme,
        recalled_at=batch.recalled_at,
        recall_reason=batch.recall_reason,
        stamp=None,
    )
    html = _render_light(
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

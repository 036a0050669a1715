"""The origin page of a scan: the batch's cached description (description.py) with the scan's
live facts (facts.py), rendered once per state as a page variant whose slots each scan fills.

The route (views.py) and the scan fast path (fast_path.py) both answer with these functions.
"""

import contextlib
import dataclasses
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, request, url_for
from flask_babel import get_locale
from markupsafe import Markup, escape

from storefront.clock import VIETNAM_TZ, today_vn
from storefront.filters import dmy, url_for_lang
from traceability.forms import PinForm
from traceability.http import raw_path
from traceability.origin import cache, description, facts
from traceability.scans import copy_warnings, recording
from traceability.scans.buffer import buffered, scan_buffer


def request_raw_path() -> str:
    return raw_path(request.environ)


def region_header() -> str:
    # Off unless configured: only a trusted proxy may set it, or anyone could make a stamp look copied.
    return current_app.config.get("SCAN_REGION_HEADER", "")


def request_region() -> str:
    return region_of(request.environ, region_header())


def region_of(environ, header: str) -> str:
    """The coarse region the trusted proxy put in `header` (SCAN_REGION_HEADER), or ""."""
    return environ.get("HTTP_" + header.upper().replace("-", "_"), "") if header else ""


#: Request headers (as the environ names them) by which browsers mark a prefetch or prerender, a
#: load no person sees: Sec-Purpose, and Purpose and X-Moz from older Chrome and Firefox.
_PURPOSE_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_MOZ")


def is_scan(environ) -> bool:
    """Whether a GET is a person opening the stamp's link, as far as the browser tells (Fetch Metadata).

    Any web page can make each visitor's browser load a stamp's URL as an image, a frame or a
    fetch(), or prefetch it: counted, every visitor was a new device, enough of them branded a
    genuine stamp copied, and one dated its first scan before its buyer's. A browser names such a
    request's destination (Sec-Fetch-Dest) or purpose; a phone camera, a QR app or a tapped link
    opens a "document". A client that sends neither (an older browser, an app) still counts.
    """
    if environ.get("HTTP_SEC_FETCH_DEST", "document").strip().lower() != "document":
        return False
    purposes = " ".join(environ.get(name, "") for name in _PURPOSE_HEADERS).lower()
    return "prefetch" not in purposes and "prerender" not in purposes


#: environ key: this request's (device hash, Vietnam day), computed once (scan_device).
SCAN_DEVICE = "ocop.scan.device"


def scan_device(environ, secret: str) -> tuple[str, object]:
    """The scanning device's hash for today and today's Vietnam date (recording.device_hash; no IP kept).

    From the user agent, the address as ProxyFix gives it and the accepted languages.
    """
    found = environ.get(SCAN_DEVICE)
    if found is None:
        day = today_vn()
        found = environ[SCAN_DEVICE] = (
            recording.device_hash(
                user_agent=environ.get("HTTP_USER_AGENT", ""),
                address=environ.get("REMOTE_ADDR", ""),
                accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""),
                secret=secret,
                day=day,
            ),
            day,
        )
    return found


def request_device() -> tuple[str, object]:
    return scan_device(request.environ, current_app.config["SECRET_KEY"])


def scan_generation() -> int | None:
    """Read before a stamp's stored counter is looked up (ScanBuffer.settled_since)."""
    return scan_buffer().generation if buffered() else None


#: The view's pre-rendered parts (description.build). A cached view keeps each once, as UTF-8 bytes
#: (compact_view); its page variants hold only the template's own text around them, with a slot
#: for each part, so the three or so variants of a batch share one copy of its description.
PARTS = ("head", "top", "details", "header", "footer")
#: Parts the same on every batch's page (per language): one object shared by all cached views.
SHARED_PARTS = ("header", "footer")

#: Stand-ins rendered into a page variant and replaced per scan (or by the view's parts); letters
#: and digits only, so escaping leaves them as they are, and random per process, so no page text
#: can match one.
_SLOTS = {
    name: f"zslot{secrets.token_hex(8)}{name}z"
    for name in ("serial", "count", "day", "report_url", "lang_vi", "lang_en", "shop_url", *PARTS)
}


_SLOT_NAMES = {stand_in: name for name, stand_in in _SLOTS.items()}


_SLOT_RE = re.compile("(" + "|".join(_SLOTS.values()) + ")")


def settle_counter(buffer, stamp: recording.StampState, generation: int) -> None:
    """Read the stored counter again if scans were written since it was read: never off by a write."""
    for _attempt in range(3):
        if buffer.settled_since(generation):
            return
        buffer.wait_for_write()
        generation = buffer.generation
        stored_count, stored_first, stored_devices = recording.stored_counters(stamp.id)
        unwritten, first, devices = buffer.unwritten(stamp.id)
        stamp.scan_count, stamp.first_scanned_at = stored_count + unwritten, stored_first or first
        stamp.devices = stored_devices + devices


@dataclass(frozen=True)
class ScanRequest:
    """One scan as the origin page's routes and the scan fast path both read it from the request."""

    device: str
    day: object
    region: str
    user_agent: str
    #: Whether a trusted proxy reports regions (SCAN_REGION_HEADER): the regions warning is checked.
    check_regions: bool
    #: The scanned path and query (for the report and PIN forms), at most 300 characters.
    code: str
    #: False for a request that is no scan (HEAD).
    counts: bool = True


def answer_scan(
    view: dict,
    hit: facts.OriginHit,
    scan: ScanRequest,
    *,
    buffer,
    generation: int | None,
    threshold: int,
    lang_url,
    report_url,
    app_context=contextlib.nullcontext,
) -> bytes:
    """Count a scan and return its origin page (UTF-8): the one way both the route (views.answer_scan)
    and the scan fast path answer a scan.

    buffer: the worker's scan buffer (None: written now, in the session's transaction);
    generation: read before the look-up (ScanBuffer.settled_since). lang_url(lang) and
    report_url() build the page's links; app_context() is entered only for the steps that read
    the session (a counter written meanwhile, the regions of the last day's scans) or render.
    """
    stamp = hit.stamp
    if scan.counts:
        recording.count_scan(
            hit.batch_id,
            stamp,
            region=scan.region,
            user_agent=scan.user_agent,
            device=scan.device,
            day=scan.day,
            buffer=buffer,
        )
    if buffer is not None and stamp is not None and not buffer.settled_since(generation):
        with app_context():  # read the stored counter again (the session)
            settle_counter(buffer, stamp, generation)
    if scan.check_regions and stamp is not None and stamp.serial is not None:
        unwritten = buffer.unwritten_regions(stamp.id) if buffer is not None else set()
        own = recording.clean_region(scan.region) if scan.counts else ""
        if own:  # the visitor's own scan, wherever it is now (a queue keeps none in the process)
            unwritten.add(own)
        with app_context():  # the regions of the last day's scans (the session)
            warning = copy_warnings.scan_warning(stamp, threshold=threshold, unwritten_regions=unwritten)
    else:
        warning = copy_warnings.scan_warning(stamp, check_regions=False, threshold=threshold)
    first_scan = stamp.first_scanned_at if stamp is not None else None
    first_scan_day = first_scan.astimezone(VIETNAM_TZ).date() if first_scan else None
    pieces = None if _needs_pin_form(stamp) else stored_variant(view, hit, stamp, warning)
    if pieces is None:  # a PIN form, or a state not shown for the batch yet: rendered by Flask's code
        with app_context():
            return origin_html(view, hit, stamp, warning, scan.code, first_scan_day)
    return fill_slots(view, pieces, stamp, first_scan_day, report_url=report_url, lang_url=lang_url)


def _needs_pin_form(stamp) -> bool:
    return stamp is not None and stamp.has_pin and not stamp.pin_verified_at


def origin_html(view: dict, hit: facts.OriginHit, stamp, warning: str | None, code: str, first_scan_day) -> bytes:
    """Return the origin page (UTF-8): a pre-rendered variant of the batch's page with this scan's values put in.

    A variant is rendered once per cached batch view and combination of live states (recall,
    standing, warning, first or later scan, PIN checked): the template runs with stand-ins for
    the serial, counter, first-scan day, report link and language links, which each scan
    replaces with its own (escaped) values. A PIN form carries the visitor's own CSRF token, so
    that page is rendered whole; the report form is a page of its own for the same reason.
    """
    if _needs_pin_form(stamp):
        return render_light(
            "traceability/origin.html",
            view=view,
            hit=hit,
            warning=warning,
            stamp=stamp,
            first_scan_day=first_scan_day,
            report_url=report_link(code),
            pin_form=PinForm(code=code),
            url_for_lang=lang_link,
        ).encode()
    pieces = stored_variant(view, hit, stamp, warning) or _render_variant(view, hit, stamp, warning)
    return fill_slots(view, pieces, stamp, first_scan_day, report_url=lambda: report_link(code), lang_url=lang_link)


def _variant_key(hit: facts.OriginHit, stamp, warning: str | None) -> tuple:
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


def stored_variant(view: dict, hit: facts.OriginHit, stamp, warning: str | None) -> list | None:
    """Return the page variant for these live states if one was rendered already, else None."""
    return view["variants"].get(_variant_key(hit, stamp, warning))


def _render_variant(view: dict, hit: facts.OriginHit, stamp, warning: str | None) -> list:
    """Render and store the variant for these live states: [text, slot name, text, …, text], the
    texts encoded (UTF-8): what the response sends, in half the memory of Vietnamese text as str.
    The view's parts and shop link are slots too (filled from the view), so a variant holds only the
    template's text, the same for most batches: those texts are shared between variants (_shared)."""
    stand_in = None
    if stamp is not None:
        stand_in = dataclasses.replace(stamp, serial=_SLOTS["serial"] if stamp.serial is not None else None)
    stand_ins = {name: Markup(_SLOTS[name]) for name in PARTS}
    if view["shop_url"]:
        stand_ins["shop_url"] = Markup(_SLOTS["shop_url"])
    html = render_light(
        "traceability/origin.html",
        view={**view, **stand_ins},
        hit=hit,
        warning=warning,
        stamp=stand_in,
        first_scan_day=_SLOTS["day"],
        first_scan=stamp is not None and stamp.scan_count <= 1,
        scan_count=_SLOTS["count"],
        report_url=_SLOTS["report_url"],
        pin_form=None,
        url_for_lang=lambda lang: _SLOTS[f"lang_{lang}"],
    )
    parts = _SLOT_RE.split(html)
    pieces = [_shared(part.encode()) if index % 2 == 0 else _SLOT_NAMES[part] for index, part in enumerate(parts)]
    view["variants"][_variant_key(hit, stamp, warning)] = pieces
    if "cache_key" in view:  # what the variant adds to the cached view counts against the cache's budget
        cache.charge(view["cache_key"], view, cache.weigh(pieces) + cache.PIECE_OVERHEAD * len(pieces))
    return pieces


def fill_slots(view: dict, pieces: list, stamp, first_scan_day, *, report_url, lang_url) -> bytes:
    """Put the view's parts and one scan's values (escaped) into a variant's slots; report_url() and
    lang_url(lang) build links."""
    values = {
        "serial": lambda: escape(stamp.serial),
        "count": lambda: escape(str(stamp.scan_count)),
        "day": lambda: escape(dmy(first_scan_day)),
        "report_url": lambda: escape(report_url()),
        "lang_vi": lambda: escape(lang_url("vi")),
        "lang_en": lambda: escape(lang_url("en")),
        "shop_url": lambda: escape(view["shop_url"]),
    }
    return b"".join(
        part if index % 2 == 0 else _part_bytes(view[part]) if part in PARTS else values[part]().encode()
        for index, part in enumerate(pieces)
    )


def _part_bytes(part) -> bytes:
    return part if isinstance(part, bytes) else str(part).encode()


#: Texts of headers, footers and variants' template text seen, by content (_shared).
_shared_texts: dict = {}
#: At most this many (a few hundred bytes each): past it, the next new text starts the table over.
MAX_SHARED_TEXTS = 1024


def _shared(text: bytes) -> bytes:
    """The one copy of this text kept for every cached view and variant that holds it."""
    found = _shared_texts.get(text)
    if found is None:
        if len(_shared_texts) >= MAX_SHARED_TEXTS:
            _shared_texts.clear()  # texts held by views stay shared; only later ones start a new table
        found = _shared_texts.setdefault(text, text)
    return found


def compact_view(view: dict) -> dict:
    """Keep the view's parts as UTF-8 bytes, the header and footer shared with every other cached view."""
    for name in PARTS:
        text = _part_bytes(view[name])
        view[name] = _shared(text) if name in SHARED_PARTS else text
    return view


def view_weight(view: dict) -> int:
    """The bytes a compact view adds to the cache: its own parts (the shared ones are held once) and
    its variants, with what Python adds per object (the budget counts memory, not only text)."""
    own = sum(len(view[name]) for name in PARTS if name not in SHARED_PARTS)
    variants = sum(cache.weigh(pieces) + cache.PIECE_OVERHEAD * len(pieces) for pieces in view["variants"].values())
    return cache.VIEW_OVERHEAD + own + variants


def _markup_view(view: dict) -> dict:
    """The view as the templates take it: its parts as Markup (a compact view keeps them as bytes)."""
    if not any(isinstance(view.get(name), bytes) for name in PARTS):
        return view
    return {**view, **{name: Markup(view[name].decode()) for name in PARTS}}


def report_link(code: str) -> str:
    return url_for("traceability.report", code=code)


def lang_link(lang: str) -> str:
    """The scanned URL (as scanned: a %2F in a lot stays encoded) asking for another language."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return request_raw_path() + "?" + urlencode([*args, ("lang", lang)])


def render_light(template: str, **context) -> str:
    """Render without the app's context processors (cart count, signed-in user, order labels).

    The origin page shows none of them; skipping them keeps a scan from loading the user.
    """
    context.setdefault("url_for_lang", url_for_lang)
    if context.get("view") is not None:
        context["view"] = _markup_view(context["view"])
    stamp = context.get("stamp")
    # A page variant puts a slot in scan_count (a string) and says itself whether it is the first scan.
    context.setdefault("first_scan", stamp is not None and stamp.scan_count <= 1)
    context.setdefault("scan_count", stamp.scan_count if stamp is not None else 0)
    context["current_locale"] = str(get_locale())
    return current_app.jinja_env.get_template(template).render(context)


def origin_view(batch_id: int, in_programme: bool, origin_version: int | None = None) -> dict:
    """Return the batch's rendered description, from the origin cache or built now (a few queries).

    origin_version: as the scan's look-up read it; a cached description built under another is
    built again (cache.py). None (a page without that look-up) takes the cached one.
    """
    today, locale = today_vn(), str(get_locale())
    key = origin_cache_key(batch_id, locale, today, in_programme)
    view = cache.get(key)
    if view is None or (origin_version is not None and view["origin_version"] != origin_version):
        view = compact_view(description.build(description.load(batch_id), in_programme, today, locale))
        view["origin_version"] = origin_version
        view["cache_key"] = key  # its variants, stored later, are counted against the budget (_render_variant)
        cache.put(key, view, current_app.config.get("ORIGIN_CACHE_SECONDS", 600), weight=view_weight(view))
    return view


def is_current(view: dict | None, hit: facts.OriginHit) -> bool:
    """Whether a cached description may serve this scan (built under the version its look-up read)."""
    return view is not None and view["origin_version"] == hit.origin_version


def origin_cache_key(batch_id: int, locale: str, today, in_programme: bool) -> tuple:
    """The origin cache's key of a batch's rendered description (the fast path reads the same entries)."""
    return batch_id, locale, today, in_programme

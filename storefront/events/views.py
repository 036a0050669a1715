"""Public pages of fairs and events: upcoming and past, one event, iCalendar; the globals other pages use."""

import re

from flask import Response, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from storefront import site_search
from storefront.events import bp, services
from storefront.events.calendar import calendar_bytes
from storefront.events.forms import level_name
from storefront.events.jsonld import event_jsonld

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,159}$")

bp.add_app_template_global(level_name, "event_level_name")
bp.add_app_template_global(services.event_address)
bp.add_app_template_global(services.is_past, "event_is_past")
bp.add_app_template_global(services.upcoming_events_of_product, "product_events")
bp.add_app_template_global(services.events_of_producer, "producer_events")


bp.record_once(
    lambda state: site_search.register(
        state.app,
        key="events",
        title=_l("Hội chợ, sự kiện"),
        template="events/_search.html",
        find=lambda query: services.search_events(query, limit=5),
    )
)


@bp.app_template_global()
def event_sitemap_entries() -> list:
    """Every event, for the sitemap (catalog's template asks when this package is installed)."""
    return services.all_events()


def _ics(events, *, name: str, filename: str) -> Response:
    body = calendar_bytes(
        events,
        name=name,
        url_for_event=lambda e: url_for("events.event", slug=e.slug, _external=True),
        address_of=services.event_address,
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/events")
def index():
    return render_template(
        "events/index.html",
        upcoming=services.upcoming_events(),
        past=services.past_events(),
    )


@bp.route("/events/<slug>")
def event(slug):
    item = services.public_event(slug) if SLUG_RE.match(slug) else None
    if item is None:
        abort(404)
    products = [p for p in item.products if p.is_published and not p.is_hidden and p.producer.is_approved]
    producers = [p for p in item.producers if p.is_approved]
    return render_template(
        "events/event.html",
        event=item,
        products=products,
        producers=producers,
        is_past=services.is_past(item),
        jsonld=event_jsonld(item),
    )


@bp.route("/events/<slug>.ics")
def event_ics(slug):
    item = services.public_event(slug) if SLUG_RE.match(slug) else None
    if item is None:
        abort(404)
    return _ics([item], name=item.name, filename=f"{item.slug}.ics")


@bp.route("/events.ics")
def calendar_ics():
    events = services.upcoming_events() + services.past_events()
    return _ics(events, name=_("Hội chợ, sự kiện OCOP Thái Nguyên"), filename="ocop-events.ics")

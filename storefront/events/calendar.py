"""iCalendar (RFC 5545) export of fairs, through the `icalendar` library: one event or the whole calendar."""

from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from storefront.events.models import Event

if TYPE_CHECKING:
    import icalendar

PRODID = "-//OCOP Market//Hoi cho OCOP Thai Nguyen//VI"


def calendar_bytes(events, *, name: str, url_for_event, address_of) -> bytes:
    """Return a VCALENDAR with one all-day VEVENT per event, as bytes (CRLF lines, folded at 75 octets)."""
    import icalendar  # on first use: a web worker rarely needs it

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for event in events:
        calendar.add_component(_vevent(event, url_for_event(event), address_of(event)))
    return calendar.to_ical()


def _vevent(event: Event, url: str, address: str) -> "icalendar.Event":
    import icalendar

    vevent = icalendar.Event()
    # A stable UID per event (its slug never changes), so a subscribed calendar updates it in place.
    vevent.add("uid", f"{event.slug}@{urlsplit(url).hostname or 'ocop'}")
    vevent.add("dtstamp", event.updated_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("summary", event.name)
    # All-day dates: DTEND is exclusive (RFC 5545 3.6.1), so the day after the last day.
    vevent.add("dtstart", event.starts_on)
    vevent.add("dtend", event.ends_on + timedelta(days=1))
    vevent.add("location", address)
    if event.has_position:
        vevent.add("geo", (event.latitude, event.longitude))
    vevent.add("url", url)
    description = event.description.strip()
    vevent.add("description", f"{description}\n\n{url}" if description else url)
    vevent.add("transp", "TRANSPARENT")
    return vevent

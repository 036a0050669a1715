"""schema.org Event JSON-LD of a fair: dates, place, organiser level, the products shown there."""

from storefront.addresses import province_full_name, ward_name
from storefront.catalog.urls import public_url
from storefront.events.models import Event


def event_jsonld(event: Event) -> dict:
    """Return schema.org Event (an exhibition or fair held in person) for an event page."""
    url = public_url("events.event", slug=event.slug)
    place = {
        "@type": "Place",
        "name": event.venue or ward_name(event.ward_code),
        "address": {
            "@type": "PostalAddress",
            "streetAddress": event.street,
            "addressLocality": ward_name(event.ward_code),
            "addressRegion": province_full_name(event.province_code),
            "addressCountry": "VN",
        },
    }
    if event.has_position:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": event.latitude, "longitude": event.longitude}
    data = {
        "@context": "https://schema.org",
        "@type": ["Event", "ExhibitionEvent"],
        "@id": url,
        "name": event.name,
        "url": url,
        "startDate": event.starts_on.isoformat(),
        "endDate": event.ends_on.isoformat(),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": place,
    }
    if event.description:
        data["description"] = event.description[:500]
    products = [p for p in event.products if p.is_published and not p.is_hidden]
    if products:
        data["workFeatured"] = [
            {"@type": "Product", "name": p.name_vi, "url": public_url("catalog.product", slug=p.slug)} for p in products
        ]
    return data

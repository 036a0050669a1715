"""schema.org JSON-LD of a point of sale: Store (a LocalBusiness) with address, position, hours, phone."""

from storefront.addresses import province_full_name, ward_name
from storefront.catalog.urls import public_url
from storefront.outlets.models import Outlet, OutletKind

#: The provincial centre and showrooms exhibit as well as sell; all are schema.org Stores.
SCHEMA_TYPES = {OutletKind.SUPERMARKET: "GroceryStore", OutletKind.CONVENIENCE_STORE: "ConvenienceStore"}


def outlet_jsonld(outlet: Outlet) -> dict:
    """Return schema.org Store/LocalBusiness for an outlet page, listing the products it stocks."""
    url = public_url("outlets.outlet", slug=outlet.slug)
    data = {
        "@context": "https://schema.org",
        "@type": ["Store", SCHEMA_TYPES[outlet.kind]] if outlet.kind in SCHEMA_TYPES else "Store",
        "@id": url,
        "name": outlet.name,
        "url": url,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": outlet.street,
            "addressLocality": ward_name(outlet.ward_code),
            "addressRegion": province_full_name(outlet.province_code),
            "addressCountry": "VN",
        },
    }
    if outlet.has_position:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": outlet.latitude, "longitude": outlet.longitude}
    if outlet.phone:
        data["telephone"] = outlet.phone
    if outlet.opening_hours:
        # Free text as the shop states it; schema.org's openingHours wants "Mo-Su 07:30-21:00", so it goes
        # in the description rather than a field a parser would misread.
        data["description"] = f"Giờ mở cửa: {outlet.opening_hours}"
    products = [p for p in outlet.products if p.is_published and not p.is_hidden]
    if products:
        data["makesOffer"] = [
            {
                "@type": "Offer",
                "itemOffered": {
                    "@type": "Product",
                    "name": p.name_vi,
                    "url": public_url("catalog.product", slug=p.slug),
                },
            }
            for p in products
        ]
    return data

"""schema.org TouristTrip for an experience's page: where it starts, how long, and an Offer per guest type."""

from flask import url_for

from storefront.experiences.mail import meeting_place


def experience_jsonld(experience, sessions_left: int | None = None) -> dict:
    product = experience.product
    url = url_for("catalog.product", slug=product.slug, _external=True)
    place = {
        "@type": "Place",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": meeting_place(experience),
            "addressRegion": "Thái Nguyên",
            "addressCountry": "VN",
        },
    }
    if experience.latitude is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": experience.latitude, "longitude": experience.longitude}
    hours, minutes = divmod(experience.duration_minutes, 60)
    offer = {"@type": "Offer", "priceCurrency": "VND", "url": url, "availability": "https://schema.org/InStock"}
    offers = [{**offer, "name": "Người lớn / Adult", "price": experience.adult_price_vnd}]
    offers.append({**offer, "name": "Trẻ em / Child", "price": experience.child_price_vnd})
    if sessions_left == 0:
        for item in offers:
            item["availability"] = "https://schema.org/SoldOut"
    return {
        "@context": "https://schema.org",
        "@type": "TouristTrip",
        "name": product.name_vi,
        "description": product.description_vi[:500],
        "url": url,
        "touristType": "Du lịch cộng đồng",
        "provider": {"@type": "Organization", "name": product.producer.name},
        "itinerary": {"@type": "ItemList", "itemListElement": [{"@type": "ListItem", "position": 1, "item": place}]},
        "availableLanguage": experience.language_codes,
        "duration": f"PT{hours}H{minutes}M" if minutes else f"PT{hours}H",
        "offers": offers,
    }

"""schema.org JSON-LD of catalogue records: a product page's Product + Offer, an OCOP certificate."""

from flask import current_app

from storefront.catalog.groups import group_name
from storefront.catalog.urls import public_url
from storefront.clock import VIETNAM_TZ


def product_jsonld(product, certificate) -> dict:
    """Return schema.org Product + Offer (+ the OCOP certificate while it is valid) for a product page."""
    url = public_url("catalog.product", slug=product.slug)
    stock = product.stock
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": url,
        "name": product.name_vi,
        "description": product.description_vi or product.name_vi,
        "url": url,
        "category": group_name(product.ocop_group),
        "brand": {"@type": "Brand", "name": product.producer.name},
        "manufacturer": {
            "@type": "Organization",
            "name": product.producer.name,
            "url": public_url("catalog.producer", slug=product.producer.slug),
        },
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": product.price_vnd,
            "priceCurrency": "VND",
            "availability": "https://schema.org/InStock"
            if stock and stock.available > 0
            else "https://schema.org/OutOfStock",
            "itemCondition": "https://schema.org/NewCondition",
            "seller": {"@type": "Organization", "name": current_app.config.get("SHOP_LEGAL_NAME", "")},
        },
    }
    if product.images:
        data["image"] = [
            public_url("catalog.image", filename=img.filename, size="large", fmt="jpg") for img in product.images
        ]
    if product.gtin:
        data["gtin14"] = product.gtin
    if certificate:
        data["hasCertification"] = certification_jsonld(certificate)
    return data


def certification_jsonld(certificate) -> dict:
    """schema.org Certification of a valid OCOP certificate (product pages, origin pages)."""
    data = {
        "@type": "Certification",
        "name": "OCOP",
        "issuedBy": {"@type": "Organization", "name": certificate.issuing_body},
        "certificationIdentification": certificate.decision_number,
        "certificationRating": {"@type": "Rating", "ratingValue": certificate.stars, "bestRating": 5, "worstRating": 1},
        "validFrom": certificate.decision_date.isoformat(),
        "expires": certificate.valid_until.isoformat(),
        "certificationStatus": "https://schema.org/CertificationActive",
    }
    if not certificate.decision_day_known:
        # Only the year is known: no invented number or day; the expiry day is unknown too.
        del data["certificationIdentification"], data["expires"]
        data["validFrom"] = str(certificate.decision_date.year)
    return data


def rating_jsonld(count: int, average: float, reviews) -> dict:
    """Return schema.org aggregateRating and review of a product from its *visible* reviews only.

    Callers pass only reviews the page shows (never hidden ones), so the markup matches the page,
    as search engines require of review snippets. No reviews: nothing (no zero rating).
    """
    if not count:
        return {}
    return {
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": average,
            "reviewCount": count,
            "bestRating": 5,
            "worstRating": 1,
        },
        "review": [
            {
                "@type": "Review",
                "reviewRating": {"@type": "Rating", "ratingValue": review.stars, "bestRating": 5, "worstRating": 1},
                "author": {"@type": "Person", "name": review.author_name or "Khách hàng"},
                "datePublished": review.created_at.astimezone(VIETNAM_TZ).date().isoformat(),
                **({"reviewBody": review.body} if review.body else {}),
            }
            for review in reviews
            if not review.is_hidden
        ],
    }

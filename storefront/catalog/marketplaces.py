"""A product's listings on other marketplaces (Postmart, Shopee, Tiki, Lazada) or its producer's own site:
the accepted sites, URL checks (also of a producer's website), add/remove services, and the API route."""

from urllib.parse import urlsplit, urlunsplit

from flask import abort, jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.catalog import bp
from storefront.catalog.models import Marketplace, Product, ProductListing
from storefront.catalog.openapi import add_paths, error_response
from storefront.catalog.services import visible_products_query
from storefront.catalog.urls import public_url
from storefront.errors import DomainError
from storefront.extensions import db

#: Marketplace → (shown name, the domains its product pages live on; None = any site, the producer's own).
MARKETPLACES = {
    Marketplace.POSTMART: ("Postmart", ("postmart.vn",)),
    Marketplace.SHOPEE: ("Shopee", ("shopee.vn",)),
    Marketplace.TIKI: ("Tiki", ("tiki.vn",)),
    Marketplace.LAZADA: ("Lazada", ("lazada.vn",)),
    Marketplace.OWN_SITE: (_l("Website của cơ sở"), None),
}
#: A product page, not a link farm.
MAX_LISTINGS = 8
MAX_URL = 500


class ListingRejected(DomainError):
    """The link cannot be listed; `message` says why, for the producer."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@bp.app_template_global()
def marketplace_name(marketplace: Marketplace) -> str:
    return str(MARKETPLACES[marketplace][0])


def checked_url(marketplace: Marketplace, raw: str) -> str:
    """Return the listing URL tidied (scheme and host lower case, no fragment), or raise ListingRejected."""
    raw = (raw or "").strip()
    if not raw or len(raw) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in raw):
        raise ListingRejected(_l("Nhập một địa chỉ web đầy đủ (bắt đầu bằng https://), tối đa 500 ký tự."))
    try:
        parts = urlsplit(raw)
        port = parts.port  # raises ValueError for "shopee.vn:abc" or a port past 65535
    except ValueError as error:
        raise ListingRejected(_l("Nhập một địa chỉ web đầy đủ (bắt đầu bằng https://), tối đa 500 ký tự.")) from error
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme.lower() not in ("https", "http") or not host or "." not in host:
        raise ListingRejected(_l("Nhập một địa chỉ web đầy đủ (bắt đầu bằng https://), tối đa 500 ký tự."))
    if parts.username or parts.password:
        raise ListingRejected(_l("Địa chỉ không được chứa tên đăng nhập hay mật khẩu."))
    domains = MARKETPLACES[marketplace][1]
    if domains is not None:
        if parts.scheme.lower() != "https":
            raise ListingRejected(_l("Liên kết tới sàn phải bắt đầu bằng https://."))
        if not any(host == domain or host.endswith("." + domain) for domain in domains):
            raise ListingRejected(
                _l(
                    "Liên kết không thuộc %(name)s (%(domains)s).",
                    name=marketplace_name(marketplace),
                    domains=", ".join(domains),
                )
            )
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def checked_website(raw: str) -> str:
    """Return a producer's own website tidied, "" for none, or raise ListingRejected: https only, no credentials."""
    if not (raw or "").strip():
        return ""
    url = checked_url(Marketplace.OWN_SITE, raw)
    if not url.startswith("https://"):
        raise ListingRejected(_l("Website phải bắt đầu bằng https://."))
    return url


def add_listing(product: Product, *, marketplace: str, url: str) -> ProductListing:
    """List a product's page elsewhere; flush.

    :raises ListingRejected: unknown marketplace, a URL off its domain, a duplicate, or too many.
    """
    try:
        kind = Marketplace(marketplace)
    except ValueError as error:
        raise ListingRejected(_l("Chọn một sàn trong danh sách.")) from error
    url = checked_url(kind, url)
    if any(listing.url == url for listing in product.listings):
        raise ListingRejected(_l("Sản phẩm đã có liên kết này."))
    if len(product.listings) >= MAX_LISTINGS:
        raise ListingRejected(_l("Mỗi sản phẩm có tối đa %(n)s liên kết.", n=MAX_LISTINGS))
    listing = ProductListing(marketplace=kind, url=url)
    product.listings.append(listing)
    db.session.flush()
    return listing


def remove_listing(listing: ProductListing) -> None:
    listing.product.listings.remove(listing)
    db.session.flush()


def listing_json(listing: ProductListing) -> dict:
    return {"marketplace": listing.marketplace.value, "name": marketplace_name(listing.marketplace), "url": listing.url}


@bp.route("/api/v1/products/<slug>/listings")
def api_product_listings(slug):
    """The product's listings on other marketplaces, for the API (JSON; 404 for an unknown or hidden product)."""
    product = db.session.scalar(visible_products_query().where(Product.slug == slug)) if len(slug) <= 160 else None
    if product is None:
        abort(404)
    listings = db.session.scalars(
        select(ProductListing).where(ProductListing.product_id == product.id).order_by(ProductListing.id)
    )
    return jsonify(
        product=product.slug,
        url=public_url("catalog.product", slug=product.slug),
        listings=[listing_json(listing) for listing in listings],
    )


add_paths(
    {
        "/api/v1/products/{slug}/listings": {
            "get": {
                "summary": "A product's listings on other marketplaces and the producer's own site",
                "description": (
                    "Postmart, Shopee, Tiki, Lazada or the producer's website, as the producer entered them "
                    "(https on the marketplace's own domain). 404 for an unknown, unpublished or hidden product."
                ),
                "parameters": [
                    {
                        "name": "slug",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 160},
                        "description": "The product's slug, as in its page URL /products/<slug>.",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The product's page and its listings elsewhere, in the order entered.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["product", "url", "listings"],
                                    "properties": {
                                        "product": {"type": "string"},
                                        "url": {"type": "string", "format": "uri"},
                                        "listings": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "required": ["marketplace", "name", "url"],
                                                "properties": {
                                                    "marketplace": {
                                                        "type": "string",
                                                        "enum": [m.value for m in Marketplace],
                                                    },
                                                    "name": {"type": "string"},
                                                    "url": {"type": "string", "format": "uri"},
                                                },
                                            },
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "404": error_response("No visible product has this slug."),
                },
            }
        }
    }
)

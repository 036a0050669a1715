"""For search engines and other marketplaces: sitemap, robots.txt, merchant feeds (RSS, CSV)."""

import csv
import io

from flask import Response, render_template

from storefront.catalog import bp
from storefront.catalog.certificates import valid_certificate
from storefront.catalog.services import feed_products, sitemap_entries
from storefront.catalog.urls import public_url
from storefront.clock import today_vn
from storefront.text import spreadsheet_cell

FEED_FIELDS = (
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "price",
    "availability",
    "brand",
    "gtin",
    "condition",
    "ocop_stars",
    "marketplace_links",
)
#: Merchant feeds cap descriptions at 5,000 characters.
MAX_DESCRIPTION = 5000


def feed_rows() -> list[dict]:
    """Return one merchant-feed row per visible product."""
    today = today_vn()
    rows = []
    for product in feed_products():
        certificate = valid_certificate(product, today)
        stock = product.stock
        rows.append(
            {
                "id": str(product.id),
                "title": product.name_vi,
                "description": (product.description_vi or product.name_vi)[:MAX_DESCRIPTION],
                "link": public_url("catalog.product", slug=product.slug),
                "image_link": public_url("catalog.image", filename=product.images[0].filename, size="large", fmt="jpg")
                if product.images
                else "",
                "price": f"{product.price_vnd} VND",
                "availability": "in_stock" if stock and stock.available > 0 else "out_of_stock",
                "brand": product.producer.name,
                "gtin": product.gtin or "",
                "condition": "new",
                "ocop_stars": str(certificate.stars) if certificate else "",
                # The product's pages on other marketplaces and its producer's site, space-separated.
                "marketplace_links": " ".join(listing.url for listing in product.listings),
            }
        )
    return rows


@bp.route("/feeds/products.xml")
def feed_xml():
    body = render_template("catalog/feed.xml", rows=feed_rows())
    return Response(body, mimetype="application/rss+xml")


@bp.route("/feeds/products.csv")
def feed_csv():
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FEED_FIELDS)
    writer.writeheader()
    # Titles, descriptions and brands are producers' text: none may open as a formula in a spreadsheet.
    writer.writerows({key: spreadsheet_cell(value) for key, value in row.items()} for row in feed_rows())
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": "inline; filename=products.csv"}
    )


@bp.route("/sitemap.xml")
def sitemap():
    products, producers = sitemap_entries()
    return Response(
        render_template("catalog/sitemap.xml", products=products, producers=producers), mimetype="application/xml"
    )


@bp.route("/robots.txt")
def robots():
    # The cart and checkout pages stay crawlable: they are empty for a crawler (no session), hold no
    # personal data, and a page a shopper lands on should not be one search engines are told to skip.
    lines = [
        "User-agent: *",
        "Disallow: /account/",
        "Disallow: /producer/",
        "Disallow: /office/",
        "Disallow: /search/",
        f"Sitemap: {public_url('catalog.sitemap')}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")

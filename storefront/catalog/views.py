"""Catalogue pages: product list and search, product, producer, photos, type-ahead."""

import re

import nh3
from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup

from storefront.addresses import format_address
from storefront.catalog import bp, search
from storefront.catalog.certificates import lapsed_certificate, latest_certificate, valid_certificate
from storefront.catalog.forms import parse_catalog_args
from storefront.catalog.groups import GROUPS, GROUPS_WITH_CONSUMER_INFO, group_name
from storefront.catalog.images import (
    FILENAME_RE,
    FORMATS,
    SIZES,
    derivative_box,
    derivative_name,
    media_present,
    srcset_sizes,
)
from storefront.catalog.indexing import listing_cache, search_index
from storefront.catalog.jsonld import product_jsonld
from storefront.catalog.models import LegalType
from storefront.catalog.page_cache import cached_page
from storefront.catalog.services import (
    batches_on_sale,
    filter_choices,
    home_sections,
    list_products,
    producer_for_page,
    producer_products,
    product_for_page,
    suggestions,
)
from storefront.catalog.slugs import redirect_target
from storefront.catalog.urls import image_url, public_url
from storefront.clock import today_vn
from storefront.filters import url_with_query
from storefront.storage import storage

PER_PAGE = 24
#: Slugs are ASCII-folded (text.slugify); anything else cannot match, and PostgreSQL refuses NUL bytes.
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,159}$")
LEGAL_TYPES = {
    LegalType.COOPERATIVE: _l("Hợp tác xã"),
    LegalType.COOP_GROUP: _l("Tổ hợp tác"),
    LegalType.ENTERPRISE: _l("Doanh nghiệp nhỏ và vừa"),
    LegalType.HOUSEHOLD: _l("Hộ kinh doanh"),
}
#: Photos have random (or seed-fixed) names, so they never change under a URL.
IMAGE_MAX_AGE = 365 * 24 * 3600
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


@bp.app_template_filter("markdown")
def render_markdown(text: str) -> Markup:
    """Render Markdown without raw HTML, then keep only safe tags and attributes."""
    return Markup(nh3.clean(_markdown.render(text or ""), link_rel="nofollow noopener"))


@bp.app_template_filter("markdown_summary")
def markdown_summary(text: str) -> str:
    """The plain text of a Markdown text's paragraphs, for a card: headings left out (the card has
    its own title), lists and quotes too, and paragraphs kept apart by a space rather than run
    together as tags stripped would."""
    paragraphs, inside = [], False
    for token in _markdown.parse(text or ""):
        if token.type == "paragraph_open":
            inside = token.level == 0  # not a list item's or a quote's
        elif token.type == "paragraph_close":
            inside = False
        elif inside and token.type == "inline":
            words = (
                child.content if child.type in ("text", "code_inline") else " "
                for child in token.children or ()
                if child.type in ("text", "code_inline", "softbreak", "hardbreak")
            )
            paragraphs.append(" ".join("".join(words).split()))
    return " ".join(p for p in paragraphs if p)


bp.add_app_template_global(public_url)
bp.add_app_template_global(image_url)


@bp.app_template_global("lapsed_certificate")
def lapsed_certificate_global(product):
    """The lapsed certificate a product card states ("đã hết hạn ngày …"), or None."""
    return lapsed_certificate(product)


@bp.app_template_global()
def image_srcset(filename: str, width: int, fmt: str, up_to: str = "large") -> str:
    """Return a srcset of a photo's distinct derivatives up to size `up_to`, each at its real width."""
    limit = SIZES[up_to]
    base = f"{request.script_root}/media/{filename}?size="
    return ", ".join(f"{base}{name}&fmt={fmt} {w}w" for name, w in srcset_sizes(width) if SIZES[name] <= limit)


@bp.app_template_global()
def image_alt(img, fallback: str = "") -> tuple[str, str]:
    """Return (alt text, "vi" when an English page falls back to the Vietnamese text, else "")."""
    locale = str(get_locale())
    if locale == "en" and img.alt_en:
        return img.alt_en, ""
    text = img.alt or fallback
    return text, "vi" if locale == "en" and text else ""


@bp.app_template_global()
def image_box(width: int, height: int, size: str) -> tuple[int, int]:
    """Return (width, height) of one derivative, for the img tag's layout-reserving attributes."""
    return derivative_box(width, height, size)


#: Query parameters that change what a catalogue page lists (canonical URLs keep only these).
CANONICAL_ARGS = ("group", "stars", "ward", "district", "page")


@bp.app_context_processor
def catalog_globals():
    return {"ocop_groups": GROUPS, "group_name": group_name}


@bp.route("/products")
@cached_page
def products():
    choices = filter_choices()
    args = parse_catalog_args(request.args, districts=choices["districts"], per_page=PER_PAGE)
    if args.page < 1:
        abort(404)
    listing = list_products(
        args.filters, page=args.page, per_page=args.per_page, idx=search_index(), day=today_vn(), cache=listing_cache()
    )
    if args.page > max(listing.pages, 1):
        abort(404)
    canonical_args = {
        key: request.args[key] for key in CANONICAL_ARGS if request.args.get(key) and key not in args.ignored
    }
    empty = {}
    if not listing.total:  # an honest empty state: popular groups and a few certified products
        home = home_sections(cache=listing_cache())
        empty = {
            "popular_groups": sorted(
                ((code, n) for code, n in home["group_counts"].items() if n), key=lambda item: -item[1]
            )[:6],
            "suggestions": home["featured"][:4],
            "suggestion_badges": home["badges"],
        }
    return render_template(
        "catalog/products.html",
        listing=listing,
        args=args,
        filters=args.filters,
        choices=choices,
        canonical_args=canonical_args,
        **empty,
    )


@bp.route("/products/<slug>")
@cached_page
def product(slug):
    if not SLUG_RE.match(slug):
        abort(404)
    item = product_for_page(slug)
    if item is None:
        return _redirect_or_404("product", slug)
    today = today_vn()
    badge = valid_certificate(item, today)
    producer = item.producer
    return render_template(
        "catalog/product.html",
        product=item,
        badge=badge,
        latest=latest_certificate(item),
        today=today,
        batches=batches_on_sale(item),
        consumer_info=item.ocop_group in GROUPS_WITH_CONSUMER_INFO,
        address=format_address(producer.street, producer.ward_code, producer.province_code),
        jsonld=product_jsonld(item, badge),
    )


@bp.route("/producers/<slug>")
@cached_page
def producer(slug):
    if not SLUG_RE.match(slug):
        abort(404)
    item = producer_for_page(slug)
    if item is None:
        return _redirect_or_404("producer", slug)
    items = producer_products(item)
    today = today_vn()
    return render_template(
        "catalog/producer.html",
        producer=item,
        products=items,
        badges={p.id: valid_certificate(p, today) for p in items},
        address=format_address(item.street, item.ward_code, item.province_code),
        legal_type_label=LEGAL_TYPES[item.legal_type],
    )


def _redirect_or_404(kind: str, slug: str):
    target = redirect_target(kind, slug)
    if target is None:
        abort(404)
    return redirect(url_with_query(f"catalog.{kind}", {"slug": target}, request.args.items(multi=True)), 301)


@bp.route("/media/<path:filename>")
def image(filename):
    size = request.args.get("size", "orig")
    fmt = request.args.get("fmt", "jpg")
    if not FILENAME_RE.match(filename) or (size not in SIZES and size != "orig") or fmt not in FORMATS:
        abort(404)
    store = storage("media")
    name = filename if size == "orig" else derivative_name(filename, size, fmt)
    if not media_present(store, name, filename):
        if name != filename and media_present(store, filename, filename):
            # Its derivatives are still being made by a job: the original meanwhile, never cached.
            response = redirect(url_for("catalog.image", filename=filename), 302)
            response.cache_control.no_store = True
            return response
        abort(404)
    direct = store.url(name)
    if direct is None:
        return store.send(name, max_age=IMAGE_MAX_AGE)
    # Object storage: the bucket (or the CDN before it) answers; the redirect is cached as long.
    response = redirect(direct, 302)
    response.cache_control.public = True
    response.cache_control.max_age = IMAGE_MAX_AGE
    return response


@bp.route("/search/suggest")
def suggest():
    query = (request.args.get("q") or "")[: search.MAX_QUERY_CHARS]
    found = suggestions(search.suggest(search_index(), query, limit=8))
    return jsonify(
        query=query,
        suggestions=[{"name": p.name_vi, "url": url_for("catalog.product", slug=p.slug)} for p in found],
    )

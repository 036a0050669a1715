"""Public pages of news and stories: the list (paged, by tag), one article, the Atom feed; the parts other pages show."""

import re

from flask import Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from storefront import site_search
from storefront.addresses import THAI_NGUYEN, ward_in_province, ward_name
from storefront.articles import bp, queries, services
from storefront.articles.forms import STATUS_NAMES
from storefront.articles.jsonld import article_jsonld
from storefront.clock import VIETNAM_TZ
from storefront.columns import utcnow
from storefront.request_input import request_page

PER_PAGE = 10
FEED_ENTRIES = 20
SITEMAP_ENTRIES = 1000
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,159}$")

bp.add_app_template_global(queries.articles_about_product, "product_articles")
bp.add_app_template_global(queries.articles_about_producer, "producer_articles")
bp.add_app_template_global(lambda: queries.latest(limit=SITEMAP_ENTRIES), "sitemap_articles")
bp.add_app_template_global(lambda status: STATUS_NAMES[status], "article_status_name")
bp.add_app_template_global(services.shown_status, "article_shown_status")


@bp.app_template_filter()
def article_time(moment) -> str:
    """'07/12/2026 08:00': a moment in Vietnam time (Asia/Ho_Chi_Minh), as the office schedules it."""
    return moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")


@bp.app_template_global()
def article_text(article, name: str) -> tuple[str, str]:
    """Return (text, "vi" when an English page shows the Vietnamese for want of English, else "")."""
    vietnamese = getattr(article, name)
    if str(get_locale()) != "en":
        return vietnamese, ""
    english = getattr(article, f"{name}_en")
    return (english, "") if english else (vietnamese, "vi" if vietnamese else "")


bp.record_once(
    lambda state: site_search.register(
        state.app,
        key="articles",
        title=_l("Bài viết"),
        template="articles/_search.html",
        find=lambda query: queries.search(query, limit=5),
    )
)


def _tag() -> tuple[queries.Tag, object]:
    """Read ?product=, ?producer= or ?ward= (one of them); an unknown value is a 404."""
    product, producer, ward = (request.args.get(name, "") for name in ("product", "producer", "ward"))
    if product:
        item = queries.tag_product(product) if SLUG_RE.match(product) else None
        if item is None:
            abort(404)
        return queries.Tag(product=item), item.name_vi
    if producer:
        item = queries.tag_producer(producer) if SLUG_RE.match(producer) else None
        if item is None:
            abort(404)
        return queries.Tag(producer=item), item.name
    if ward:
        code = int(ward) if ward.isascii() and ward.isdigit() and len(ward) <= 6 else None
        if code is None or not ward_in_province(code, THAI_NGUYEN):
            abort(404)
        return queries.Tag(ward_code=code), ward_name(code)
    return queries.Tag(), None


@bp.route("/news")
def index():
    tag, tag_name = _tag()
    pagination = queries.public_page(page=request_page(), per_page=PER_PAGE, tag=tag)
    if pagination.page > max(pagination.pages, 1):
        abort(404)
    return render_template("articles/index.html", pagination=pagination, tag_name=tag_name)


@bp.route("/news/<slug>")
def article(slug):
    item = queries.public_article(slug) if SLUG_RE.match(slug) else None
    if item is None:
        abort(404)
    products = [p for p in item.products if p.is_published and not p.is_hidden and p.producer.is_approved]
    producers = [p for p in item.producers if p.is_approved]
    return render_template(
        "articles/article.html",
        article=item,
        products=products,
        producers=producers,
        wards=[(code, ward_name(code)) for code in item.ward_codes],
        jsonld=article_jsonld(item, products=products, producers=producers),
    )


@bp.route("/news/feed.atom")
def feed():
    items = queries.latest(limit=FEED_ENTRIES)
    updated = max((max(a.updated_at, a.publish_at) for a in items), default=utcnow())
    body = render_template("articles/feed.xml", articles=items, updated=updated)
    return Response(body, mimetype="application/atom+xml")

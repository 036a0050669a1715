"""What shoppers see of the catalogue: visible products and producers, the home page, filtered listings, feeds."""

from array import array
from dataclasses import astuple, dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import configure_mappers, selectinload

from storefront.addresses import vietnamese_order, ward_name
from storefront.catalog import search
from storefront.catalog.certificates import valid_certificate
from storefront.catalog.models import Certificate, Producer, ProducerStatus, Product
from storefront.clock import today_vn
from storefront.extensions import db
from storefront.inventory.models import Stock


def visible_products_query():
    """Return a select of products a shopper may see: published, not hidden, producer approved."""
    return (
        select(Product)
        .join(Product.producer)
        .where(
            Product.is_published.is_(True),
            Product.is_hidden.is_(False),
            Producer.status == ProducerStatus.APPROVED,
        )
    )


def is_visible(product: Product) -> bool:
    """Say whether a loaded product (with its producer) passes visible_products_query's conditions."""
    return product.is_published and not product.is_hidden and product.producer.status is ProducerStatus.APPROVED


def home_sections(cache=None) -> dict:
    """Return the home page's featured certified products (most stars first), groups and stories."""
    today = today_vn()
    key = ("home", today)
    cached = cache.get(key) if cache is not None else None
    if cached is None:
        valid = valid_stars_subquery(today)
        featured_ids = list(
            db.session.scalars(
                visible_products_query()
                .with_only_columns(Product.id)
                .join(valid, valid.c.product_id == Product.id)
                .order_by(valid.c.stars.desc(), Product.id)
                .limit(8)
            )
        )
        cached = (featured_ids, _group_counts())
        if cache is not None:
            cache.set(key, cached)
    featured_ids, group_counts = cached
    featured = products_by_id(featured_ids)
    producers = db.session.scalars(
        visible_producer_query()
        .where(Producer.story_md != "", Producer.is_story_hidden.is_(False))
        .order_by(Producer.id)
        .limit(3)
    ).all()
    badges = {p.id: valid_certificate(p, today) for p in featured}
    return {"featured": featured, "badges": badges, "producers": producers, "group_counts": group_counts}


def _group_counts() -> dict[int, int]:
    visible = visible_products_query().with_only_columns(Product.ocop_group).subquery()
    return dict(db.session.execute(select(visible.c.ocop_group, func.count()).group_by(visible.c.ocop_group)).all())


@dataclass
class CatalogFilters:
    """What a shopper narrowed the catalogue to; every field optional."""

    q: str = ""
    group: int | None = None
    min_stars: int | None = None
    ward_code: int | None = None
    district: str = ""
    price_min: int | None = None
    price_max: int | None = None
    in_stock: bool = False
    sort: str = "relevance"

    def search_filters(self) -> dict:
        """Return these filters in the shape search.search_products takes."""
        found = {
            "group": self.group,
            "min_stars": self.min_stars,
            "ward_code": self.ward_code,
            "district": self.district,
            "in_stock": self.in_stock,
            "price_min": self.price_min,
            "price_max": self.price_max,
        }
        return {key: value for key, value in found.items() if value not in (None, "", False)}


SORTS = ("relevance", "newest", "price_asc", "price_desc", "stars")


def valid_stars_subquery(day: date):
    """Return a subquery (product_id, stars): the best stars of the certificates valid on a day."""
    return (
        select(Certificate.product_id, func.max(Certificate.stars).label("stars"))
        .where(
            Certificate.is_revoked.is_(False),
            Certificate.stars >= 3,
            Certificate.decision_date <= day,
            Certificate.valid_until >= day,
        )
        .group_by(Certificate.product_id)
        .subquery("valid_stars")
    )


def listing_options():
    """Return the loader options a product card needs, each one query whatever the page size."""
    return (
        selectinload(Product.certificates),
        selectinload(Product.images),
        selectinload(Product.producer),
        selectinload(Product.stock),
    )


def catalog_ids_query(filters: CatalogFilters, *, day: date, ids=None):
    """Return a select of the ids of visible products narrowed by `filters`, in the chosen order."""
    query, stars = _narrowed(visible_products_query().with_only_columns(Product.id), filters, day=day, ids=ids)
    order = {
        "newest": (Product.published_at.desc().nulls_last(), Product.id.desc()),
        "price_asc": (Product.price_vnd, Product.id),
        "price_desc": (Product.price_vnd.desc(), Product.id),
    }.get(filters.sort, (stars.desc(), Product.id))
    return query.order_by(*order)


def products_by_id(ids) -> list[Product]:
    """Return the visible products among `ids`, in that order, loaded for a product card."""
    if not ids:
        return []
    found = {
        p.id: p
        for p in db.session.scalars(visible_products_query().options(*listing_options()).where(Product.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


def _narrowed(query, filters: CatalogFilters, *, day: date, ids):
    if ids is not None:
        query = query.where(Product.id.in_(ids))
    if filters.group:
        query = query.where(Product.ocop_group == filters.group)
    # One pass over the certificates joined in, not a correlated subquery per product.
    valid = valid_stars_subquery(day)
    stars = func.coalesce(valid.c.stars, 0)
    if filters.min_stars:
        query = query.join(valid, valid.c.product_id == Product.id).where(valid.c.stars >= filters.min_stars)
    elif filters.sort in ("stars", "relevance"):
        query = query.outerjoin(valid, valid.c.product_id == Product.id)
    if filters.ward_code:
        query = query.where(Producer.ward_code == filters.ward_code)
    if filters.district:
        query = query.where(Producer.legacy_district == filters.district)
    if filters.price_min is not None:
        query = query.where(Product.price_vnd >= filters.price_min)
    if filters.price_max is not None:
        query = query.where(Product.price_vnd <= filters.price_max)
    if filters.in_stock:
        query = query.where(
            # Stock.available's notion: lapsed holds waiting for release do not count against it.
            select(Stock.id)
            .where(Stock.product_id == Product.id, Stock.on_hand - Stock.reserved + Stock.lapsed_reserved > 0)
            .exists()
        )
    return query, stars


def filter_choices() -> dict:
    """Return the wards and legacy districts that approved producers are in, for the filter form."""
    rows = db.session.execute(
        select(Producer.ward_code, Producer.legacy_district)
        .where(Producer.status == ProducerStatus.APPROVED)
        .distinct()
    ).all()
    wards = sorted({(code, ward_name(code)) for code, _ in rows if code}, key=lambda item: vietnamese_order(item[1]))
    districts = sorted({district for _, district in rows if district}, key=vietnamese_order)
    return {"wards": wards, "districts": districts}


def product_page_query(slug: str):
    """Return a select of the visible product with this slug and everything its page shows."""
    configure_mappers()  # Product.batches is a backref declared by the traceability models
    return (
        visible_products_query()
        .where(Product.slug == slug)
        .options(*listing_options(), selectinload(Product.batches), selectinload(Product.listings))
    )


def product_for_page(slug: str) -> Product | None:
    """Return the visible product with this slug, loaded with everything its page shows, or None."""
    return db.session.scalar(product_page_query(slug))


def producer_for_page(slug: str) -> Producer | None:
    """Return the approved producer with this slug and its images, or None."""
    return db.session.scalar(
        visible_producer_query().where(Producer.slug == slug).options(selectinload(Producer.images))
    )


def batches_on_sale(product: Product) -> list:
    """Return the product's published, not recalled batches, newest first."""
    return [b for b in reversed(product.batches) if b.is_published and b.recalled_at is None]


def visible_producer_query():
    """Return a select of producers a shopper may see: approved ones."""
    return select(Producer).where(Producer.status == ProducerStatus.APPROVED)


def producer_products(producer: Producer) -> list[Product]:
    """Return the producer's products a shopper may see."""
    return db.session.scalars(
        visible_products_query()
        .where(Product.producer_id == producer.id)
        .options(*listing_options())
        .order_by(Product.id)
    ).all()


@dataclass
class Listing:
    """One page of the catalogue or of search results, with what the page shows beside them."""

    items: list
    page: int
    per_page: int
    total: int
    badges: dict
    facets: dict | None = None
    #: A suggested spelling when the query matched only with typos or not at all.
    corrected: str | None = None
    #: True when the query text had no searchable word (only punctuation, symbols…).
    empty_query: bool = False

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_products(filters: CatalogFilters, *, page: int, per_page: int, idx, day: date, cache=None) -> Listing:
    """Return one page of visible products for the filters, searched in `idx` when there is a query.

    Runs a fixed number of SQL queries whatever `per_page` is. `cache` (indexing.ListingCache)
    keeps the ordered ids of a filter set, so paging through the catalogue sorts it once.
    """
    facets = corrected = None
    if filters.q and filters.sort == "relevance":
        result = search.search_products(idx, filters.q, filters=filters.search_filters(), limit=per_page, page=page)
        # The index may lag a moment behind the database: the SQL filters have the last word.
        kept = set(db.session.scalars(catalog_ids_query(filters, day=day, ids=result.ids)))
        items = products_by_id([i for i in result.ids if i in kept])
        total, facets, corrected = result.total, result.facets, result.corrected
    else:
        ids = None
        if filters.q:
            result = search.search_products(idx, filters.q, filters=filters.search_filters(), limit=None)
            ids, facets, corrected = result.ids, result.facets, result.corrected
        key = ("catalog", day, astuple(filters))
        ordered = cache.get(key) if cache is not None else None
        if ordered is None:
            # An array of ids: 4 bytes each, where a list of ints holds 36 (what the listing cache keeps).
            ordered = array("i", db.session.scalars(catalog_ids_query(filters, day=day, ids=ids)) if ids != [] else ())
            if cache is not None:
                cache.set(key, ordered)
        start = (page - 1) * per_page
        items, total = products_by_id(list(ordered[start : start + per_page])), len(ordered)
    return Listing(
        items=items,
        page=page,
        per_page=per_page,
        total=total,
        facets=facets,
        corrected=corrected,
        badges={p.id: valid_certificate(p, day) for p in items},
        empty_query=bool(filters.q) and not search.query_terms(filters.q),
    )


def suggestions(hits: list[dict]) -> list[Product]:
    """Return the visible products behind type-ahead hits, in the hits' order."""
    ids = [hit["id"] for hit in hits]
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(visible_products_query().where(Product.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def feed_products() -> list[Product]:
    """Return every visible product with what a merchant feed row needs."""
    return db.session.scalars(
        visible_products_query().options(*listing_options(), selectinload(Product.listings)).order_by(Product.id)
    ).all()


def sitemap_entries() -> tuple[list[Product], list[Producer]]:
    """Return the visible products (with their batches) and producers a sitemap lists."""
    configure_mappers()
    products = db.session.scalars(
        visible_products_query().options(selectinload(Product.batches)).order_by(Product.id)
    ).all()
    producers = db.session.scalars(visible_producer_query().order_by(Producer.id)).all()
    return products, producers


def list_producers(filters: CatalogFilters, *, page: int, per_page: int) -> Listing:
    """Return one page of approved producers, narrowed by ward and legacy district."""
    query = visible_producer_query().order_by(Producer.id)
    if filters.ward_code:
        query = query.where(Producer.ward_code == filters.ward_code)
    if filters.district:
        query = query.where(Producer.legacy_district == filters.district)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return Listing(items=list(pagination.items), page=page, per_page=per_page, total=pagination.total or 0, badges={})

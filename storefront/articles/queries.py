"""Read articles: the public ones (live: scheduled or published, their moment come), by tag, about a product or
producer, the newest, and found by site search; and the dashboards' lists."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from storefront.articles.models import (
    LIVE_STATES,
    Article,
    ArticleStatus,
    ArticleWard,
    article_producers,
    article_products,
)
from storefront.catalog.models import Producer, Product
from storefront.catalog.services import visible_producer_query, visible_products_query
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.text import fold

#: Words a search keeps (folded), so a long query cannot build a huge statement.
MAX_SEARCH_WORDS = 8


def _live(now: datetime):
    return select(Article).where(Article.status.in_(LIVE_STATES), Article.publish_at <= now)


def _newest(query):
    return query.order_by(Article.publish_at.desc(), Article.id.desc())


@dataclass(frozen=True)
class Tag:
    """What a list is narrowed to: one product, producer or ward (at most one)."""

    product: Product | None = None
    producer: Producer | None = None
    ward_code: int | None = None


def public_page(*, page: int, per_page: int, tag: Tag = Tag(), now: datetime | None = None):
    """One page of live articles, newest first, narrowed to a tag."""
    query = _live(now or utcnow()).options(selectinload(Article.cover))
    if tag.product is not None:
        query = query.join(article_products).where(article_products.c.product_id == tag.product.id)
    if tag.producer is not None:
        query = query.join(article_producers).where(article_producers.c.producer_id == tag.producer.id)
    if tag.ward_code is not None:
        query = query.join(ArticleWard).where(ArticleWard.ward_code == tag.ward_code)
    return db.paginate(_newest(query), page=page, per_page=per_page, error_out=False)


def public_article(slug: str, now: datetime | None = None) -> Article | None:
    return db.session.scalar(
        _live(now or utcnow())
        .where(Article.slug == slug)
        .options(selectinload(Article.products), selectinload(Article.producers), selectinload(Article.ward_rows))
    )


def articles_about_product(product: Product, *, limit: int = 5, now: datetime | None = None) -> list[Article]:
    """Live articles tagged with a product ("Bài viết về sản phẩm này"), newest first."""
    query = _live(now or utcnow()).join(article_products).where(article_products.c.product_id == product.id)
    return db.session.scalars(_newest(query).limit(limit)).all()


def articles_about_producer(producer: Producer, *, limit: int = 5, now: datetime | None = None) -> list[Article]:
    """Live articles tagged with a producer (its own stories are tagged with it), newest first."""
    query = _live(now or utcnow()).join(article_producers).where(article_producers.c.producer_id == producer.id)
    return db.session.scalars(_newest(query).limit(limit)).all()


def latest(*, limit: int, now: datetime | None = None) -> list[Article]:
    """The newest live articles (feed, sitemap)."""
    return db.session.scalars(_newest(_live(now or utcnow())).options(selectinload(Article.cover)).limit(limit)).all()


def _like_escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(query: str, *, limit: int = 5, now: datetime | None = None) -> list[Article]:
    """Live articles whose folded text holds every folded word of the query: 'hop tac xa' finds 'Hợp tác xã'.

    A plain LIKE on a column filled with text.fold at save time, the same on SQLite and PostgreSQL;
    the site has tens of articles, not millions, so no index is needed for it.
    """
    words = re.findall(r"[a-z0-9]+", fold(query or ""))[:MAX_SEARCH_WORDS]
    if not words:
        return []
    statement = _live(now or utcnow())
    for word in words:
        statement = statement.where(Article.search_text.like(f"%{_like_escaped(word)}%", escape="\\"))
    return db.session.scalars(_newest(statement).limit(limit)).all()


def office_page(*, status: ArticleStatus | None, page: int, per_page: int):
    """Every article for the office, submitted stories first, then newest."""
    query = select(Article).options(selectinload(Article.producer))
    if status is not None:
        query = query.where(Article.status == status)
    query = query.order_by((Article.status == ArticleStatus.SUBMITTED).desc(), Article.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def stories_of(producer: Producer) -> list[Article]:
    """A producer's own stories, newest first (never another producer's)."""
    return db.session.scalars(
        select(Article).where(Article.producer_id == producer.id).order_by(Article.id.desc())
    ).all()


def pending_count() -> int:
    return db.session.scalar(select(func.count(Article.id)).where(Article.status == ArticleStatus.SUBMITTED)) or 0


def tag_product(slug: str) -> Product | None:
    """The visible product a list is narrowed to (?product=), or None."""
    return db.session.scalar(visible_products_query().where(Product.slug == slug))


def tag_producer(slug: str) -> Producer | None:
    """The approved producer a list is narrowed to (?producer=), or None."""
    return db.session.scalar(visible_producer_query().where(Producer.slug == slug))

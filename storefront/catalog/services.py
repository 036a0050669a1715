"""Catalogue rules: what is on sale, which badge a product may show."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.catalog.models import Certificate, Producer, ProducerStatus, Product
from storefront.clock import today_vn
from storefront.extensions import db


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


def valid_certificate(product: Product, day: date | None = None) -> Certificate | None:
    """Return the best certificate valid on a day (default today in Vietnam), or None."""
    day = day or today_vn()
    valid = [c for c in product.certificates if c.is_valid_on(day)]
    return max(valid, key=lambda c: (c.stars, c.decision_date), default=None)


def latest_certificate(product: Product) -> Certificate | None:
    return max(product.certificates, key=lambda c: c.decision_date, default=None)


def home_sections() -> dict:
    """Return the home page's featured products (4–5★ first) and producer stories."""
    products = db.session.scalars(
        visible_products_query()
        .options(selectinload(Product.certificates), selectinload(Product.images), selectinload(Product.producer))
        .order_by(Product.id)
        .limit(200)
    ).all()
    today = today_vn()
    badges = {p.id: valid_certificate(p, today) for p in products}
    featured = sorted(
        (p for p in products if badges[p.id]),
        key=lambda p: (-badges[p.id].stars, p.id),
    )[:8]
    producers = db.session.scalars(
        select(Producer).where(Producer.status == ProducerStatus.APPROVED, Producer.story_md != "",
                               Producer.is_story_hidden.is_(False)).order_by(Producer.id).limit(3)
    ).all()
    return {"featured": featured, "badges": badges, "producers": producers}

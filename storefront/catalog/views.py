"""Catalogue pages: product list, product, producer."""
from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.catalog import bp
from storefront.catalog.models import Producer, ProducerStatus, Product
from storefront.catalog.services import valid_certificate, visible_products_query, latest_certificate
from storefront.clock import today_vn
from storefront.extensions import db

PER_PAGE = 24


@bp.route("/products")
def products():
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    query = visible_products_query().options(
        selectinload(Product.certificates), selectinload(Product.images), selectinload(Product.producer)
    ).order_by(Product.id)
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=True)
    today = today_vn()
    badges = {p.id: valid_certificate(p, today) for p in pagination.items}
    return render_template("catalog/products.html", pagination=pagination, badges=badges)


@bp.route("/products/<slug>")
def product(slug):
    item = db.first_or_404(visible_products_query().where(Product.slug == slug))
    return render_template(
        "catalog/product.html", product=item, badge=valid_certificate(item), latest=latest_certificate(item)
    )


@bp.route("/producers/<slug>")
def producer(slug):
    item = db.first_or_404(
        select(Producer).where(Producer.slug == slug, Producer.status == ProducerStatus.APPROVED)
    )
    return render_template("catalog/producer.html", producer=item)

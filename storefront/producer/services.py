"""What a producer's dashboard reads: its own products, stock alerts, fulfilments, batches."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.catalog.certificates import CertificateStanding, certificate_standing
from storefront.catalog.groups import VISIT_GROUP
from storefront.catalog.models import Producer, Product
from storefront.checkout.models import Fulfilment, FulfilmentStatus, Order, OrderLine, PaymentMethod, PaymentStatus
from storefront.extensions import db
from storefront.inventory.models import Stock
from traceability.models import Batch

DEFAULT_LOW_STOCK = 5


def producer_of(user) -> Producer | None:
    """Return the producer a user runs, or None."""
    if user is None or not getattr(user, "id", None):
        return None
    return db.session.scalar(select(Producer).where(Producer.owner_id == user.id))


def own_batches(producer: Producer) -> list[Batch]:
    """Return the producer's batches, newest first."""
    return db.session.scalars(
        select(Batch).join(Batch.product).where(Product.producer_id == producer.id).order_by(Batch.id.desc())
    ).all()


def own_products(producer: Producer) -> list[Product]:
    return db.session.scalars(
        select(Product)
        .where(Product.producer_id == producer.id)
        .options(selectinload(Product.images), selectinload(Product.stock), selectinload(Product.certificates))
        .order_by(Product.id.desc())
    ).all()


def certificate_alerts(products: list[Product], day: date | None = None) -> list[tuple[Product, CertificateStanding]]:
    """Return the products whose OCOP certificate ends within 90 days or has lapsed, soonest first."""
    alerts = [(p, certificate_standing(p, day)) for p in products]
    alerts = [(p, s) for p, s in alerts if s.state in ("expiring", "lapsed")]
    return sorted(alerts, key=lambda item: item[1].certificate.valid_until, reverse=False)


def low_stock(producer: Producer, *, threshold: int = DEFAULT_LOW_STOCK) -> list[tuple[Product, int]]:
    """Return published products whose available units are at or below the threshold."""
    rows = db.session.execute(
        select(Product, Stock.on_hand - Stock.reserved)
        .join(Stock, Stock.product_id == Product.id)
        .where(
            Product.producer_id == producer.id,
            Product.is_published.is_(True),
            Product.ocop_group != VISIT_GROUP,  # a visit is booked by session, it has no stock to run low
            Stock.on_hand - Stock.reserved <= threshold,
        )
        .order_by(Stock.on_hand - Stock.reserved, Product.id)
    ).all()
    return [(product, available) for product, available in rows]


def own_fulfilments(producer: Producer, *, status: FulfilmentStatus | None = None) -> list[Fulfilment]:
    """Return this producer's fulfilments, newest first, with only their own lines loaded."""
    query = (
        select(Fulfilment)
        .join(Fulfilment.order)
        .where(Fulfilment.producer_id == producer.id)
        .options(selectinload(Fulfilment.lines), selectinload(Fulfilment.order).selectinload(Order.payments))
        .order_by(Order.created_at.desc(), Fulfilment.id.desc())
    )
    if status is not None:
        query = query.where(Fulfilment.status == status)
    return db.session.scalars(query).all()


def fulfilment_lines(fulfilment: Fulfilment, producer: Producer) -> list[OrderLine]:
    """Return the fulfilment's lines that belong to the producer (never another producer's)."""
    return [
        line
        for line in fulfilment.lines
        if line.producer_id in (None, producer.id) and line.fulfilment_id == fulfilment.id
    ]


def can_confirm_payment(fulfilment: Fulfilment, producer: Producer) -> bool:
    """Say whether the producer may mark the order's COD/transfer payment received.

    Only when it alone ships the order: with several producers the office collects.
    """
    order = fulfilment.order
    if order.payment_method not in (PaymentMethod.COD, PaymentMethod.BANK_TRANSFER):
        return False
    if any(f.producer_id != producer.id for f in order.fulfilments):
        return False
    return not any(p.status is PaymentStatus.SUCCEEDED for p in order.payments)

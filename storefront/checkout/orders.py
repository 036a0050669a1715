"""Order moves: the guarded status change, selling a paid order's units, expiry; finding orders.

Services flush and never commit; the view, webhook, job or CLI command that calls them commits.
"""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from storefront.checkout import extras
from storefront.checkout.models import (
    ORDER_TRANSITIONS,
    FulfilmentStatus,
    IllegalTransition,
    Order,
    OrderStatus,
    PaymentStatus,
)
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.inventory.services import (
    commit_sale,
    lapsed_order_ids,
    release_expired,
    release_reservations,
    return_units,
    sell_unreserved,
    units_by_stock,
)


def move_order(order: Order, target: OrderStatus) -> None:
    """Change the order's status with one guarded UPDATE, so of two racing moves only one wins.

    :raises IllegalTransition: the table forbids the move, or another transaction moved the
        order first (``order.status`` then reads the new state).
    """
    current = order.status
    if target not in ORDER_TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    if not _claim(order, current, target):
        raise IllegalTransition(order.status, target)


def _claim(order: Order, expected: OrderStatus, target: OrderStatus | None = None) -> bool:
    """Lock the order row if its status is still *expected* (moving it to *target*); else False.

    Payments and expiry both lock the order row first, then reservations, then stock, so
    they never wait on each other in a cycle; the loser sees the winner's status.
    """
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == expected)
        .values(status=target or expected, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.expire(order, ["updated_at"])
    if result.rowcount != 1:
        db.session.expire(order, ["status"])
        return False
    set_committed_value(order, "status", target or expected)
    return True


def sell_for_payment(order: Order, now: datetime) -> bool:
    """Make a pending or lapsed order paid and sell its units; False, selling nothing, when they are gone.

    The caller marks its payment succeeded, then calls ``extras.settled`` (which may refund a share of it).
    """
    if _claim(order, OrderStatus.PENDING_PAYMENT):
        sold = commit_sale(order, now=now)
        # An expiry that ran first released some holds: take those units off the shelf again.
        if sell_unreserved(units_by_stock(order) - sold):
            move_order(order, OrderStatus.PAID)
            return True
        return_units(sold)
        expire_order(order, now=now)
        return False
    if _claim(order, OrderStatus.EXPIRED) and sell_unreserved(units_by_stock(order)):
        move_order(order, OrderStatus.PAID)
        for fulfilment in order.fulfilments:
            # Cancelled only by the expiry just undone, so they reopen (outside the fulfilment table).
            fulfilment.status = FulfilmentStatus.PENDING
        return True
    return False


def expire_order(order: Order, *, now: datetime | None = None) -> bool:
    """Expire a still-unpaid order and give its held units back; False when it moved on first."""
    if order.status is not OrderStatus.PENDING_PAYMENT:
        return False
    try:
        move_order(order, OrderStatus.EXPIRED)
    except IllegalTransition:
        return False
    release_reservations(order, now=now)
    for payment in order.payments:
        if payment.status is PaymentStatus.PENDING:
            payment.status = PaymentStatus.CANCELLED
    for fulfilment in order.fulfilments:
        if fulfilment.status is not FulfilmentStatus.CANCELLED:
            fulfilment.move_to(FulfilmentStatus.CANCELLED)
    extras.closed(order)
    db.session.flush()
    return True


def expire_lapsed_orders(now: datetime | None = None) -> int:
    """Release holds past their expiry and mark their unpaid orders expired; return how many orders.

    Cheap when nothing lapsed (one indexed query), so checkout calls it before
    reserving stock; ``flask checkout release-expired`` runs it every minute as well.
    """
    now = now or utcnow()
    order_ids = lapsed_order_ids(now)
    if not order_ids:
        return 0
    count = 0
    for order_id in order_ids:
        order = db.session.get(Order, order_id)
        if order is not None and order.status is OrderStatus.PENDING_PAYMENT and expire_order(order, now=now):
            count += 1
    release_expired(now)  # holds of orders that are no longer unpaid
    return count


def find_order_for_lookup(code: str, phone: str) -> Order | None:
    """Return the order with this code placed with this phone (E.164), else None."""
    return db.session.scalar(select(Order).where(Order.code == code.strip().upper(), Order.phone == phone))


def orders_of(user) -> list[Order]:
    return db.session.scalars(
        select(Order).where(Order.user_id == user.id).order_by(Order.created_at.desc(), Order.id.desc())
    ).all()


def order_by_code(code: str) -> Order | None:
    """Return the order with this code (any case), else None."""
    return db.session.scalar(select(Order).where(Order.code == code.upper()))

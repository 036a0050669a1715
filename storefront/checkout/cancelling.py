"""Cancelling an order, by the office or by the buyer before it is final (Decree 52)."""

import logging

from flask_babel import lazy_gettext as _l

from storefront.checkout import extras
from storefront.checkout.errors import CannotCancel
from storefront.checkout.models import (
    FulfilmentStatus,
    IllegalTransition,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)
from storefront.checkout.notices import notify
from storefront.checkout.orders import move_order
from storefront.extensions import db
from storefront.inventory.services import release_reservations, return_sold_stock

log = logging.getLogger(__name__)


def cancel_order(order: Order, *, actor=None, reason: str = "", tell_buyer: bool = True) -> Order:
    """Cancel an order that has not shipped and put its units back on sale.

    *tell_buyer* False: the caller's own mail tells the buyer (a visit's cancellation that ends its
    visits-only order says both in one mail), so no order mail is queued.

    :raises IllegalTransition: the order has shipped, was delivered or is already closed.
    """
    was = order.status
    move_order(order, OrderStatus.CANCELLED)
    order.cancel_reason = reason[:500]
    if was is OrderStatus.PENDING_PAYMENT:
        release_reservations(order)
    else:
        return_sold_stock(order)
    for fulfilment in order.fulfilments:
        if fulfilment.status in (FulfilmentStatus.PENDING, FulfilmentStatus.PACKED):
            fulfilment.move_to(FulfilmentStatus.CANCELLED)
    extras.closed(order)  # its visits free their places
    refund_due = False
    for payment in order.payments:
        if payment.status is PaymentStatus.PENDING:
            payment.status = PaymentStatus.CANCELLED
        elif payment.status is PaymentStatus.SUCCEEDED and payment.method != PaymentMethod.COD:
            refund_due = True

    def body():
        text = [str(_l("Đơn hàng %(code)s đã bị huỷ.", code=order.code))]
        if reason:
            text.append(str(_l("Lý do: %(reason)s", reason=reason)))
        if refund_due:
            text.append(str(_l("Số tiền bạn đã thanh toán sẽ được hoàn lại.")))
        return "\n".join(text)

    log.info("order %s cancelled by %s: %s", order.code, getattr(actor, "id", "customer"), reason)
    if tell_buyer:
        notify(order, _l("Đơn hàng %(code)s đã bị huỷ", code=order.code), body)
    db.session.flush()
    return order


def buyer_can_cancel(order: Order) -> bool:
    """Say whether the buyer may still cancel: unpaid or COD-confirmed, and nothing shipped (Decree 52)."""
    return order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CONFIRMED) and not any(
        f.status in (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED) for f in order.fulfilments
    )


def cancel_order_by_buyer(order: Order, *, reason: str) -> Order:
    """Cancel at the buyer's request before the order is final; held or sold units go back.

    :raises CannotCancel: the order is paid, shipping or already closed (or became so meanwhile).
    """
    if not buyer_can_cancel(order):
        raise CannotCancel(order.status.value)
    try:
        return cancel_order(order, reason=reason)
    except IllegalTransition as error:  # paid or expired by another request meanwhile
        raise CannotCancel(error.current.value) from error

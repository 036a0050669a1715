"""Fulfilment: each producer packs, ships and delivers its part; the order follows when every part has."""

from flask_babel import lazy_gettext as _l

from storefront.checkout.errors import OrderNotReady
from storefront.checkout.models import Fulfilment, FulfilmentStatus, Order, OrderStatus, PaymentMethod, PaymentStatus
from storefront.checkout.notices import notify
from storefront.checkout.orders import move_order
from storefront.columns import utcnow
from storefront.extensions import db


def _require_sold(order: Order) -> None:
    if order.status not in (OrderStatus.PAID, OrderStatus.CONFIRMED, OrderStatus.PACKED, OrderStatus.SHIPPED):
        raise OrderNotReady(order.status.value)


def _all(order: Order, statuses) -> bool:
    live = [f for f in order.fulfilments if f.status is not FulfilmentStatus.CANCELLED]
    return bool(live) and all(f.status in statuses for f in live)


def pack_fulfilment(fulfilment: Fulfilment, *, actor) -> Fulfilment:
    """Mark one producer's part packed; the order is packed when every part is."""
    order = fulfilment.order
    _require_sold(order)
    fulfilment.move_to(FulfilmentStatus.PACKED)
    fulfilment.packed_at = utcnow()
    if _all(
        order, {FulfilmentStatus.PACKED, FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED}
    ) and order.status in (OrderStatus.PAID, OrderStatus.CONFIRMED):
        move_order(order, OrderStatus.PACKED)
    notify(
        order,
        _l("Đơn hàng %(code)s đã được đóng gói", code=order.code),
        _l(
            "%(producer)s đã đóng gói phần hàng của bạn trong đơn %(code)s.",
            producer=_producer_name(fulfilment),
            code=order.code,
        ),
    )
    db.session.flush()
    return fulfilment


def ship_fulfilment(fulfilment: Fulfilment, *, carrier: str, tracking_number: str, actor) -> Fulfilment:
    """Hand one producer's part to a carrier; the order is shipped when every part is."""
    order = fulfilment.order
    _require_sold(order)
    fulfilment.move_to(FulfilmentStatus.SHIPPED)
    fulfilment.carrier, fulfilment.tracking_number = carrier.strip(), tracking_number.strip()
    fulfilment.shipped_at = utcnow()
    if _all(order, {FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED}) and order.status is OrderStatus.PACKED:
        move_order(order, OrderStatus.SHIPPED)
    notify(
        order,
        _l("Đơn hàng %(code)s đang được giao", code=order.code),
        _l(
            "%(producer)s đã gửi hàng qua %(carrier)s, mã vận đơn %(tracking)s.",
            producer=_producer_name(fulfilment),
            carrier=fulfilment.carrier or "—",
            tracking=fulfilment.tracking_number or "—",
        ),
    )
    db.session.flush()
    return fulfilment


def deliver_fulfilment(fulfilment: Fulfilment, *, actor) -> Fulfilment:
    """Mark one part delivered; when all are, the order is delivered and COD cash counts as paid."""
    order = fulfilment.order
    fulfilment.move_to(FulfilmentStatus.DELIVERED)
    fulfilment.delivered_at = utcnow()
    if _all(order, {FulfilmentStatus.DELIVERED}) and order.status is OrderStatus.SHIPPED:
        move_order(order, OrderStatus.DELIVERED)
        for payment in order.payments:
            if payment.method == PaymentMethod.COD and payment.status is PaymentStatus.PENDING:
                payment.status = PaymentStatus.SUCCEEDED
    notify(
        order,
        _l("Đơn hàng %(code)s đã giao thành công", code=order.code),
        _l(
            "Phần hàng của %(producer)s trong đơn %(code)s đã được giao. Cảm ơn bạn đã ủng hộ sản phẩm OCOP!",
            producer=_producer_name(fulfilment),
            code=order.code,
        ),
    )
    db.session.flush()
    return fulfilment


def _producer_name(fulfilment: Fulfilment) -> str:
    return (
        fulfilment.producer.name
        if fulfilment.producer
        else (fulfilment.lines[0].producer_name if fulfilment.lines else "")
    )

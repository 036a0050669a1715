"""Checkout and order rules: delivery fees, placing orders, payments and fulfilment moves.

Services flush and never commit; the view, webhook or CLI command that calls them commits.
Status mail is queued in the same transaction and sent after the commit.
"""
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.addresses import THAI_NGUYEN, format_address, ward_in_province
from storefront.cart.services import CartSummary, summarize
from storefront.checkout.models import (
    Fulfilment, FulfilmentStatus, IllegalTransition, Order, OrderLine, OrderStatus, Payment, PaymentMethod,
    PaymentStatus, ProcessedWebhookEvent,
)
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.filters import vnd
from storefront.inventory.services import (
    commit_sale, release_expired, release_reservations, reservation_expiry, reserve_stock, return_sold_stock,
)
from storefront.outbox.services import queue_mail
from storefront.text import display_phone

log = logging.getLogger(__name__)

#: Flat delivery fee by zone, first match wins; "provinces": None means every other province.
#: Override the whole dict with the DELIVERY_ZONES setting.
DEFAULT_DELIVERY_ZONES = {
    "thai_nguyen": {"label": _l("Nội tỉnh Thái Nguyên"), "provinces": {THAI_NGUYEN}, "fee_vnd": 20_000,
                    "days": _l("1–2 ngày")},
    "north": {"label": _l("Các tỉnh miền Bắc"), "fee_vnd": 35_000, "days": _l("2–3 ngày"),
              "provinces": {1, 4, 8, 11, 12, 14, 15, 20, 22, 24, 25, 31, 33, 37}},
    "rest": {"label": _l("Các tỉnh còn lại"), "provinces": None, "fee_vnd": 45_000, "days": _l("3–5 ngày")},
}
DELIVERY_METHODS = {"standard": _l("Giao hàng tiêu chuẩn (bưu điện / đơn vị vận chuyển)")}
#: Stripe refuses a Checkout Session that expires sooner than 30 minutes after creation.
CARD_MIN_HOLD_MINUTES = 35
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L


class CheckoutError(DomainError):
    """Base of the checkout and order errors."""


class CartNotReady(CheckoutError):
    """The cart is empty or holds products that cannot be bought as they are."""


class BadAddress(CheckoutError):
    """The ward is not in the chosen province."""


class OrderNotReady(CheckoutError):
    """The order is not in a state that allows this step (e.g. packing an unpaid order)."""


class PaymentTooLate(CheckoutError):
    """Money arrived for an order whose stock hold already lapsed; the office refunds or re-books."""


@dataclass
class CheckoutDetails:
    """What the shopper typed in the checkout steps; nothing about prices."""

    contact_name: str
    phone: str
    email: str | None
    province_code: int
    ward_code: int
    street: str
    delivery_method: str = "standard"
    payment_method: str = "cod"
    note: str = ""


@dataclass
class DeliveryQuote:
    zone: str
    label: str
    fee_vnd: int
    days: str


@dataclass
class Quote:
    cart: CartSummary
    delivery: DeliveryQuote

    @property
    def subtotal_vnd(self) -> int:
        return self.cart.subtotal_vnd

    @property
    def total_vnd(self) -> int:
        return self.subtotal_vnd + self.delivery.fee_vnd


def delivery_quote(province_code: int, subtotal_vnd: int) -> DeliveryQuote:
    """Return the zone, fee and expected time for delivery to a province; free above the threshold."""
    zones = current_app.config.get("DELIVERY_ZONES") or DEFAULT_DELIVERY_ZONES
    for name, zone in zones.items():
        if zone.get("provinces") is None or int(province_code) in zone["provinces"]:
            free_from = current_app.config.get("FREE_SHIPPING_FROM_VND")
            fee = 0 if free_from and subtotal_vnd >= free_from else int(zone["fee_vnd"])
            return DeliveryQuote(name, zone["label"], fee, zone["days"])
    raise BadAddress(province_code)


def quote(contents: dict, province_code: int) -> Quote:
    """Price a cart for delivery to a province from the database, never from the browser."""
    cart = summarize(contents)
    # Stock is not checked here: the guarded reservation decides, race-free.
    if not cart.items or not all(item.is_on_sale for item in cart.items):
        raise CartNotReady()
    return Quote(cart, delivery_quote(province_code, cart.subtotal_vnd))


def new_order_code() -> str:
    """Return an unused code like TN-7F3K9Q: short to read out, not guessable."""
    while True:
        code = "TN-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Order.id).where(Order.code == code)) is None:
            return code


def order_by_idempotency_key(key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.idempotency_key == key))


def _latest_lot(product) -> str | None:
    batches = [b for b in getattr(product, "batches", []) if b.is_published and b.recalled_at is None]
    return batches[-1].lot_code if batches else None


def hold_minutes(method: PaymentMethod) -> int:
    minutes = current_app.config.get("RESERVATION_MINUTES", 30)
    if method is PaymentMethod.CARD:
        return max(minutes, CARD_MIN_HOLD_MINUTES)
    if method is PaymentMethod.BANK_TRANSFER:
        return current_app.config.get("BANK_TRANSFER_RESERVATION_MINUTES", 24 * 60)
    return minutes


def place_order(contents: dict, details: CheckoutDetails, *, user=None, idempotency_key: str,
                now: datetime | None = None) -> Order:
    """Create the order from the cart at current prices, reserve its stock and start its payment.

    A second call with the same idempotency key returns the first order. Cash on delivery
    is confirmed at once and its units are sold; transfer and card orders wait for payment.
    :raises CartNotReady, BadAddress, InsufficientStock: nothing is kept; the caller rolls back.
    """
    existing = order_by_idempotency_key(idempotency_key)
    if existing is not None:
        return existing
    if not ward_in_province(details.ward_code, details.province_code):
        raise BadAddress(details.ward_code)
    now = now or utcnow()
    expire_lapsed_orders(now)
    priced = quote(contents, details.province_code)
    method = PaymentMethod(details.payment_method)
    order = Order(
        code=new_order_code(), user_id=user.id if user else None, idempotency_key=idempotency_key,
        contact_name=details.contact_name, phone=details.phone, email=details.email or None,
        province_code=details.province_code, ward_code=details.ward_code, street=details.street,
        delivery_method=details.delivery_method, delivery_fee_vnd=priced.delivery.fee_vnd,
        subtotal_vnd=priced.subtotal_vnd, total_vnd=priced.total_vnd, payment_method=method,
        note=details.note or "",
    )
    db.session.add(order)
    for producer, items in priced.cart.groups:
        fulfilment = Fulfilment(producer_id=producer.id)
        order.fulfilments.append(fulfilment)
        for item in items:
            line = OrderLine(
                product_id=item.product.id, producer_id=producer.id, product_name=item.product.name,
                producer_name=producer.name, lot_code=_latest_lot(item.product),
                unit_price_vnd=item.unit_price_vnd, quantity=item.quantity, line_total_vnd=item.line_total_vnd,
            )
            order.lines.append(line)
            fulfilment.lines.append(line)
    order.payments.append(Payment(method=method, amount_vnd=order.total_vnd))
    db.session.flush()
    reserve_stock(order, minutes=hold_minutes(method), now=now)
    if method is PaymentMethod.COD:
        order.move_to(OrderStatus.CONFIRMED)
        commit_sale(order, now=now)
    _notify(order, _l("Xác nhận đơn hàng %(code)s", code=order.code), lambda: _confirmation_text(order))
    db.session.flush()
    return order


def card_session_params(order: Order) -> dict:
    """Return what the Stripe session needs: line items in whole đồng and the hold's expiry."""
    lines = [(line.product_name, line.unit_price_vnd, line.quantity) for line in order.lines]
    if order.delivery_fee_vnd:
        lines.append((str(_l("Phí vận chuyển")), order.delivery_fee_vnd, 1))
    expires = reservation_expiry(order)
    # Derived from the stored hold, not from now, so a retry sends the same parameters.
    return {"lines": lines, "expires_at": int(expires.timestamp())}


def attach_card_session(order: Order, session_id: str) -> None:
    payment = card_payment(order)
    payment.provider_ref = session_id
    db.session.flush()


def card_payment(order: Order) -> Payment | None:
    return next((p for p in order.payments if p.method is PaymentMethod.CARD), None)


def _order_for_session(session: dict) -> Order | None:
    order = db.session.scalar(select(Order).join(Order.payments).where(Payment.provider_ref == session["id"]))
    if order is None:
        code = (session.get("metadata") or {}).get("order_code") or session.get("client_reference_id")
        order = db.session.scalar(select(Order).where(Order.code == code)) if code else None
    return order


def record_webhook_event(event: dict) -> None:
    """Remember a provider event; the unique event id raises IntegrityError on a replay."""
    db.session.add(ProcessedWebhookEvent(provider="stripe", event_id=event["id"], event_type=event["type"]))
    db.session.flush()


def handle_stripe_event(event: dict) -> str:
    """Apply a verified Stripe event once; return what was done (for the log)."""
    record_webhook_event(event)
    session = event["data"]["object"]
    kind = event["type"]
    if (kind == "checkout.session.completed" and session.get("payment_status") == "paid") \
            or kind == "checkout.session.async_payment_succeeded":
        return fulfil_card_payment(session)
    if kind == "checkout.session.expired":
        return expire_card_payment(session)
    return "ignored"


def fulfil_card_payment(session: dict) -> str:
    """Mark the order paid from a paid Checkout Session and sell its held units."""
    order = _order_for_session(session)
    if order is None:
        log.error("paid checkout session %s matches no order", session.get("id"))
        return "unknown order"
    payment = card_payment(order)
    if payment.status is PaymentStatus.SUCCEEDED:
        return "already paid"
    if session.get("amount_total") != order.total_vnd or session.get("currency") != "vnd":
        log.error("order %s: paid %s %s but total is %s VND", order.code, session.get("amount_total"),
                  session.get("currency"), order.total_vnd)
        return "amount mismatch"
    payment.status = PaymentStatus.SUCCEEDED
    payment.provider_ref = session["id"]
    if order.status is not OrderStatus.PENDING_PAYMENT:
        log.error("order %s was %s when its card payment arrived; refund needed", order.code, order.status.value)
        return "paid late"
    order.move_to(OrderStatus.PAID)
    commit_sale(order)
    _notify(order, _l("Đơn hàng %(code)s đã được thanh toán", code=order.code),
            _l("Chúng tôi đã nhận thanh toán thẻ %(total)s cho đơn %(code)s. Các cơ sở sản xuất sẽ đóng gói và gửi hàng.",
               total=vnd(order.total_vnd), code=order.code))
    db.session.flush()
    return "paid"


def expire_card_payment(session: dict) -> str:
    """Give back the stock of an order whose Checkout Session expired unpaid."""
    order = _order_for_session(session)
    if order is None or order.status is not OrderStatus.PENDING_PAYMENT:
        return "nothing to expire"
    _expire(order)
    return "expired"


def _expire(order: Order) -> None:
    release_reservations(order)
    order.move_to(OrderStatus.EXPIRED)
    for payment in order.payments:
        if payment.status is PaymentStatus.PENDING:
            payment.status = PaymentStatus.CANCELLED
    for fulfilment in order.fulfilments:
        fulfilment.move_to(FulfilmentStatus.CANCELLED)
    db.session.flush()


def expire_lapsed_orders(now: datetime | None = None) -> int:
    """Release holds past their expiry and mark their unpaid orders expired; return how many orders."""
    count = 0
    for order_id in release_expired(now):
        order = db.session.get(Order, order_id)
        if order is not None and order.status is OrderStatus.PENDING_PAYMENT:
            _expire(order)
            count += 1
    return count


def mark_payment_received(order: Order, *, actor) -> Order:
    """Record that a bank transfer (or the COD cash) arrived; a transfer order becomes paid.

    :raises PaymentTooLate: the hold lapsed and the units went back to sale.
    :raises IllegalTransition: the order was already paid, cancelled or refunded.
    """
    payment = next((p for p in order.payments if p.method is order.payment_method), None)
    if order.status is OrderStatus.EXPIRED:
        raise PaymentTooLate(order.code)
    if order.status is OrderStatus.PENDING_PAYMENT:
        order.move_to(OrderStatus.PAID)
        commit_sale(order)
    elif order.payment_method is not PaymentMethod.COD or order.status is OrderStatus.CANCELLED:
        raise IllegalTransition(order.status, OrderStatus.PAID)
    if payment is not None:
        payment.status = PaymentStatus.SUCCEEDED
        payment.confirmed_by_id = actor.id if actor else None
    _notify(order, _l("Đơn hàng %(code)s: đã nhận thanh toán", code=order.code),
            _l("Chúng tôi đã nhận %(total)s cho đơn %(code)s. Cảm ơn bạn!", total=vnd(order.total_vnd), code=order.code))
    db.session.flush()
    return order


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
    if _all(order, {FulfilmentStatus.PACKED, FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED}) \
            and order.status in (OrderStatus.PAID, OrderStatus.CONFIRMED):
        order.move_to(OrderStatus.PACKED)
    _notify(order, _l("Đơn hàng %(code)s đã được đóng gói", code=order.code),
            _l("%(producer)s đã đóng gói phần hàng của bạn trong đơn %(code)s.",
               producer=_producer_name(fulfilment), code=order.code))
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
        order.move_to(OrderStatus.SHIPPED)
    _notify(order, _l("Đơn hàng %(code)s đang được giao", code=order.code),
            _l("%(producer)s đã gửi hàng qua %(carrier)s, mã vận đơn %(tracking)s.",
               producer=_producer_name(fulfilment), carrier=fulfilment.carrier or "—",
               tracking=fulfilment.tracking_number or "—"))
    db.session.flush()
    return fulfilment


def deliver_fulfilment(fulfilment: Fulfilment, *, actor) -> Fulfilment:
    """Mark one part delivered; when all are, the order is delivered and COD cash counts as paid."""
    order = fulfilment.order
    fulfilment.move_to(FulfilmentStatus.DELIVERED)
    fulfilment.delivered_at = utcnow()
    if _all(order, {FulfilmentStatus.DELIVERED}) and order.status is OrderStatus.SHIPPED:
        order.move_to(OrderStatus.DELIVERED)
        for payment in order.payments:
            if payment.method is PaymentMethod.COD and payment.status is PaymentStatus.PENDING:
                payment.status = PaymentStatus.SUCCEEDED
    _notify(order, _l("Đơn hàng %(code)s đã giao thành công", code=order.code),
            _l("Phần hàng của %(producer)s trong đơn %(code)s đã được giao. Cảm ơn bạn đã ủng hộ sản phẩm OCOP!",
               producer=_producer_name(fulfilment), code=order.code))
    db.session.flush()
    return fulfilment


def cancel_order(order: Order, *, actor=None, reason: str = "") -> Order:
    """Cancel an order that has not shipped and put its units back on sale.

    :raises IllegalTransition: the order has shipped, was delivered or is already closed.
    """
    was = order.status
    order.move_to(OrderStatus.CANCELLED)
    if was is OrderStatus.PENDING_PAYMENT:
        release_reservations(order)
    else:
        return_sold_stock(order)
    for fulfilment in order.fulfilments:
        if fulfilment.status in (FulfilmentStatus.PENDING, FulfilmentStatus.PACKED):
            fulfilment.move_to(FulfilmentStatus.CANCELLED)
    refund_due = False
    for payment in order.payments:
        if payment.status is PaymentStatus.PENDING:
            payment.status = PaymentStatus.CANCELLED
        elif payment.status is PaymentStatus.SUCCEEDED and payment.method is not PaymentMethod.COD:
            refund_due = True
    def body():
        text = [str(_l("Đơn hàng %(code)s đã bị huỷ.", code=order.code))]
        if reason:
            text.append(str(_l("Lý do: %(reason)s", reason=reason)))
        if refund_due:
            text.append(str(_l("Số tiền bạn đã thanh toán sẽ được hoàn lại.")))
        return "\n".join(text)

    log.info("order %s cancelled by %s: %s", order.code, getattr(actor, "id", "customer"), reason)
    _notify(order, _l("Đơn hàng %(code)s đã bị huỷ", code=order.code), body)
    db.session.flush()
    return order


def find_order_for_lookup(code: str, phone: str) -> Order | None:
    """Return the order with this code placed with this phone (E.164), else None."""
    return db.session.scalar(select(Order).where(Order.code == code.strip().upper(), Order.phone == phone))


def orders_of(user) -> list[Order]:
    return db.session.scalars(
        select(Order).where(Order.user_id == user.id).order_by(Order.created_at.desc(), Order.id.desc())
    ).all()


def _producer_name(fulfilment: Fulfilment) -> str:
    return fulfilment.producer.name if fulfilment.producer else (fulfilment.lines[0].producer_name if fulfilment.lines else "")


def _confirmation_text(order: Order) -> str:
    lines = [str(_l("Cảm ơn bạn đã đặt hàng tại OCOP Thái Nguyên.")), "",
             str(_l("Mã đơn hàng: %(code)s", code=order.code)), ""]
    for line in order.lines:
        lines.append(f"- {line.product_name} ({line.producer_name}) × {line.quantity}: {vnd(line.line_total_vnd)}")
    lines += [
        "",
        str(_l("Phí vận chuyển: %(fee)s", fee=vnd(order.delivery_fee_vnd))),
        str(_l("Tổng cộng: %(total)s", total=vnd(order.total_vnd))),
        str(_l("Giao tới: %(name)s, %(phone)s, %(address)s", name=order.contact_name,
               phone=display_phone(order.phone),
               address=format_address(order.street, order.ward_code, order.province_code))),
    ]
    if order.payment_method is PaymentMethod.BANK_TRANSFER:
        config = current_app.config
        lines += ["", str(_l("Vui lòng chuyển khoản %(total)s tới %(bank)s, số tài khoản %(account)s (%(name)s), "
                             "nội dung: %(code)s.", total=vnd(order.total_vnd), bank=config.get("BANK_NAME", ""),
                             account=config.get("BANK_ACCOUNT", ""), name=config.get("BANK_ACCOUNT_NAME", ""),
                             code=order.code))]
    lines += [
        "",
        str(_l("Xem đơn hàng: %(url)s", url=f"{current_app.config.get('PUBLIC_BASE_URL', '')}/orders/{order.code}")),
    ]
    return "\n".join(lines)


def _notify(order: Order, subject, body) -> None:
    """Queue a status mail in Vietnamese; *body* is lazy text or a function returning text."""
    if not order.email:
        return
    with force_locale("vi"):
        queue_mail(order.email, str(subject), body() if callable(body) else str(body))


ORDER_STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: _l("Chờ thanh toán"),
    OrderStatus.PAID: _l("Đã thanh toán"),
    OrderStatus.CONFIRMED: _l("Đã xác nhận"),
    OrderStatus.PACKED: _l("Đã đóng gói"),
    OrderStatus.SHIPPED: _l("Đang giao"),
    OrderStatus.DELIVERED: _l("Đã giao"),
    OrderStatus.CANCELLED: _l("Đã huỷ"),
    OrderStatus.REFUNDED: _l("Đã hoàn tiền"),
    OrderStatus.EXPIRED: _l("Hết hạn giữ hàng"),
}
FULFILMENT_STATUS_LABELS = {
    FulfilmentStatus.PENDING: _l("Chờ đóng gói"),
    FulfilmentStatus.PACKED: _l("Đã đóng gói"),
    FulfilmentStatus.SHIPPED: _l("Đang giao"),
    FulfilmentStatus.DELIVERED: _l("Đã giao"),
    FulfilmentStatus.CANCELLED: _l("Đã huỷ"),
}
PAYMENT_METHOD_LABELS = {
    PaymentMethod.COD: _l("Thanh toán khi nhận hàng (COD)"),
    PaymentMethod.BANK_TRANSFER: _l("Chuyển khoản ngân hàng (VietQR)"),
    PaymentMethod.CARD: _l("Thẻ quốc tế qua Stripe"),
}

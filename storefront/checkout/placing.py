"""Placing an order: the shopper's details, the order code, the order made from the cart at current prices.

Services flush and never commit; the checkout view that calls them commits once.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.addresses import format_address, ward_in_province
from storefront.catalog.models import Product
from storefront.checkout import extras as extra_parts
from storefront.checkout import providers
from storefront.checkout.errors import BadAddress, PriceChanged, UnknownMethod
from storefront.checkout.extras import ExtraLine
from storefront.checkout.models import Fulfilment, Order, OrderLine, OrderStatus, Payment, PaymentMethod
from storefront.checkout.notices import notify
from storefront.checkout.orders import expire_lapsed_orders, move_order
from storefront.checkout.quotes import check_total, quote
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.filters import vnd
from storefront.inventory.services import InsufficientStock, commit_sale, reserve_stock
from storefront.text import display_phone

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L


@dataclass
class CheckoutDetails:
    """What the shopper typed in the checkout steps; nothing about prices."""

    contact_name: str
    phone: str
    email: str | None
    #: The delivery address: None (and "") when the cart holds visits only, which are not shipped.
    province_code: int | None = None
    ward_code: int | None = None
    street: str = ""
    delivery_method: str = "standard"
    payment_method: str = "cod"
    note: str = ""
    language: str = "vi"  #: the shopper's page language; the order's mails use it


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


def hold_minutes(method: str) -> int:
    """How long the stock is held for an order paid this way (the provider decides)."""
    return providers.get(method).hold_minutes(current_app.config)


def place_order(
    contents: dict,
    details: CheckoutDetails,
    *,
    user=None,
    idempotency_key: str,
    reviewed_total_vnd: int | None = None,
    extras: list[ExtraLine] = (),
    now: datetime | None = None,
    key_checked: bool = False,
) -> Order:
    """Create the order from the cart at current prices, reserve its stock and start its payment.

    *extras* are visits held in the cart (storefront/checkout/extras.py): one line each, no stock,
    no fulfilment, no delivery fee; they are paid now, so cash on delivery is refused with them.

    A second call with the same idempotency key returns the first order (*key_checked*: the caller
    has just looked the key up in this transaction and found no order, so it is not read again; a
    concurrent request with the same key still loses at the commit, on the key's unique index). Cash on delivery
    is confirmed at once and its units are sold; transfer and card orders wait for payment.
    *reviewed_total_vnd* is the total the buyer confirmed on the review page; the order is
    only made at that total (Decree 52: the buyer agrees to the price before the contract).
    :raises CartNotReady, BadAddress, InsufficientStock, PriceChanged, OrderTooLarge, AmountOutsideLimits:
        nothing is kept; the caller rolls back.
    """
    existing = None if key_checked else order_by_idempotency_key(idempotency_key)
    if existing is not None:
        return existing
    now = now or utcnow()
    expire_lapsed_orders(now)
    priced = quote(contents, details.province_code, extras)
    shipped = bool(priced.cart.items)
    if shipped and not ward_in_province(details.ward_code, details.province_code):
        raise BadAddress(details.ward_code)
    if reviewed_total_vnd is not None and reviewed_total_vnd != priced.total_vnd:
        raise PriceChanged(reviewed_total_vnd, priced.total_vnd)
    check_total(priced.total_vnd, details.payment_method)
    method = details.payment_method
    if extras and method == PaymentMethod.COD:
        raise UnknownMethod(method)  # a visit is paid now (or at the venue, booked without the cart)
    # Read before the order joins the session: a lazy load then would flush the half-built order
    # and make each collection append below load (and update) rows one by one.
    lots = {item.product.id: _latest_lot(item.product) for item in priced.cart.items}
    order = Order(
        code=new_order_code(),
        user_id=user.id if user else None,
        idempotency_key=idempotency_key,
        contact_name=details.contact_name,
        phone=details.phone,
        email=details.email or None,
        province_code=details.province_code if shipped else None,
        ward_code=details.ward_code if shipped else None,
        street=details.street if shipped else None,
        delivery_method=details.delivery_method if shipped else "none",
        delivery_fee_vnd=priced.delivery.fee_vnd,
        subtotal_vnd=priced.subtotal_vnd,
        total_vnd=priced.total_vnd,
        payment_method=method,
        note=details.note or "",
        language=details.language or "vi",
    )
    db.session.add(order)
    for producer, items in priced.cart.groups:
        fulfilment = Fulfilment(producer_id=producer.id)
        order.fulfilments.append(fulfilment)
        for item in items:
            line = OrderLine(
                product_id=item.product.id,
                producer_id=producer.id,
                product_name=item.product.name,
                producer_name=producer.name,
                lot_code=lots[item.product.id],
                unit_price_vnd=item.unit_price_vnd,
                quantity=item.quantity,
                line_total_vnd=item.line_total_vnd,
            )
            order.lines.append(line)
            fulfilment.lines.append(line)
    for extra in priced.extras:
        order.lines.append(
            OrderLine(
                product_id=None,
                producer_id=extra.producer_id,
                product_name=extra.name,
                producer_name=extra.producer_name,
                unit_price_vnd=extra.total_vnd,
                quantity=1,
                line_total_vnd=extra.total_vnd,
            )
        )
    order.payments.append(Payment(method=method, amount_vnd=order.total_vnd))
    db.session.flush()
    reserve_stock(order, minutes=hold_minutes(method), now=now)
    extra_parts.attach(order, priced.extras, hold_minutes(method))
    if method == PaymentMethod.COD:
        move_order(order, OrderStatus.CONFIRMED)
        commit_sale(order, now=now)
    notify(order, _l("Xác nhận đơn hàng %(code)s", code=order.code), lambda: _confirmation_text(order))
    db.session.flush()
    return order


def _confirmation_text(order: Order) -> str:
    lines = [
        str(_l("Cảm ơn bạn đã đặt hàng tại OCOP Thái Nguyên.")),
        "",
        str(_l("Mã đơn hàng: %(code)s", code=order.code)),
        "",
    ]
    for line in order.lines:
        lines.append(f"- {line.product_name} ({line.producer_name}) × {line.quantity}: {vnd(line.line_total_vnd)}")
    if order.ward_code is None:  # visits only: nothing is shipped
        lines += [
            "",
            str(_l("Tổng cộng: %(total)s", total=vnd(order.total_vnd))),
            str(_l("Người đặt: %(name)s, %(phone)s", name=order.contact_name, phone=display_phone(order.phone))),
        ]
    else:
        lines += [
            "",
            str(_l("Phí vận chuyển: %(fee)s", fee=vnd(order.delivery_fee_vnd))),
            str(_l("Tổng cộng: %(total)s", total=vnd(order.total_vnd))),
            str(
                _l(
                    "Giao tới: %(name)s, %(phone)s, %(address)s",
                    name=order.contact_name,
                    phone=display_phone(order.phone),
                    address=format_address(order.street, order.ward_code, order.province_code),
                )
            ),
        ]
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        config = current_app.config
        lines += [
            "",
            str(
                _l(
                    "Vui lòng chuyển khoản %(total)s tới %(bank)s, số tài khoản %(account)s (%(name)s), "
                    "nội dung: %(code)s.",
                    total=vnd(order.total_vnd),
                    bank=config.get("BANK_NAME", ""),
                    account=config.get("BANK_ACCOUNT", ""),
                    name=config.get("BANK_ACCOUNT_NAME", ""),
                    code=order.code,
                )
            ),
        ]
    lines += [
        "",
        str(_l("Xem đơn hàng: %(url)s", url=f"{current_app.config.get('PUBLIC_BASE_URL', '')}/orders/{order.code}")),
    ]
    return "\n".join(lines)


def unavailable_product_names(error: InsufficientStock) -> list[str]:
    """Name the products an order could not hold, for the shopper's message."""
    return list(db.session.scalars(select(Product.name_vi).where(Product.id.in_(error.product_ids))))

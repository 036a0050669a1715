"""Money reported to the shop: the neutral events providers send (applied once each), and transfers the desk saw arrive.

Order services handle neutral events only (providers/base.py PaymentEvent): apply_event routes
each to fulfil_payment, fail_payment, expire_payment or record_refund_event, once per (provider,
event id).
"""

import logging
from dataclasses import replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.checkout import extras
from storefront.checkout.errors import PaymentTooLate
from storefront.checkout.labels import PAYMENT_METHOD_LABELS
from storefront.checkout.models import (
    IllegalTransition,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ProcessedWebhookEvent,
)
from storefront.checkout.notices import notify
from storefront.checkout.orders import expire_order, sell_for_payment
from storefront.checkout.payments.attempts import attempt_refs, current_payment
from storefront.checkout.payments.refunds import lock_payment, record_refund_event
from storefront.checkout.providers.base import EXPIRED, FAILED, PAID, REFUNDED
from storefront.checkout.quotes import MAX_ORDER_TOTAL_VND
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.filters import vnd

log = logging.getLogger(__name__)


def record_event(provider_code: str, event) -> bool:
    """Remember a provider event; False when it was already handled (a redelivery).

    The unique (provider, event id) pair also raises IntegrityError at commit when two
    deliveries of one event race; the caller answers that as already processed.
    """
    seen = db.session.scalar(
        select(ProcessedWebhookEvent.id).where(
            ProcessedWebhookEvent.provider == provider_code, ProcessedWebhookEvent.event_id == event.event_id
        )
    )
    if seen is not None:
        return False
    db.session.add(
        ProcessedWebhookEvent(
            provider=provider_code, event_id=event.event_id, event_type=(event.event_type or event.kind or "")[:80]
        )
    )
    db.session.flush()
    return True


def order_for_event(provider_code: str, event) -> Order | None:
    """The order an event is about (by the attempt's reference, else by the order code it carries).

    None for another shop's payment on the same account, or an order not paid this way.
    """
    order = db.session.scalar(
        select(Order)
        .join(Order.payments)
        .where(Payment.provider_ref == event.provider_ref, Payment.method == provider_code)
    )
    if order is None and event.payment_key is not None:
        order = db.session.scalar(select(Order).join(Order.payments).where(*_payment_key_match(provider_code, event)))
    if order is None and isinstance(event.order_code, str):
        order = db.session.scalar(select(Order).where(Order.code == event.order_code))
        if order is not None and provider_code == PaymentMethod.CARD and not _opened_by(order, event):
            return None
    if order is None or order.payment_method != provider_code:
        return None
    return order


def _opened_by(order: Order, event) -> bool:
    """Whether *order* recorded the Stripe session *event* is about (the current one or one a retry replaced).

    A session's metadata is only text: another shop on the same Stripe account, or a session made
    outside this shop, can carry any of our order codes. Only a session this order opened pays it;
    fulfil_payment then checks its amount and currency.
    """
    payment = current_payment(order)
    return payment is not None and event.provider_ref in attempt_refs(payment)


def _payment_key_match(provider_code: str, event) -> tuple:
    key, value = event.payment_key
    return Payment.method == provider_code, Payment.provider_data[key].as_string() == value


def apply_event(provider_code: str, event, *, now: datetime | None = None) -> str:
    """Apply a verified neutral event once; return the outcome (for the log and the provider's answer).

    Outcomes: "paid", "already paid", "amount mismatch", "needs refund", "failed", "expired",
    "nothing to expire", "refunded", "ignored", "not found", "already processed".
    """
    if not record_event(provider_code, event):
        return "already processed"
    if event.kind is None:
        return "ignored"
    order = order_for_event(provider_code, event)
    if order is None:
        log.error("%s event %s (%s) matches no order paid that way", provider_code, event.event_id, event.provider_ref)
        return "not found"
    if event.kind == PAID:
        return fulfil_payment(order, event, now=now)
    if event.kind == FAILED:
        return fail_payment(order, event)
    if event.kind == EXPIRED:
        return expire_payment(order, event)
    if event.kind == REFUNDED:
        return record_refund_event(order, event)
    return "ignored"


def fulfil_payment(order: Order, event, *, now: datetime | None = None) -> str:
    """Mark the order paid from a provider's "paid" event and sell its units.

    Money that cannot buy the order (wrong amount or currency, a second payment, or too late
    with the units sold out) is kept as a payment the office refunds; the order is not paid.
    """
    payment = current_payment(order)
    if payment.status is PaymentStatus.SUCCEEDED and payment.provider_ref == event.provider_ref:
        return "already paid"
    if event.amount != order.total_vnd or str(event.currency).lower() != "vnd":
        _needs_refund(
            order, event, f"paid {event.amount} {str(event.currency).lower()}, order total {order.total_vnd} vnd"
        )
        return "amount mismatch"
    if payment.status is PaymentStatus.SUCCEEDED:
        return _needs_refund(order, event, "second payment for an order already paid")
    if not sell_for_payment(order, now or utcnow()):
        return _needs_refund(order, event, f"paid while the order was {order.status.value}; units not available")
    payment.status = PaymentStatus.SUCCEEDED
    payment.provider_ref = event.provider_ref
    payment.provider_data = {**(payment.provider_data or {}), **event.data}
    payment.attention_reason = ""
    confirmed = extras.settled(order)  # its visits are confirmed (one cancelled meanwhile is refunded)
    paid = {"total": vnd(order.total_vnd), "method": PAYMENT_METHOD_LABELS[order.payment_method], "code": order.code}
    if order.ward_code is not None:
        body = _l(
            "Chúng tôi đã nhận thanh toán %(total)s qua %(method)s cho đơn %(code)s. Các cơ sở sản xuất sẽ đóng gói và gửi hàng.",
            **paid,
        )
    elif confirmed:  # visits only: nothing is shipped
        body = _l(
            "Chúng tôi đã nhận thanh toán %(total)s qua %(method)s cho đơn %(code)s. Lịch tham quan của bạn đã được xác nhận.",
            **paid,
        )
    else:  # visits only, none held when the money came (their places went): each refund is mailed on its own
        body = _l("Chúng tôi đã nhận %(total)s cho đơn %(code)s. Cảm ơn bạn!", total=paid["total"], code=order.code)
    notify(order, _l("Đơn hàng %(code)s đã được thanh toán", code=order.code), body)
    db.session.flush()
    return "paid"


def _needs_refund(order: Order, event, reason: str) -> str:
    """Keep money that cannot buy the order as a payment the office must refund."""
    payment = current_payment(order)
    lock_payment(payment)  # read afresh: a payment confirmed since this delivery loaded it must not be overwritten
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.NEEDS_REFUND, PaymentStatus.REFUNDED):
        payment = Payment(method=order.payment_method, amount_vnd=0)
        order.payments.append(payment)
    amount = event.amount
    payment.amount_vnd = amount if type(amount) is int and 0 <= amount <= MAX_ORDER_TOTAL_VND * 100 else 0
    payment.status = PaymentStatus.NEEDS_REFUND
    payment.provider_ref = event.provider_ref
    payment.provider_data = {**(payment.provider_data or {}), **event.data}
    payment.attention_reason = reason[:300]
    log.error(
        "order %s: %s payment %s needs a refund: %s", order.code, order.payment_method, event.provider_ref, reason
    )
    db.session.flush()
    return "needs refund"


def fail_payment(order: Order, event) -> str:
    """A declined or abandoned attempt: the order keeps waiting (the buyer may retry while the hold lasts)."""
    payment = current_payment(order)
    if payment.status is PaymentStatus.PENDING and payment.provider_ref == event.provider_ref:
        payment.attention_reason = (event.message or event.event_type or "")[:300]
        db.session.flush()
    return "failed"


def expire_payment(order: Order, event) -> str:
    """Give back the stock of an order whose current attempt expired unpaid (an older attempt changes nothing)."""
    if current_payment(order).provider_ref != event.provider_ref:
        return "nothing to expire"  # an older attempt, replaced by a retry
    return "expired" if expire_order(order) else "nothing to expire"


def mark_payment_received(order: Order, *, actor) -> Order:
    """Record that a bank transfer (or the COD cash) arrived; a transfer order becomes paid.

    A transfer that arrives after the hold lapsed still buys the order while stock allows.
    :raises PaymentTooLate: the hold lapsed and the units are sold out; the caller rolls back.
    :raises IllegalTransition: the order was already paid, cancelled or refunded.
    """
    payment = next((p for p in order.payments if p.method == order.payment_method), None)
    sold = order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)
    if sold:
        if not sell_for_payment(order, utcnow()):
            raise PaymentTooLate(order.code)
    elif order.payment_method != PaymentMethod.COD or order.status is OrderStatus.CANCELLED:
        raise IllegalTransition(order.status, OrderStatus.PAID)
    if payment is not None:
        payment.status = PaymentStatus.SUCCEEDED
        payment.confirmed_by_id = actor.id if actor else None
    if sold:
        extras.settled(order)
    notify(
        order,
        _l("Đơn hàng %(code)s: đã nhận thanh toán", code=order.code),
        _l("Chúng tôi đã nhận %(total)s cho đơn %(code)s. Cảm ơn bạn!", total=vnd(order.total_vnd), code=order.code),
    )
    db.session.flush()
    return order


def _card_event(session: dict, kind: str):
    from storefront.checkout.providers.stripe_card import session_event

    event = session_event({"id": f"direct-{session.get('id')}", "type": "direct", "data": {"object": session}})
    return replace(event, kind=kind)


def fulfil_card_payment(session: dict, *, now: datetime | None = None) -> str:
    """Apply a paid Checkout Session directly (no event recorded); for tests and the CLI."""
    event = _card_event(session, PAID)
    order = order_for_event(PaymentMethod.CARD, event)
    return fulfil_payment(order, event, now=now) if order is not None else "ignored"


def expire_card_payment(session: dict) -> str:
    """Apply an expired Checkout Session directly (no event recorded)."""
    event = _card_event(session, EXPIRED)
    order = order_for_event(PaymentMethod.CARD, event)
    return expire_payment(order, event) if order is not None else "nothing to expire"

"""Payment attempts at a redirect provider: the window, the attempt number and reference, the hold they need."""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from storefront.checkout import extras
from storefront.checkout.errors import CardRetryClosed
from storefront.checkout.models import Order, OrderStatus, Payment
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.inventory.services import extend_reservations, open_reservations

#: provider_data key: the provider's ids of a payment's earlier attempts, oldest first; the last
#: MAX_EARLIER_REFS only (the pay button may be pressed any number of times while the hold lasts).
EARLIER_REFS = "earlier_refs"
MAX_EARLIER_REFS = 20


def payment_attempt(order: Order, provider, *, now: datetime | None = None, retry: bool = False) -> dict:
    """Prepare the next try at paying *order* with a redirect *provider*; flushes, the caller commits.

    The provider's window ends ``window_margin_minutes`` before the stock hold. When that
    leaves less than the provider accepts (Stripe: 30 minutes), the hold is extended and the
    attempt number goes up; providers that refuse a reused reference (VNPay, MoMo) get a new
    attempt number on every start after the first (*retry*: the buyer's "pay" button). A new
    attempt names the one it replaces, which the provider closes first.
    :raises CardRetryClosed: nothing is held any more (the hold lapsed or the order moved on).
    """
    now = now or utcnow()
    held = open_reservations(order)
    # A visit-only order holds places, not stock (storefront/checkout/extras.py): its hold is theirs.
    hold_ends = held[0].expires_at if held else extras.hold_ends(order)
    if order.status is not OrderStatus.PENDING_PAYMENT or hold_ends is None or hold_ends <= now:
        raise CardRetryClosed(order.code)
    margin = timedelta(minutes=provider.window_margin_minutes)
    payment = current_payment(order)
    window_ends = hold_ends - margin
    previous_ref = payment.provider_ref
    if window_ends < now + timedelta(minutes=provider.min_window_minutes + 1):
        hold_until = now + timedelta(minutes=provider.min_window_minutes + provider.window_margin_minutes + 5)
        extend_reservations(order, until=hold_until)
        extras.extend(order, until=hold_until)
        payment.attempts += 1
        window_ends = hold_until - margin
    elif provider.new_ref_each_start and (retry or payment.provider_ref is not None):
        # A retry may follow a start the provider took but we never recorded: never reuse its reference.
        payment.attempts += 1
    else:
        previous_ref = None  # the same attempt again: the provider finds it by idempotency key
    lines = [(line.product_name, line.unit_price_vnd, line.quantity) for line in order.lines]
    if order.delivery_fee_vnd:
        lines.append((str(_l("Phí vận chuyển")), order.delivery_fee_vnd, 1))
    db.session.flush()
    return {
        "number": payment.attempts,
        "ref": provider.attempt_ref(order.code, payment.attempts),
        "amount_vnd": order.total_vnd,
        "lines": lines,
        "expires_at": window_ends,
        "idempotency_key": f"checkout-session-{order.code}-{payment.attempts}",
        "previous_ref": previous_ref,
    }


def card_session_params(order: Order, *, now: datetime | None = None) -> dict:
    """What a Stripe session needs: line items in whole đồng, expiry (epoch seconds) and idempotency key."""
    from storefront.checkout.providers import stripe_card

    attempt = payment_attempt(order, stripe_card.PROVIDER, now=now)
    return {**attempt, "expires_at": int(attempt["expires_at"].timestamp())}


def attach_attempt(order: Order, provider_ref: str, data: dict | None = None) -> None:
    """Remember the provider's id of the current attempt (what its callbacks name), and the ones it replaces."""
    payment = current_payment(order)
    if payment.provider_ref and payment.provider_ref != provider_ref:
        # An older attempt the provider could not close (paid while the retry started) still names this
        # order: events find it by these ids, never by the order code alone (payments/events.py).
        earlier = [*(payment.provider_data or {}).get(EARLIER_REFS, []), payment.provider_ref]
        payment.provider_data = {**(payment.provider_data or {}), EARLIER_REFS: earlier[-MAX_EARLIER_REFS:]}
    payment.provider_ref = provider_ref
    if data:
        payment.provider_data = {**(payment.provider_data or {}), **data}
    db.session.flush()


def attempt_refs(payment: Payment) -> list[str]:
    """The provider's ids of every attempt recorded for *payment*: earlier ones, then the current one."""
    return [*(payment.provider_data or {}).get(EARLIER_REFS, []), *filter(None, [payment.provider_ref])]


def current_payment(order: Order) -> Payment | None:
    """The order's payment by its chosen method (the first one; later ones are extra money to refund)."""
    return next((p for p in order.payments if p.method == order.payment_method), None)

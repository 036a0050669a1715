"""Prices before an order exists: delivery zones and fees, the cart's quote, the totals a method takes."""

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.addresses import THAI_NGUYEN
from storefront.cart.services import CartSummary, summarize
from storefront.checkout import providers
from storefront.checkout.errors import AmountOutsideLimits, BadAddress, CartNotReady, OrderTooLarge, UnknownMethod
from storefront.checkout.extras import ExtraLine

#: Flat delivery fee by zone, first match wins; "provinces": None means every other province.
#: Override the whole dict with the DELIVERY_ZONES setting.
DEFAULT_DELIVERY_ZONES = {
    "thai_nguyen": {
        "label": _l("Nội tỉnh Thái Nguyên"),
        "provinces": {THAI_NGUYEN},
        "fee_vnd": 20_000,
        "days": _l("1–2 ngày"),
    },
    "north": {
        "label": _l("Các tỉnh miền Bắc"),
        "fee_vnd": 35_000,
        "days": _l("2–3 ngày"),
        "provinces": {1, 4, 8, 11, 12, 14, 15, 20, 22, 24, 25, 31, 33, 37},
    },
    "rest": {"label": _l("Các tỉnh còn lại"), "provinces": None, "fee_vnd": 45_000, "days": _l("3–5 ngày")},
}
DELIVERY_METHODS = {"standard": _l("Giao hàng tiêu chuẩn (bưu điện / đơn vị vận chuyển)")}
#: Largest order we take: above it a quantity is a typo or an attack, and it keeps every
#: sum far inside the BigInteger columns.
MAX_ORDER_TOTAL_VND = 1_000_000_000


@dataclass
class DeliveryQuote:
    zone: str
    label: str
    fee_vnd: int
    days: str


#: The delivery of an order that holds no parcel (only visits): nothing to ship, no fee.
NO_DELIVERY = DeliveryQuote("none", _l("Không cần giao hàng"), 0, "")


@dataclass
class Quote:
    cart: CartSummary
    delivery: DeliveryQuote
    #: Non-parcel lines (experience visits, storefront/checkout/extras.py): no stock, no shipping.
    extras: list[ExtraLine] = field(default_factory=list)

    @property
    def subtotal_vnd(self) -> int:
        return self.cart.subtotal_vnd + sum(line.total_vnd for line in self.extras)

    @property
    def total_vnd(self) -> int:
        return self.subtotal_vnd + self.delivery.fee_vnd


def delivery_quote(province_code: int | None, subtotal_vnd: int) -> DeliveryQuote:
    """Return the zone, fee and expected time for delivery to a province; free above the threshold."""
    if province_code is None:  # goods need an address (a visits-only checkout asks none)
        raise BadAddress(province_code)
    zones = current_app.config.get("DELIVERY_ZONES") or DEFAULT_DELIVERY_ZONES
    for name, zone in zones.items():
        if zone.get("provinces") is None or int(province_code) in zone["provinces"]:
            free_from = current_app.config.get("FREE_SHIPPING_FROM_VND")
            fee = 0 if free_from and subtotal_vnd >= free_from else int(zone["fee_vnd"])
            return DeliveryQuote(name, zone["label"], fee, zone["days"])
    raise BadAddress(province_code)


def quote(
    contents: dict, province_code: int | None, extras: list[ExtraLine] = (), *, cart: CartSummary | None = None
) -> Quote:
    """Price a cart for delivery to a province from the database, never from the browser.

    Visits (*extras*) add their price and nothing to the delivery fee, which goods alone decide.
    *cart*: the summary of *contents* this request already read (a checkout step's), not read again.
    """
    cart = cart if cart is not None else summarize(contents)
    # Stock is not checked here: the guarded reservation decides, race-free.
    if not (cart.items or extras) or not all(item.is_on_sale for item in cart.items):
        raise CartNotReady()
    delivery = delivery_quote(province_code, cart.subtotal_vnd) if cart.items else NO_DELIVERY
    return Quote(cart, delivery, list(extras))


def check_total(total_vnd: int, method: str) -> None:
    """Refuse totals above the shop's cap, and totals outside the payment provider's limits.

    :raises OrderTooLarge, AmountOutsideLimits, UnknownMethod:
    """
    if total_vnd > MAX_ORDER_TOTAL_VND:
        raise OrderTooLarge(total_vnd)
    provider = providers.get(method)
    if provider is None:
        raise UnknownMethod(method)
    if provider.limits_error(total_vnd):
        raise AmountOutsideLimits(total_vnd, provider)

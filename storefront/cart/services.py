"""Cart rules on plain contents ``{product_id: (quantity, price_seen_vnd)}``.

The view keeps a guest's contents in the session and a signed-in shopper's in the
Cart table; these functions only check and compute, so both paths share them.
"""

import re
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from storefront.cart.models import Cart, CartLine
from storefront.catalog.models import Product
from storefront.catalog.services import is_visible, visible_products_query
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.inventory.models import Stock
from storefront.inventory.services import available_now, available_quantities, available_units

#: Most units of one product in a cart; above it a number is a typo, not an order.
MAX_QUANTITY = 999


class CartError(DomainError):
    """Base of the cart errors."""


class BadQuantity(CartError):
    """The quantity is not a whole number from 1 to MAX_QUANTITY."""


class UnknownProduct(CartError):
    """No product with that id is on sale."""


class NotEnoughStock(CartError):
    """Fewer units are available than asked for; ``available`` says how many."""

    def __init__(self, product, available: int):
        super().__init__(f"only {available} of product {product.id}")
        self.product = product
        self.available = available


def parse_quantity(raw) -> int:
    """Return *raw* as a quantity from 1 to MAX_QUANTITY or raise BadQuantity."""
    text = str(raw if raw is not None else "")
    # ASCII digits only: str.isdigit() accepts "²" and "١٢", which int() then rejects or reads.
    if not re.fullmatch(r"[0-9]{1,6}", text) or not 1 <= int(text) <= MAX_QUANTITY:
        raise BadQuantity(text)
    return int(text)


def parse_product_id(raw) -> int:
    text = str(raw if raw is not None else "").strip()
    if not re.fullmatch(r"[0-9]{1,12}", text):
        raise UnknownProduct(text)
    return int(text)


@cache
def _on_sale_with_units_query():
    # Built once, like the summary's query: the products a shopper may buy, with the stock row's
    # available units (inventory.available_quantities' figure) in one round trip.
    return (
        visible_products_query()
        .add_columns(available_units())
        .outerjoin(Stock, Stock.product_id == Product.id)
        .where(Product.id == bindparam("product_id"))
    )


def _on_sale_with_units(product_id: int) -> tuple[Product, int]:
    """Return (the product, units a shopper can still buy) if it is on sale, else raise UnknownProduct."""
    row = db.session.execute(_on_sale_with_units_query(), {"product_id": product_id, **available_now()}).first()
    if row is None:
        raise UnknownProduct(product_id)
    product, available = row
    return product, available if available is not None else 0


def _check_stock(product: Product, quantity: int, available: int) -> None:
    if quantity > available:
        raise NotEnoughStock(product, max(available, 0))


def add_item(contents: dict, product_id, quantity) -> dict:
    """Return new contents with *quantity* more of a product; raise CartError and change nothing otherwise."""
    quantity = parse_quantity(quantity)
    product, available = _on_sale_with_units(parse_product_id(product_id))
    current = contents.get(product.id, (0, product.price_vnd))[0]
    total = current + quantity
    if total > MAX_QUANTITY:
        raise BadQuantity(total)
    _check_stock(product, total, available)
    return {**contents, product.id: (total, product.price_vnd)}


def buy_now_item(contents: dict, product_id, quantity) -> dict:
    """Return new contents holding exactly *quantity* of a product, in the cart or not ("Mua ngay").

    Buying now states how many the shopper wants, so a second tap (a slow phone, or back from
    checkout and "Mua ngay" again) leaves the same quantity instead of adding it again."""
    quantity = parse_quantity(quantity)
    product, available = _on_sale_with_units(parse_product_id(product_id))
    _check_stock(product, quantity, available)
    return {**contents, product.id: (quantity, product.price_vnd)}


def set_quantity(contents: dict, product_id, quantity) -> dict:
    """Return new contents with a product's quantity replaced."""
    quantity = parse_quantity(quantity)
    product_id = parse_product_id(product_id)
    if product_id not in contents:
        raise UnknownProduct(product_id)
    product, available = _on_sale_with_units(product_id)
    _check_stock(product, quantity, available)
    return {**contents, product.id: (quantity, product.price_vnd)}


def remove_item(contents: dict, product_id) -> dict:
    product_id = parse_product_id(product_id)
    return {pid: value for pid, value in contents.items() if pid != product_id}


def merge_contents(account: dict, guest: dict) -> dict:
    """Add a guest cart into an account cart; quantities add up, capped at stock and MAX_QUANTITY."""
    merged = dict(account)
    available = available_quantities(list(guest))
    for product_id, (quantity, price_seen) in guest.items():
        total = merged.get(product_id, (0, price_seen))[0] + quantity
        cap = min(MAX_QUANTITY, max(available.get(product_id, 0), merged.get(product_id, (0,))[0]))
        merged[product_id] = (max(1, min(total, cap)), price_seen)
    return merged


def account_contents(user) -> dict:
    cart = db.session.scalar(select(Cart).where(Cart.user_id == user.id))
    if cart is None:
        return {}
    return {line.product_id: (line.quantity, line.price_seen_vnd) for line in cart.lines}


def account_item_count(user) -> int:
    """Return how many units the user's account cart holds."""
    return db.session.scalar(
        select(func.coalesce(func.sum(CartLine.quantity), 0)).join(Cart).where(Cart.user_id == user.id)
    )


def save_account_contents(user, contents: dict) -> Cart:
    """Store *contents* as the user's cart, replacing what was there."""
    cart = db.session.scalar(select(Cart).where(Cart.user_id == user.id))
    if cart is None:
        cart = Cart(user_id=user.id)
        db.session.add(cart)
    by_product = {line.product_id: line for line in cart.lines}
    for product_id, line in by_product.items():
        if product_id not in contents:
            cart.lines.remove(line)
    for product_id, (quantity, price_seen) in contents.items():
        line = by_product.get(product_id)
        if line is None:
            cart.lines.append(CartLine(product_id=product_id, quantity=quantity, price_seen_vnd=price_seen))
        else:
            line.quantity, line.price_seen_vnd = quantity, price_seen
    db.session.flush()
    return cart


@dataclass
class CartItem:
    product: Product
    quantity: int
    price_seen_vnd: int
    available: int
    is_on_sale: bool

    @property
    def unit_price_vnd(self) -> int:
        return self.product.price_vnd

    @property
    def line_total_vnd(self) -> int:
        return self.product.price_vnd * self.quantity

    @property
    def price_changed(self) -> bool:
        return self.product.price_vnd != self.price_seen_vnd

    @property
    def sold_out(self) -> bool:
        return self.is_on_sale and self.available <= 0

    @property
    def too_many(self) -> bool:
        return self.is_on_sale and 0 < self.available < self.quantity

    @property
    def can_buy(self) -> bool:
        return self.is_on_sale and self.quantity <= self.available


@dataclass
class CartSummary:
    #: [(producer, [CartItem])] in the order producers were first added.
    groups: list = field(default_factory=list)

    @property
    def items(self) -> list[CartItem]:
        return [item for _, items in self.groups for item in items]

    @property
    def subtotal_vnd(self) -> int:
        return sum(item.line_total_vnd for item in self.items if item.is_on_sale)

    @property
    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def can_check_out(self) -> bool:
        return bool(self.items) and all(item.can_buy for item in self.items)


@cache
def _summary_query(images: bool):
    # Built once (per value of *images*): every cart and checkout step runs it, and building the
    # statement with its subquery and cache key cost more CPU than the query itself (BENCHMARKS.md).
    query = (
        select(Product, available_units())
        .outerjoin(Stock, Stock.product_id == Product.id)
        .where(Product.id.in_(bindparam("product_ids", expanding=True)))
        .options(joinedload(Product.producer))
    )
    return query.options(selectinload(Product.images)) if images else query


def summarize(contents: dict, *, images: bool = False) -> CartSummary:
    """Return the cart with current prices and stock, grouped by producer, flagging what changed.

    One query: the products with their producers and available units (the cart and every
    checkout step read it). *images*: also load the products' photos (the cart page's thumbnails).
    """
    if not contents:
        return CartSummary()
    rows = db.session.execute(_summary_query(images), {"product_ids": list(contents), **available_now()}).all()
    products = [product for product, _available in rows]
    available = {product.id: units for product, units in rows if units is not None}
    on_sale = {product.id for product in products if is_visible(product)}
    by_id = {product.id: product for product in products}
    summary = CartSummary()
    groups: dict[int, list] = {}
    for product_id, (quantity, price_seen) in contents.items():
        product = by_id.get(product_id)
        if product is None:
            continue
        if product.producer_id not in groups:
            groups[product.producer_id] = []
            summary.groups.append((product.producer, groups[product.producer_id]))
        groups[product.producer_id].append(
            CartItem(product, quantity, price_seen, max(available.get(product_id, 0), 0), product_id in on_sale)
        )
    return summary


def item_count(contents: dict) -> int:
    return sum(quantity for quantity, _ in contents.values())

"""Stock rules: receive, reserve with a guarded update, release, and sell.

Every change to ``Stock.reserved`` or ``Stock.on_hand`` is one SQL UPDATE whose WHERE
clause re-checks the rule, so two checkouts racing for the last units cannot both win,
on SQLite (writers serialised) and on PostgreSQL (READ COMMITTED re-evaluates the WHERE
on the locked row) alike, without SELECT ... FOR UPDATE. Reservations are closed with
a guarded UPDATE too, so a reservation is released or sold at most once.

The flush never sees these UPDATEs, so ``_changed`` follows each one: in the same transaction it
records the stock figure pages show (``Stock.units_on_pages``, inventory.models.shown_units: the
units left up to LOW_STOCK, one figure for any more) and, only when that figure moved, reports the
row (after_commit.note_rows): the catalogue's after-commit hook then checks the products' in-stock
flags in the search index and empties the page caches of every worker. A sale that leaves more than
LOW_STOCK units changes no page, so it empties no cache.

When units leave ``on_hand``:
- card and bank transfer: when the payment is recorded (``commit_sale``);
- cash on delivery: at once, when the order is placed and confirmed, because a
  confirmed COD order is a sale the producers pack from; ``return_sold_stock`` puts the
  units back if the order is cancelled before delivery.
"""

from collections import Counter
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, case, func, select, update

from storefront import after_commit
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.inventory.models import LOW_STOCK, Reservation, Stock


class InventoryError(DomainError):
    """Base of the stock errors."""


class InsufficientStock(InventoryError):
    """Some lines cannot be reserved; ``lines`` lists (product_id, requested, available)."""

    def __init__(self, lines: list[tuple[int, int, int]]):
        super().__init__(f"insufficient stock for products {[line[0] for line in lines]}")
        self.lines = lines

    @property
    def product_ids(self) -> list[int]:
        return [line[0] for line in self.lines]


@cache
def _record_shown_statement(column: str, always: bool):
    # Built once, as _available_quantities_query is. The database clock decides lapses, as on pages.
    available = Stock.on_hand - Stock.reserved + Stock.lapsed_reserved
    shown = case((available > LOW_STOCK, LOW_STOCK + 1), else_=available)  # shown_units() in SQL
    statement = update(Stock).where(getattr(Stock, column) == bindparam("row")).values(units_on_pages=shown)
    if not always:
        # Pages count the units of holds past their expiry as free from the moment they lapse, with
        # no commit, so a figure recorded before may be stale: a stock with such a hold always reports.
        statement = statement.where(Stock.units_on_pages.is_distinct_from(shown) | (Stock.lapsed_reserved > 0))
    return statement.execution_options(synchronize_session=False)


def _changed(*, always: bool = False, **where) -> None:
    """Record what pages show of the stock row a guarded UPDATE changed, named by one column
    (`id=` or `product_id=`), and report the row to the after-commit hooks if that moved.

    In the changing transaction, which holds the row's lock: commits racing for a row record one
    after the other, each against the figure the previous one left. `always`: report it anyway
    (the change closed or extended a hold past its expiry, whose units pages counted as free).
    """
    ((column, value),) = where.items()
    if db.session.execute(_record_shown_statement(column, always), {"row": value}).rowcount:
        after_commit.note_rows(db.session, Stock, **where)


def receive_stock(product, quantity: int) -> Stock:
    """Add *quantity* units on hand for *product*, creating its Stock row if missing."""
    if quantity <= 0:
        raise InventoryError("quantity must be positive")
    stock = db.session.scalar(select(Stock).where(Stock.product_id == product.id))
    if stock is None:
        stock = Stock(product_id=product.id, on_hand=0, reserved=0)
        db.session.add(stock)
        db.session.flush()
    db.session.execute(
        update(Stock)
        .where(Stock.id == stock.id)
        .values(on_hand=Stock.on_hand + quantity)
        .execution_options(synchronize_session=False)
    )
    _changed(id=stock.id)
    db.session.refresh(stock)
    return stock


def available_units():
    """Return the SQL expression of a Stock row's units a shopper can still buy (see available_quantities).

    For queries that read it beside other columns (the cart summary reads it with its products).
    The time that decides which holds have lapsed is the bound parameter ``now``, given when the
    query runs, so a query reading it can be built once (``available_now`` gives the value).
    """
    lapsed = (
        select(func.coalesce(func.sum(Reservation.quantity), 0))
        .where(
            Reservation.stock_id == Stock.id,
            Reservation.closed_at.is_(None),
            Reservation.expires_at <= bindparam("now"),
        )
        .correlate(Stock)
        .scalar_subquery()
    )
    return Stock.on_hand - Stock.reserved + lapsed


def available_now(now: datetime | None = None) -> dict:
    """Return the parameters of a query reading ``available_units()``."""
    return {"now": now or utcnow()}


@cache
def _available_quantities_query():
    # Built once: building this statement and its cache key cost more than running it on SQLite.
    return select(Stock.product_id, available_units()).where(
        Stock.product_id.in_(bindparam("product_ids", expanding=True))
    )


def available_quantities(product_ids, now: datetime | None = None) -> dict[int, int]:
    """Return {product_id: units a shopper can still buy}; products without stock are missing.

    That is on_hand - reserved, plus the units of open reservations already past their
    expiry: they are only waiting for ``release_expired`` and must not lock stock until then.
    """
    if not product_ids:
        return {}
    rows = db.session.execute(_available_quantities_query(), {"product_ids": list(product_ids), **available_now(now)})
    return {product_id: available for product_id, available in rows}


def has_lapsed_reservations(now: datetime | None = None) -> bool:
    """Say whether any open hold is past its expiry (one indexed look-up, cheap enough per request)."""
    return (
        db.session.scalar(
            select(Reservation.id)
            .where(Reservation.closed_at.is_(None), Reservation.expires_at <= (now or utcnow()))
            .limit(1)
        )
        is not None
    )


def lapsed_order_ids(now: datetime | None = None) -> list[int]:
    """Return the ids of orders holding an open reservation past its expiry, lowest first."""
    return db.session.scalars(
        select(Reservation.order_id)
        .where(Reservation.closed_at.is_(None), Reservation.expires_at <= (now or utcnow()))
        .group_by(Reservation.order_id)
        .order_by(Reservation.order_id)
    ).all()


def reserve_stock(order, *, minutes: int, now: datetime | None = None) -> datetime:
    """Hold every line of *order* for *minutes*; return when the hold expires.

    Lines are taken in stock-id order so two orders never wait on each other in a cycle.
    :raises InsufficientStock: naming every product short of stock; the caller rolls back.
    """
    now = now or utcnow()
    expires_at = now + timedelta(minutes=minutes)
    wanted = Counter()
    for line in order.lines:
        if line.product_id is not None:  # a visit (or a line whose product was deleted) holds no stock
            wanted[line.product_id] += line.quantity
    stocks = db.session.execute(
        select(Stock.id, Stock.product_id).where(Stock.product_id.in_(list(wanted))).order_by(Stock.id)
    ).all()
    stock_of = {product_id: stock_id for stock_id, product_id in stocks}
    short = [(pid, qty, 0) for pid, qty in wanted.items() if pid not in stock_of]
    for stock_id, product_id in stocks:
        quantity = wanted[product_id]
        result = db.session.execute(
            update(Stock)
            .where(Stock.id == stock_id, Stock.on_hand - Stock.reserved >= quantity)
            .values(reserved=Stock.reserved + quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 0:
            short.append((product_id, quantity, available_quantities([product_id], now).get(product_id, 0)))
            continue
        _changed(id=stock_id)
        db.session.add(Reservation(order_id=order.id, stock_id=stock_id, quantity=quantity, expires_at=expires_at))
    if short:
        raise InsufficientStock(sorted(short))
    db.session.flush()
    return expires_at


def open_reservations(order) -> list[Reservation]:
    return db.session.scalars(
        select(Reservation)
        .where(Reservation.order_id == order.id, Reservation.closed_at.is_(None))
        .order_by(Reservation.stock_id)
    ).all()


def reservation_expiry(order) -> datetime | None:
    """Return when the order's held stock is released, or None when nothing is held."""
    return db.session.scalar(
        select(Reservation.expires_at).where(Reservation.order_id == order.id).order_by(Reservation.id).limit(1)
    )


def _close(reservation: Reservation, now: datetime) -> bool:
    """Close a reservation once; False when someone else closed it first."""
    result = db.session.execute(
        update(Reservation)
        .where(Reservation.id == reservation.id, Reservation.closed_at.is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _settle(order, now: datetime, *, sold: bool) -> Counter:
    settled = Counter()
    for reservation in open_reservations(order):
        if not _close(reservation, now):
            continue
        values = {"reserved": Stock.reserved - reservation.quantity}
        if sold:
            values["on_hand"] = Stock.on_hand - reservation.quantity
        db.session.execute(
            update(Stock)
            .where(Stock.id == reservation.stock_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        _changed(id=reservation.stock_id, always=reservation.expires_at <= now)
        settled[reservation.stock_id] += reservation.quantity
    _expire_loaded_stock()
    return settled


def release_reservations(order, *, now: datetime | None = None) -> int:
    """Give the order's held units back to sale; return how many."""
    return _settle(order, now or utcnow(), sold=False).total()


def commit_sale(order, *, now: datetime | None = None) -> Counter:
    """Turn the order's held units into a sale: on_hand and reserved drop together.

    Return {stock_id: units} actually sold: less than the order when an expiry released
    some holds first, so the caller must not count the order as sold without checking.
    """
    return _settle(order, now or utcnow(), sold=True)


def units_by_stock(order) -> Counter:
    """Return {stock_id: units} the order's lines need."""
    wanted = Counter()
    for line in order.lines:
        if line.product_id is not None:
            wanted[line.product_id] += line.quantity
    stocks = db.session.execute(select(Stock.id, Stock.product_id).where(Stock.product_id.in_(list(wanted)))).all()
    return Counter({stock_id: wanted[product_id] for stock_id, product_id in stocks})


def sell_unreserved(quantities: Counter) -> bool:
    """Take units straight off the shelf for money that arrived after their hold lapsed.

    All or nothing: each stock is one guarded UPDATE (stock-id order); when one is short,
    the ones already taken are put back and False is returned.
    """
    taken = []
    for stock_id in sorted(quantities):
        quantity = quantities[stock_id]
        result = db.session.execute(
            update(Stock)
            .where(Stock.id == stock_id, Stock.on_hand - Stock.reserved >= quantity)
            .values(on_hand=Stock.on_hand - quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 0:
            _put_back(taken)
            return False
        _changed(id=stock_id)
        taken.append((stock_id, quantity))
    _expire_loaded_stock()
    return True


def _put_back(quantities) -> None:
    for stock_id, quantity in quantities:
        db.session.execute(
            update(Stock)
            .where(Stock.id == stock_id)
            .values(on_hand=Stock.on_hand + quantity)
            .execution_options(synchronize_session=False)
        )
        _changed(id=stock_id)
    _expire_loaded_stock()


def return_units(quantities: Counter) -> None:
    """Put sold units ({stock_id: units}) back on hand."""
    _put_back(sorted(quantities.items()))


def extend_reservations(order, *, until: datetime) -> bool:
    """Hold the order's still-open reservations until *until*; False when nothing is held any more."""
    result = db.session.execute(
        update(Reservation)
        .where(Reservation.order_id == order.id, Reservation.closed_at.is_(None))
        .values(expires_at=until)
        .execution_options(synchronize_session=False)
    )
    held = db.session.scalars(
        select(Reservation.stock_id).where(Reservation.order_id == order.id, Reservation.closed_at.is_(None))
    ).all()
    for stock_id in sorted(set(held)):
        _changed(id=stock_id, always=True)  # a hold that lapsed counted as free stock until now
    _expire_loaded_stock()
    return result.rowcount > 0


def return_sold_stock(order) -> None:
    """Put the units of a sold (paid or confirmed) order back on hand after a cancellation."""
    wanted = Counter()
    for line in order.lines:
        if line.product_id is not None:
            wanted[line.product_id] += line.quantity
    for product_id in sorted(wanted):
        db.session.execute(
            update(Stock)
            .where(Stock.product_id == product_id)
            .values(on_hand=Stock.on_hand + wanted[product_id])
            .execution_options(synchronize_session=False)
        )
        _changed(product_id=product_id)
    _expire_loaded_stock()


def _expire_loaded_stock() -> None:
    """Make loaded Stock and Reservation objects re-read what the SQL updates wrote."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, (Stock, Reservation)):
            db.session.expire(obj)


def release_expired(now: datetime | None = None) -> list[int]:
    """Release every open reservation past its expiry; return the ids of the orders touched.

    The caller decides what an order whose hold lapsed becomes (checkout marks it expired).
    """
    now = now or utcnow()
    expired = db.session.scalars(
        select(Reservation)
        .where(Reservation.closed_at.is_(None), Reservation.expires_at <= now)
        .order_by(Reservation.stock_id)
    ).all()
    orders = []
    for reservation in expired:
        if not _close(reservation, now):
            continue
        db.session.execute(
            update(Stock)
            .where(Stock.id == reservation.stock_id)
            .values(reserved=Stock.reserved - reservation.quantity)
            .execution_options(synchronize_session=False)
        )
        _changed(id=reservation.stock_id, always=True)  # its units were shown as free since it lapsed
        if reservation.order_id not in orders:
            orders.append(reservation.order_id)
    _expire_loaded_stock()
    return orders

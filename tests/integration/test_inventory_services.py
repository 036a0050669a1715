"""Stock: receiving, guarded reservations, expiry, sale and returns."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront.cart.services import summarize
from storefront.checkout.cancelling import cancel_order
from storefront.checkout.models import OrderStatus
from storefront.checkout.orders import expire_lapsed_orders
from storefront.columns import utcnow
from storefront.inventory.models import Reservation, Stock
from storefront.inventory.services import InsufficientStock, receive_stock, release_reservations
from tests.factories import make_product
from tests.factories_checkout import make_order


def stock_of(db, product):
    db.session.expire_all()
    stock = db.session.scalar(select(Stock).where(Stock.product_id == product.id))
    return stock.on_hand, stock.reserved


def test_receiving_stock_creates_the_row_when_missing_and_adds_after(db):
    product = make_product(on_hand=None)
    receive_stock(product, 40)
    receive_stock(product, 2)
    assert stock_of(db, product) == (42, 0)


def test_receiving_a_non_positive_quantity_is_refused(db):
    from storefront.inventory.services import InventoryError

    product = make_product(on_hand=1)
    with pytest.raises(InventoryError):
        receive_stock(product, 0)


def test_a_bank_transfer_order_holds_units_without_selling_them(db):
    product = make_product(on_hand=5)
    order = make_order([(product, 2)], payment="bank_transfer")
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert stock_of(db, product) == (5, 2)


def test_cash_on_delivery_is_confirmed_and_sold_at_once(db):
    product = make_product(on_hand=5)
    order = make_order([(product, 2)], payment="cod")
    assert order.status is OrderStatus.CONFIRMED
    assert stock_of(db, product) == (3, 0)
    assert db.session.scalar(select(Reservation.closed_at).where(Reservation.order_id == order.id)) is not None


def test_reserving_more_than_available_names_the_product_and_the_caller_rolls_back(db):
    scarce, plenty = make_product(on_hand=1), make_product(on_hand=10)
    db.session.commit()
    with pytest.raises(InsufficientStock) as caught:
        make_order([(plenty, 3), (scarce, 2)], payment="bank_transfer")
    db.session.rollback()
    assert caught.value.product_ids == [scarce.id]
    assert caught.value.lines == [(scarce.id, 2, 1)]
    assert stock_of(db, scarce) == (1, 0)
    assert stock_of(db, plenty) == (10, 0)


def test_a_product_without_stock_row_cannot_be_reserved(db):
    product = make_product(on_hand=None)
    with pytest.raises(InsufficientStock):
        make_order([(product, 1)], payment="bank_transfer")


def test_an_expired_reservation_returns_the_stock_and_expires_the_order(db):
    product = make_product(on_hand=3)
    order = make_order([(product, 3)], payment="bank_transfer")
    db.session.commit()
    assert expire_lapsed_orders(utcnow() + timedelta(days=2)) == 1
    assert order.status is OrderStatus.EXPIRED
    assert stock_of(db, product) == (3, 0)
    assert expire_lapsed_orders(utcnow() + timedelta(days=3)) == 0  # released once only


def test_a_reservation_is_not_released_before_it_expires(db):
    product = make_product(on_hand=3)
    make_order([(product, 1)], payment="bank_transfer")
    assert expire_lapsed_orders(utcnow() + timedelta(minutes=5)) == 0
    assert stock_of(db, product) == (3, 1)


def test_placing_an_order_first_frees_holds_that_lapsed(db):
    product = make_product(on_hand=1)
    long_ago = utcnow() - timedelta(days=3)
    stale = make_order([(product, 1)], payment="bank_transfer", now=long_ago)
    fresh = make_order([(product, 1)], payment="cod")
    assert (stale.status, fresh.status) == (OrderStatus.EXPIRED, OrderStatus.CONFIRMED)
    assert stock_of(db, product) == (0, 0)


def test_units_of_a_lapsed_hold_count_as_available_before_anything_releases_them(db):
    from storefront.inventory.services import available_quantities

    product, other = make_product(on_hand=5), make_product(on_hand=5)
    make_order([(product, 1), (other, 2)], payment="bank_transfer")
    make_order([(product, 3)], payment="bank_transfer", now=utcnow() - timedelta(days=3))
    assert stock_of(db, product) == (5, 4)  # nothing released yet
    assert available_quantities([product.id, other.id]) == {product.id: 4, other.id: 3}
    # The cart reads the same units (its query is built once; the time is bound at each read)
    contents = {product.id: (1, product.price_vnd), other.id: (1, other.price_vnd)}
    assert {item.product.id: item.available for item in summarize(contents).items} == {product.id: 4, other.id: 3}
    assert available_quantities([product.id], now=utcnow() - timedelta(days=4)) == {product.id: 1}


def test_the_stock_row_says_lapsed_holds_are_available_again(db):
    product = make_product(on_hand=5)
    make_order([(product, 1)], payment="bank_transfer")
    make_order([(product, 3)], payment="bank_transfer", now=utcnow() - timedelta(days=3))
    db.session.commit()
    db.session.expire_all()
    stock = db.session.scalar(select(Stock).where(Stock.product_id == product.id))
    assert (stock.reserved, stock.available) == (4, 4)


def test_commit_sale_says_what_it_sold_and_sells_nothing_after_a_release(db):
    from storefront.inventory.services import commit_sale

    product = make_product(on_hand=5)
    order = make_order([(product, 2)], payment="bank_transfer")
    release_reservations(order)
    assert commit_sale(order).total() == 0
    assert stock_of(db, product) == (5, 0)


def test_releasing_twice_gives_the_units_back_once(db):
    product = make_product(on_hand=4)
    order = make_order([(product, 3)], payment="bank_transfer")
    assert release_reservations(order) == 3
    assert release_reservations(order) == 0
    assert stock_of(db, product) == (4, 0)


def test_reserving_takes_lines_in_stock_order_and_records_one_reservation_per_stock(db):
    first, second = make_product(on_hand=5), make_product(on_hand=5)
    order = make_order([(second, 1), (first, 2)], payment="bank_transfer")
    reservations = db.session.scalars(
        select(Reservation).where(Reservation.order_id == order.id).order_by(Reservation.id)
    ).all()
    assert [r.stock_id for r in reservations] == sorted(r.stock_id for r in reservations)


def test_cancelling_a_confirmed_cod_order_puts_its_units_back_on_hand(db):
    product = make_product(on_hand=5)
    order = make_order([(product, 2)], payment="cod")
    cancel_order(order, reason="Khách đổi ý")
    assert order.status is OrderStatus.CANCELLED
    assert stock_of(db, product) == (5, 0)


def test_cancelling_an_unpaid_order_releases_its_hold(db):
    product = make_product(on_hand=5)
    order = make_order([(product, 2)], payment="bank_transfer")
    cancel_order(order)
    assert stock_of(db, product) == (5, 0)


def test_release_expired_command_expires_lapsed_orders(db, runner):
    product = make_product(on_hand=2)
    make_order([(product, 2)], payment="bank_transfer", now=utcnow() - timedelta(days=3))
    db.session.commit()
    result = runner.invoke(args=["checkout", "release-expired"])
    assert result.exit_code == 0, result.output
    assert "expired 1 order" in result.output
    assert stock_of(db, product) == (2, 0)

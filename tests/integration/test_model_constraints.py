"""The database itself refuses invalid rows, on SQLite and PostgreSQL alike."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from storefront.checkout.models import IllegalTransition, Order, OrderStatus, PaymentMethod
from storefront.inventory.models import Stock
from tests.factories import make_batch, make_certificate, make_producer, make_product, make_user


def assert_refused(db, statement, **params):
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(text(statement), params)


def test_negative_price_is_refused(db):
    product = make_product()
    assert_refused(db, "UPDATE products SET price_vnd = -1 WHERE id = :id", id=product.id)


@pytest.mark.parametrize("stars", [0, 6, -1])
def test_stars_outside_one_to_five_are_refused(db, stars):
    certificate = make_certificate()
    assert_refused(db, "UPDATE certificates SET stars = :s WHERE id = :id", s=stars, id=certificate.id)


def test_certificate_cannot_end_before_its_decision(db):
    certificate = make_certificate()
    assert_refused(db, "UPDATE certificates SET valid_until = :d WHERE id = :id", d=date(2000, 1, 1), id=certificate.id)


def test_product_slugs_are_unique(db):
    make_product(slug="che-tan-cuong")
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            make_product(slug="che-tan-cuong")


def test_gtins_are_unique(db):
    make_product(gtin="08938000000017")
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            make_product(gtin="08938000000017")


def test_gtin_must_have_fourteen_digits(db):
    product = make_product()
    assert_refused(db, "UPDATE products SET gtin = '123' WHERE id = :id", id=product.id)


def test_ocop_group_must_be_one_to_six(db):
    product = make_product()
    assert_refused(db, "UPDATE products SET ocop_group = 7 WHERE id = :id", id=product.id)


def test_a_lot_code_is_unique_per_product_but_not_across_products(db):
    product = make_product()
    make_batch(product=product, lot_code="TC2611-01")
    make_batch(product=make_product(), lot_code="TC2611-01")  # another product: fine
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            make_batch(product=product, lot_code="TC2611-01")


@pytest.mark.parametrize(
    ("on_hand", "reserved"),
    [(-1, 0), (5, -1), (5, 6)],
)
def test_stock_cannot_go_negative_or_reserve_more_than_on_hand(db, on_hand, reserved):
    product = make_product(on_hand=None)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(Stock(product_id=product.id, on_hand=on_hand, reserved=reserved))
            db.session.flush()


def test_an_order_total_must_add_up(db):
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(
                Order(
                    code="TN-AAAAAA",
                    contact_name="A",
                    phone="+84912345678",
                    province_code=19,
                    ward_code=5503,
                    street="x",
                    payment_method=PaymentMethod.COD,
                    subtotal_vnd=100,
                    delivery_fee_vnd=10,
                    total_vnd=50,
                )
            )
            db.session.flush()


ADDRESS = {"province_code": 19, "ward_code": 5503, "street": "Số 1 Hoàng Văn Thụ"}
NO_ADDRESS = {"province_code": None, "ward_code": None, "street": None}


@pytest.mark.parametrize(
    ("delivery_method", "address", "kept"),
    [
        ("none", NO_ADDRESS, True),  # visits only
        ("standard", ADDRESS, True),
        ("standard", NO_ADDRESS, False),  # goods with nowhere to go
        ("none", ADDRESS, False),  # an address for an order that ships nothing
        ("express", {**ADDRESS, "ward_code": None}, False),
        ("none", {**NO_ADDRESS, "street": "x"}, False),
    ],
)
def test_an_order_has_an_address_exactly_when_something_is_shipped(db, delivery_method, address, kept):
    order = Order(
        code="TN-BBBBBB",
        contact_name="A",
        phone="+84912345678",
        delivery_method=delivery_method,
        payment_method="bank_transfer",
        subtotal_vnd=100,
        total_vnd=100,
        **address,
    )
    if kept:
        with db.session.begin_nested():
            db.session.add(order)
            db.session.flush()
        assert order.id is not None
        return
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(order)
            db.session.flush()


def test_unknown_enum_values_are_refused_before_reaching_the_database(db):
    user = make_user()
    with pytest.raises((StatementError, IntegrityError, LookupError)):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE users SET role = 'admin' WHERE id = :id"), {"id": user.id})
            db.session.flush()


def test_foreign_keys_are_enforced(db):
    assert_refused(db, "INSERT INTO stocks (product_id, on_hand, reserved) VALUES (999999, 1, 0)")


def test_emails_are_unique(db):
    make_user(email="a@example.vn")
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            make_user(email="a@example.vn")


def test_order_status_moves_only_along_the_transition_table():
    order = Order(status=OrderStatus.PENDING_PAYMENT)
    order.move_to(OrderStatus.PAID)
    order.move_to(OrderStatus.PACKED)
    with pytest.raises(IllegalTransition):
        order.move_to(OrderStatus.PENDING_PAYMENT)
    with pytest.raises(IllegalTransition):
        Order(status=OrderStatus.CANCELLED).move_to(OrderStatus.PAID)


def test_datetimes_come_back_aware_in_utc(db):
    user = make_user()
    db.session.commit()
    db.session.expire_all()
    assert user.created_at.tzinfo is not None
    assert user.created_at.utcoffset().total_seconds() == 0


def test_producer_owner_is_one_to_one(db):
    owner = make_user()
    make_producer(owner=owner)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            make_producer(owner=owner)

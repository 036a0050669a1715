"""What the checkout asks the database: one cart summary query per step, no per-line round trips."""

import re

import pytest
from sqlalchemy import event, select

from storefront.cart.services import summarize
from storefront.catalog.models import ProducerStatus
from storefront.checkout.models import Order, OrderStatus
from storefront.extensions import db as _db
from tests.factories import make_producer, make_product
from tests.factories_checkout import add_to_cart, fill_checkout, place


@pytest.fixture
def cart_of_three(db):
    """Three products from two producers, committed."""
    one, two = make_producer(), make_producer()
    products = [make_product(producer=one), make_product(producer=one), make_product(producer=two)]
    db.session.commit()
    return products


def test_the_cart_summary_is_one_query_with_prices_producers_and_stock(db, cart_of_three, count_queries):
    contents = {p.id: (2, p.price_vnd) for p in cart_of_three}
    db.session.expire_all()
    with count_queries() as statements:
        summary = summarize(contents)
        assert [len(items) for _producer, items in summary.groups] == [2, 1]
        assert [item.available for item in summary.items] == [10, 10, 10]
        assert summary.can_check_out
        assert summary.groups[0][0].name  # the producer came with the products
    assert statements() == 1
    db.session.expire_all()
    with count_queries() as statements:
        summary = summarize(contents, images=True)
        assert [list(item.product.images) for item in summary.items] == [[], [], []]
    assert statements() == 2  # the cart page's thumbnails: one more query for all the photos


def test_the_summary_flags_a_product_no_longer_on_sale_without_asking_again(db, cart_of_three, count_queries):
    hidden, suspended, fine = cart_of_three[0], cart_of_three[2], cart_of_three[1]
    hidden.is_hidden = True
    suspended.producer.status = ProducerStatus.SUSPENDED
    db.session.commit()
    contents = {p.id: (1, p.price_vnd) for p in cart_of_three}
    with count_queries() as statements:
        on_sale = {item.product.id: item.is_on_sale for item in summarize(contents).items}
    assert on_sale == {hidden.id: False, fine.id: True, suspended.id: False}
    assert statements() == 1


def test_each_checkout_step_reads_the_cart_once_and_placing_adds_no_per_line_round_trips(
    client, db, cart_of_three, count_queries
):
    for product in cart_of_three:
        add_to_cart(client, product)
    client.post("/checkout", data={})  # nothing typed yet: the form comes back
    with count_queries() as statements:
        reviewed = fill_checkout(client)  # contact, options and review steps
    assert statements() == 3
    with count_queries() as statements:
        response = place(client, reviewed)
    assert response.status_code == 302 and "/orders/" in response.headers["Location"]
    # Three lines, two fulfilments; the statements do not grow by line beyond the stock updates.
    placed = statements()
    add_to_cart(client, cart_of_three[0])
    reviewed = fill_checkout(client)
    with count_queries() as statements:
        place(client, reviewed)
    one_line = statements()
    # Per extra line: its batch, stock hold, reservation, sale and stock update, and after the hold and
    # the sale the figure pages show recorded on the stock row (inventory.services._changed); plus one fulfilment.
    assert placed - one_line <= 2 * 8 + 1
    # The order and its lines, fulfilment and payment are written in one flush after the prices are read
    # (a lazy load in between once flushed a half-built order, then loaded and updated its lines one by one).
    # The last statement moves catalogue_versions on after the commit (10 were left: the product page's
    # "Chỉ còn 10" became "Chỉ còn 9"; catalog/indexing.py).
    assert one_line <= 21


def test_the_bench_flow_counter_walks_a_cod_order_and_times_each_step(capsys):
    import json

    from bench import checkout_queries

    assert checkout_queries.main(["--flows", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reached"].startswith("/orders/") and report["requests"] == 10
    assert report["statements"] == sum(step["statements"] for step in report["steps"])
    assert len(report["cpu_ms_per_step"]) == len(report["steps"]) == 6
    assert "/orders/<number>" in report["cpu_ms_per_step"] and report["cpu_ms_per_flow"] > 0


@pytest.fixture
def statements_of(app):
    """Record the SQL text of each statement run inside the block: `with statements_of() as seen: …`."""
    from contextlib import contextmanager

    @contextmanager
    def recorder():
        seen = []

        def before(conn, cursor, statement, parameters, context, executemany):
            seen.append(" ".join(statement.split()))

        event.listen(_db.engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            event.remove(_db.engine, "before_cursor_execute", before)

    return recorder


def test_adding_to_the_cart_reads_the_product_and_its_available_units_in_one_statement(
    client, db, cart_of_three, statements_of
):
    tea = cart_of_three[0]
    form = {"product_id": str(tea.id), "quantity": "2"}
    with statements_of() as seen:
        response = client.post("/cart/add", data=form)
    assert response.status_code == 302
    assert len([s for s in seen if s.startswith("SELECT")]) == 1, seen
    # The same one statement still refuses more than the available units, counting a lapsed hold's
    # units as free, and a product no longer on sale.
    response = client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "9"})
    assert f"Chỉ còn 10 sản phẩm {tea.name}." in client.get(response.headers["Location"]).get_data(as_text=True)
    tea.is_hidden = True
    db.session.commit()
    response = client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "1"})
    assert "Sản phẩm này không có hoặc đã ngừng bán." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_placing_a_cod_order_reads_its_key_once_and_nothing_after_the_commit(client, db, cart_of_three, statements_of):

    add_to_cart(client, cart_of_three[0])
    reviewed = fill_checkout(client)
    with statements_of() as seen:
        response = place(client, reviewed)
    assert response.status_code == 302
    order_reads = [s for s in seen if s.startswith("SELECT") and re.search(r"\bFROM orders\b", s)]
    # The idempotency key (once: the view looks, place_order trusts it) and the new code's uniqueness;
    # the order is not read back after the commit to build the redirect.
    assert len(order_reads) == 2, order_reads
    assert not re.search(r"\bFROM orders\b", seen[-1]) and "idempotency_key" in order_reads[0]
    code = response.headers["Location"].rsplit("/", 1)[1]
    assert code in _session_orders(client)  # the guest may open the order's page
    with statements_of() as seen:
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert code in page and "Hàng được giữ cho bạn đến" not in page
    # A confirmed COD order shows no hold deadline and no payment box: neither is read.
    assert not [s for s in seen if "FROM reservations" in s or "FROM payments" in s], seen


def test_an_unpaid_order_page_still_shows_until_when_the_units_are_held(client, db, cart_of_three):

    add_to_cart(client, cart_of_three[0])
    response = place(client, fill_checkout(client, payment="bank_transfer"))
    order = db.session.scalar(select(Order))
    assert order.status is OrderStatus.PENDING_PAYMENT
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hàng được giữ cho bạn đến" in page


def _session_orders(client) -> list:
    from storefront.checkout.views.common import ORDERS_KEY

    with client.session_transaction() as session:
        return session.get(ORDERS_KEY, [])

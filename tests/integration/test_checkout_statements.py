"""What the checkout asks the database: one cart summary query per step, no per-line round trips."""

import pytest

from storefront.cart.services import summarize
from storefront.catalog.models import ProducerStatus
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
    assert one_line <= 23


def test_the_bench_flow_counter_walks_a_cod_order_and_times_each_step(capsys):
    import json

    from bench import checkout_queries

    assert checkout_queries.main(["--flows", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reached"].startswith("/orders/") and report["requests"] == 10
    assert report["statements"] == sum(step["statements"] for step in report["steps"])
    assert len(report["cpu_ms_per_step"]) == len(report["steps"]) == 6
    assert "/orders/<number>" in report["cpu_ms_per_step"] and report["cpu_ms_per_flow"] > 0

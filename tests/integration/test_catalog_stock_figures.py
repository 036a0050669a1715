"""Cached pages give way to a stock change only when the figure they show changes (issue 21).

Pages show "Còn hàng" above LOW_STOCK units, "Chỉ còn N" up to it and "Hết hàng" at none
(inventory.models.shown_units). A sale that leaves more than LOW_STOCK units changes no page, so it
must not empty any worker's page cache nor move catalogue_versions; one that changes the figure
reaches every worker at its next version check. Two apps on one database play two workers, each
with its own caches; both check catalogue_versions on every request.
"""

import re
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from storefront import create_app
from storefront.catalog.indexing import page_cache
from storefront.catalog.models import CatalogueVersion
from storefront.checkout.orders import sell_for_payment
from storefront.columns import utcnow
from storefront.extensions import db as _db
from storefront.inventory.models import LOW_STOCK, Reservation, shown_units
from storefront.inventory.services import receive_stock, sell_unreserved
from tests.conftest import CSRFClient, _config_for
from tests.factories_checkout import add_to_cart, fill_checkout, follow, make_order, place
from tests.integration.test_catalog_page_cache import anonymous_get, without_tokens
from tests.integration.test_catalog_pages import catalogue  # noqa: F401 (fixture)

TEA = "/products/che-tan-cuong-dac-biet"
IN_STOCK = "/products?in_stock=1"
ADD_FORM = 'action="/cart/add"'


@pytest.fixture
def other_worker(_schema, tmp_path, app):
    """A second worker: its own app, caches and engine, on the same database."""
    app.config["CATALOG_VERSION_CHECK_SECONDS"] = 0
    other = create_app(_config_for(_schema, tmp_path / "other", CATALOG_VERSION_CHECK_SECONDS=0))
    other.test_client_class = CSRFClient
    yield other
    with other.app_context():  # its own engine: close its connections before the tables are emptied
        _db.engine.dispose()


@contextmanager
def statements_of(worker):
    """Count the SQL statements `worker` runs inside the block."""
    with worker.app_context():
        engine = _db.engine
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _version(db) -> int | None:
    return db.session.scalar(select(CatalogueVersion.version).where(CatalogueVersion.id == 1))


def buy(client, product, quantity: int) -> None:
    """Place a cash-on-delivery order through the shop's forms (units leave the shelf at once)."""
    add_to_cart(client, product, quantity)
    response = place(client, fill_checkout(client))
    assert response.status_code == 302 and "/orders/" in response.headers["Location"]


def stock_line(page: str) -> str:
    return re.search(r'<p class="stock"[^>]*>\s*(.*?)\s*</p>', page, re.S).group(1)


@pytest.mark.parametrize(
    ("available", "shown"), [(0, 0), (1, 1), (LOW_STOCK, LOW_STOCK), (LOW_STOCK + 1, LOW_STOCK + 1), (500, 11)]
)
def test_pages_show_the_units_left_up_to_low_stock_and_one_figure_for_any_more(available, shown):
    assert shown_units(available) == shown


def test_a_sale_leaving_plenty_keeps_every_workers_pages_and_a_changed_figure_reaches_them(app, db, client, catalogue,
                                                                                        other_worker):  # fmt: skip
    tea = catalogue["tea"]
    receive_stock(tea, 4)  # 14 on the shelf
    db.session.commit()
    first = anonymous_get(other_worker, TEA).get_data(as_text=True)
    assert stock_line(first) == "Còn hàng"
    assert "data-available" not in first and 'max="' not in first  # no exact figure above LOW_STOCK
    assert tea.name_vi in anonymous_get(other_worker, IN_STOCK).get_data(as_text=True)
    anonymous_get(app, TEA)  # this worker's own cached copy
    version, generation = _version(db), page_cache().generation

    buy(client, tea, 1)  # 13 left: every page reads the same
    assert _version(db) == version  # no other worker is told to empty its caches
    assert page_cache().generation == generation  # nor does this one empty its own
    with statements_of(other_worker) as n:
        again = anonymous_get(other_worker, TEA)
    assert n() == 1  # the version check alone: served from the cache
    assert without_tokens(again.data) == without_tokens(first.encode())

    buy(client, tea, 3)  # 10 left: "Chỉ còn 10"
    assert _version(db) > version
    page = anonymous_get(other_worker, TEA).get_data(as_text=True)
    assert stock_line(page) == "Chỉ còn 10" and 'data-available="10"' in page and 'max="10"' in page
    buy(client, tea, 1)  # any change while few are left shows
    assert stock_line(anonymous_get(other_worker, TEA).get_data(as_text=True)) == "Chỉ còn 9"

    buy(client, tea, 9)  # none left
    page = anonymous_get(other_worker, TEA).get_data(as_text=True)
    assert stock_line(page) == "Hết hàng" and ADD_FORM not in page
    assert tea.name_vi not in anonymous_get(other_worker, IN_STOCK).get_data(as_text=True)

    receive_stock(tea, 5)  # back on sale
    db.session.commit()
    page = anonymous_get(other_worker, TEA).get_data(as_text=True)
    assert stock_line(page) == "Chỉ còn 5" and ADD_FORM in page
    assert tea.name_vi in anonymous_get(other_worker, IN_STOCK).get_data(as_text=True)


def test_adding_to_the_cart_changes_no_page(app, db, client, catalogue, other_worker):
    tea = catalogue["tea"]
    anonymous_get(other_worker, TEA)
    version = _version(db)
    add_to_cart(client, tea, 2)
    assert _version(db) == version
    with statements_of(other_worker) as n:
        anonymous_get(other_worker, TEA)
    assert n() == 1


def nine_held_then_lapsed(db, tea, other_worker):
    """Hold 3 of 12 units for an unpaid bank transfer ("Chỉ còn 9"), then let the clock pass the hold's
    expiry (no commit, no hook): pages count its units as free again. Return the order."""
    receive_stock(tea, 2)  # 12
    order = make_order([(tea, 3)], payment="bank_transfer")
    db.session.commit()
    assert stock_line(anonymous_get(other_worker, TEA).get_data(as_text=True)) == "Chỉ còn 9"
    with db.engine.begin() as connection:
        connection.execute(
            update(Reservation)
            .where(Reservation.stock_id == tea.stock.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert stock_line(anonymous_get(other_worker, TEA).get_data(as_text=True)) == "Còn hàng"
    return order


def test_units_of_a_lapsed_hold_sold_when_the_payment_comes_leave_the_pages(app, db, catalogue, other_worker):
    tea = catalogue["tea"]
    order = nine_held_then_lapsed(db, tea, other_worker)
    assert sell_for_payment(order, utcnow())  # the money arrives before the hold is released
    db.session.commit()
    assert stock_line(anonymous_get(other_worker, TEA).get_data(as_text=True)) == "Chỉ còn 9"


def test_a_change_beside_a_lapsed_hold_shows_even_when_it_lands_on_the_figure_recorded_before(app, db, catalogue,
                                                                                              other_worker):  # fmt: skip
    # Checkout releases lapsed holds before it reserves; this is the rule for whatever does not.
    tea = catalogue["tea"]
    nine_held_then_lapsed(db, tea, other_worker)
    assert sell_unreserved(Counter({tea.stock.id: 3}))  # 9 free: the figure recorded before the lapse
    db.session.commit()
    assert stock_line(anonymous_get(other_worker, TEA).get_data(as_text=True)) == "Chỉ còn 9"


def test_a_stock_set_through_the_orm_forgets_its_recorded_figure(app, db, catalogue, other_worker):
    tea = catalogue["tea"]
    receive_stock(tea, 3)  # 13: "Còn hàng" recorded
    db.session.commit()
    tea.stock.on_hand = 5  # a count typed in by hand (the ORM: the hook on Stock rows empties the caches)
    db.session.commit()
    assert stock_line(anonymous_get(other_worker, TEA).get_data(as_text=True)) == "Chỉ còn 5"
    receive_stock(tea, 10)  # 15: the figure recorded before the hand-typed count
    db.session.commit()
    assert stock_line(anonymous_get(other_worker, TEA).get_data(as_text=True)) == "Còn hàng"


def test_more_than_the_shelf_holds_is_refused_in_vietnamese_though_the_page_gives_no_maximum(app, db, client,
                                                                                             catalogue):  # fmt: skip
    tea = catalogue["tea"]
    receive_stock(tea, 3)  # 13
    db.session.commit()
    page = client.get(TEA).get_data(as_text=True)
    assert 'max="' not in page and "13" not in stock_line(page)
    response = client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "14"})
    assert "Chỉ còn 13 sản phẩm Chè Tân Cương đặc biệt." in follow(client, response)
    with client.session_transaction() as session:
        assert "cart" not in session or str(tea.id) not in session["cart"]

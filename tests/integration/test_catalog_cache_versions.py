"""Cached catalogue pages give way to changes committed by any worker (catalogue_versions), to holds
that lapse and to a new day; pages stored together do not all expire in the same instant.

Workers are processes with their own caches; here one process plays both: another worker's commit
is a change made by hand in SQL (no hook here) followed by the number it moves on.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from storefront import versions
from storefront.catalog import indexing
from storefront.catalog.indexing import ListingCache
from storefront.catalog.models import CatalogueVersion
from storefront.columns import utcnow
from storefront.inventory.models import Reservation
from tests.factories_checkout import make_order
from tests.integration.test_catalog_page_cache import anonymous_get
from tests.integration.test_catalog_pages import catalogue  # noqa: F401 (fixture)

TEA = "/products/che-tan-cuong-dac-biet"


@pytest.fixture
def checked_every_request(app):
    app.config["CATALOG_VERSION_CHECK_SECONDS"] = 0


def _by_another_worker(db, sql: str, **params) -> None:
    """What another worker's commit leaves behind: the changed rows, then catalogue_versions moved on."""
    with db.engine.begin() as connection:  # SQL by hand: no session, no hook in this process
        connection.execute(text(sql), params)
    versions.bump(db.engine, CatalogueVersion.__table__)


def _version(db) -> int | None:
    return db.session.scalar(select(CatalogueVersion.version).where(CatalogueVersion.id == 1))


@pytest.mark.parametrize(
    ("sql", "url", "before", "after"),
    [
        ("UPDATE products SET price_vnd = 390000 WHERE slug = 'che-tan-cuong-dac-biet'", TEA, "450.000", "390.000"),
        ("UPDATE stocks SET on_hand = 3 WHERE product_id = (SELECT id FROM products WHERE slug = 'ruou-ngo-men-la')",
         "/products/ruou-ngo-men-la", "Hết hàng", "Chỉ còn 3"),
        ("UPDATE producers SET name = 'HTX Chè Tân Cương' WHERE slug = 'htx-che-hao-dat'", "/producers/htx-che-hao-dat",
         "HTX Chè Hảo Đạt", "HTX Chè Tân Cương"),
    ],
    ids=["price", "stock", "producer"],
)  # fmt: skip
def test_another_workers_commit_shows_at_the_next_version_check(app, db, catalogue, checked_every_request, sql, url,
                                                               before, after):  # fmt: skip
    assert before in anonymous_get(app, url).get_data(as_text=True)
    with db.engine.begin() as connection:
        connection.execute(text(sql))
    assert before in anonymous_get(app, url).get_data(as_text=True)  # the control: nothing told this worker yet
    versions.bump(db.engine, CatalogueVersion.__table__)
    page = anonymous_get(app, url).get_data(as_text=True)
    assert before not in page and after in page


def test_a_hidden_product_page_answers_404_once_another_worker_hid_it(app, db, catalogue, checked_every_request):
    assert anonymous_get(app, TEA).status_code == 200
    _by_another_worker(db, "UPDATE products SET is_hidden = true WHERE id = :id", id=catalogue["tea"].id)
    assert anonymous_get(app, TEA).status_code == 404


def test_a_catalogue_commit_moves_the_version_on(db, catalogue):
    version = _version(db) or 0
    catalogue["tea"].price_vnd = 390_000
    db.session.commit()
    assert _version(db) == version + 1


def test_a_hold_that_lapses_frees_its_units_on_the_cached_product_page(app, db, catalogue, checked_every_request):
    noodle = catalogue["noodle"]
    assert noodle.stock.on_hand == 10
    make_order([(noodle, 10)], payment="bank_transfer")  # every unit held, for a day
    db.session.commit()
    url = f"/products/{noodle.slug}"
    assert "Hết hàng" in anonymous_get(app, url).get_data(as_text=True)
    with db.engine.begin() as connection:  # the clock passes the hold's expiry: no commit, no hook
        connection.execute(
            update(Reservation)
            .where(Reservation.stock_id == noodle.stock.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    page = anonymous_get(app, url).get_data(as_text=True)
    assert "Hết hàng" not in page and "Chỉ còn 10" in page


def test_a_new_day_empties_the_cache(app, catalogue, checked_every_request, count_queries, monkeypatch):
    anonymous_get(app, TEA)
    with count_queries() as n:
        anonymous_get(app, TEA)
    assert n() == 1  # the version check alone
    tomorrow = indexing.today_vn() + timedelta(days=1)
    monkeypatch.setattr(indexing, "today_vn", lambda: tomorrow)
    with count_queries() as n:
        anonymous_get(app, TEA)
    assert n() > 1  # rendered again: stars and dates are shown as of the day


def test_between_checks_a_cached_page_runs_no_sql_even_after_another_workers_commit(app, db, catalogue,
                                                                                    count_queries):  # fmt: skip
    assert "450.000" in anonymous_get(app, TEA).get_data(as_text=True)
    _by_another_worker(db, "UPDATE products SET price_vnd = 390000 WHERE id = :id", id=catalogue["tea"].id)
    with count_queries() as n:
        assert "450.000" in anonymous_get(app, TEA).get_data(as_text=True)
    assert n() == 0


def test_values_stored_in_one_burst_expire_spread_out_within_the_lifetime(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(indexing.time, "monotonic", lambda: clock[0])
    cache = ListingCache(300, max_entries=1000)
    for key in range(200):
        cache.set(key, "page")

    def alive(at: float) -> int:
        clock[0] = 1000.0 + at
        return sum(cache.get(key) is not None for key in range(200))

    assert alive(0.8 * 300 - 0.01) == 200  # none before 80 % of the lifetime
    assert 0 < alive(0.9 * 300) < 200  # some gone, some still there: not all in one instant
    assert alive(300) == 0  # none past the lifetime

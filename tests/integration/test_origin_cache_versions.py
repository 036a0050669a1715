"""Cached origin descriptions give way to changes committed by any worker (origin_versions, cache.py).

Workers are processes with their own caches; here one process plays both: after a change, the
test puts the old description back into the cache, as another worker would still hold it.
"""

import logging

import pytest
from sqlalchemy import select, text

from storefront.catalog.models import Product
from storefront.clock import today_vn
from tests.factories_traceability import make_traced_batch
from traceability.models import OriginVersion
from traceability.origin import cache, facts, page
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path


@pytest.fixture(autouse=True, params=["immediate", "buffered"])
def write_mode(request, app_config):
    # buffered: the scan fast path answers when it can (fast_path.py); immediate: Flask always.
    app_config.update(SCAN_WRITE_MODE=request.param, SCAN_FLUSH_SECONDS=3600)
    return request.param


@pytest.fixture
def traced(db, write_mode):
    batch = make_traced_batch(lot_code="L2026-11")
    issue, _ = issue_stamps(batch, count=1, actor=None)
    db.session.commit()
    return batch, issue_stamps_list(issue)[0]


def _version(db) -> int | None:
    db.session.expire_all()
    return db.session.scalar(select(OriginVersion.version).where(OriginVersion.id == 1))


def _key(batch):
    return page.origin_cache_key(batch.id, "vi", today_vn(), True)


def _rename(db, batch, name):
    product = db.session.get(Product, batch.product_id)
    product.name_vi = name
    db.session.commit()


def test_another_workers_cached_description_gives_way_at_its_next_scan(app, client, db, traced, write_mode):
    batch, stamp = traced
    path = origin_path(stamp.batch, stamp)
    _rename(db, batch, "Chè Tân Cương móc câu")
    assert "Chè Tân Cương móc câu" in client.get(path).get_data(as_text=True)
    held = cache.get(_key(batch))  # the description another worker has cached
    version = _version(db)

    _rename(db, batch, "Chè Tân Cương đinh")  # committed by this worker
    assert _version(db) == version + 1
    cache.put(_key(batch), held, 600)  # ... while the other worker still holds the old description

    page = client.get(path).get_data(as_text=True)
    assert "Chè Tân Cương đinh" in page and "móc câu" not in page
    fast_path = app.extensions["scan_fast_path"]
    served = fast_path.served
    page = client.get(path).get_data(as_text=True)  # from the rebuilt description
    assert "Chè Tân Cương đinh" in page and "Đã quét 3 lần" in page
    assert fast_path.served == served + (1 if write_mode == "buffered" else 0)


def test_a_change_made_outside_the_app_waits_for_the_cache_to_expire(client, db, traced):
    """The control: without the number moving, the held description is served (ORIGIN_CACHE_SECONDS bounds it)."""
    batch, stamp = traced
    path = origin_path(stamp.batch, stamp)
    _rename(db, batch, "Chè Tân Cương móc câu")
    client.get(path)
    held = cache.get(_key(batch))
    with db.engine.begin() as connection:  # SQL by hand: no session, no hook
        connection.execute(text("UPDATE products SET name_vi = 'Chè đinh' WHERE id = :id"), {"id": batch.product_id})
    cache.put(_key(batch), held, 600)
    assert "Chè Tân Cương móc câu" in client.get(path).get_data(as_text=True)
    cache.put(_key(batch), held, -1)  # expired
    assert "Chè đinh" in client.get(path).get_data(as_text=True)


def test_only_committed_changes_to_what_origin_pages_show_move_the_number(db, traced):
    batch, _stamp = traced
    version = _version(db)
    product = db.session.get(Product, batch.product_id)
    product.name_vi = "Chè xanh"
    db.session.flush()
    db.session.rollback()
    assert _version(db) == version  # rolled back: nothing changed
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    assert _version(db) == version  # a commit without such a change
    batch.recall_reason = "nấm mốc"  # a batch is watched
    db.session.commit()
    assert _version(db) == version + 1


def test_savepoints_move_the_number_only_when_their_transaction_commits(db, traced):
    batch, _stamp = traced
    version = _version(db)
    product = db.session.get(Product, batch.product_id)
    product.name_vi = "Chè xanh"
    db.session.flush()  # a change of the outer transaction
    with db.session.begin_nested():
        batch.recall_reason = "kiểm tra"
    assert _version(db) == version  # the released savepoint moved nothing yet
    savepoint = db.session.begin_nested()
    db.session.execute(text("SELECT 1"))
    savepoint.rollback()  # a savepoint rolled back: the outer change still stands
    db.session.commit()
    assert _version(db) == version + 1


def test_a_number_that_cannot_move_never_fails_the_committed_change(db, traced, monkeypatch, caplog):
    batch, _stamp = traced

    def refuse(_engine):
        raise RuntimeError("database gone")

    monkeypatch.setattr(cache, "bump_version", refuse)
    product = db.session.get(Product, batch.product_id)
    product.name_vi = "Chè búp"
    with caplog.at_level(logging.WARNING, logger="traceability.origin.cache"):
        db.session.commit()
    assert "could not move origin_versions on" in caplog.text
    db.session.expire_all()
    assert db.session.get(Product, batch.product_id).name_vi == "Chè búp"


def test_the_number_row_is_made_when_missing(db, traced):
    """The tests' schema comes from the models (no migration inserts the row): the first change makes it."""
    batch, _stamp = traced
    db.session.execute(text("DELETE FROM origin_versions"))
    db.session.commit()
    assert _version(db) is None
    assert facts.find_origin(gtin=batch.product.gtin, lot=batch.lot_code).origin_version is None
    batch.recall_reason = "x"
    db.session.commit()
    assert _version(db) == 1
    assert facts.find_origin(gtin=batch.product.gtin, lot=batch.lot_code).origin_version == 1

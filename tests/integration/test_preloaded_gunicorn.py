"""The shipped gunicorn settings (deploy/gunicorn.conf.py: the app built in the master, workers forked
from it) serve pages, record scans and take orders: a real gunicorn with two workers on loopback,
production settings, Redis for the limits, on the test database."""

import os
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.checkout_client import Shopper
from storefront.checkout.models import Order
from storefront.inventory.models import Stock
from tests.factories import make_product
from tests.factories_traceability import make_traced_batch
from tests.gunicorn_server import preloaded_gunicorn
from tests.gunicorn_server import workers as workers_of
from traceability.models import Scan
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def gunicorn(_schema, db, tmp_path):
    with preloaded_gunicorn(_schema, tmp_path, REDIS_URL=REDIS_URL, SCAN_FLUSH_SECONDS="0.2") as served:
        yield served


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def test_a_preloaded_gunicorn_serves_pages_records_scans_and_places_an_order(gunicorn, db):
    product = make_product(name_vi="Chè Tân Cương đặc biệt", on_hand=10, price_vnd=120_000)
    batch = make_traced_batch(lot_code="L2026-12")
    issue, _ = issue_stamps(batch, count=3, actor=None)
    db.session.commit()
    paths = [origin_path(batch, stamp) for stamp in issue_stamps_list(issue)]
    process, base, log = gunicorn
    workers = workers_of(process.pid)

    # The app was built in the master (its template engine's C speedups are loaded there), not in each worker.
    assert "markupsafe/_speedups" in Path(f"/proc/{process.pid}/maps").read_text()

    status, page = _get(f"{base}/products/{product.slug}")
    assert status == 200 and "Chè Tân Cương đặc biệt" in page and "120.000" in page
    for _round in range(4):  # several connections: both workers answer scans
        for path in paths:
            status, page = _get(base + path)
            assert status == 200 and "L2026-12" in page

    # Each worker's scan writer (a thread started in the worker, not the master) writes its scans.
    deadline = time.monotonic() + 30
    while db.session.scalar(select(func.count()).select_from(Scan)) < 12 and time.monotonic() < deadline:
        db.session.rollback()
        time.sleep(0.2)
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 12

    shopper = Shopper(base)
    order_url = shopper.buy(product.slug, "0912345678")
    shopper.close()
    assert "/order" in order_url
    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    assert order.total_vnd >= 120_000
    stock = db.session.scalars(select(Stock).where(Stock.product_id == product.id)).one()
    assert stock.on_hand - stock.reserved == 9  # one unit taken by the order

    assert sorted(workers_of(process.pid)) == sorted(workers)  # no worker died and was replaced
    assert "Traceback" not in log.read_text()

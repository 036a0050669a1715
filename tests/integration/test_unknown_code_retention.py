"""Walk-up look-ups of unregistered codes: one row per code, device and day, purged after the retention."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories_traceability import CAMERA_SCAN, CROSS_SITE_LOADS, GTIN, make_traced_batch
from traceability.models import UnknownCodeScan
from traceability.scans.unknown import purge_unknown_scans, record_unknown_scan, unknown_code_summaries

CODE = f"/origin/01/{GTIN}/10/KL8G"  # the walk-up page (the /01/ URI redirects here)


@pytest.fixture
def product(db):
    batch = make_traced_batch()
    db.session.commit()
    return batch.product


def _rows(db) -> int:
    return db.session.scalar(select(func.count()).select_from(UnknownCodeScan))


def test_one_device_reloading_one_code_all_day_is_one_row_with_its_look_ups(db, product):
    morning = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
    for minutes in range(0, 120, 10):
        record_unknown_scan(product, CODE, device="a" * 32, now=morning + timedelta(minutes=minutes))
    record_unknown_scan(product, CODE, device="b" * 32, now=morning)  # another phone
    record_unknown_scan(product, CODE, device="a" * 32, now=morning + timedelta(days=1))  # the next day
    record_unknown_scan(product, CODE + "X", device="a" * 32, now=morning)  # another code
    db.session.commit()
    assert _rows(db) == 4
    (summary,) = [s for s in unknown_code_summaries() if s.scanned_code == CODE]
    assert summary.count == 12 + 1 + 1  # every look-up still counts for the producer and the office
    assert summary.first_at == morning and summary.last_at == morning + timedelta(days=1)


def test_the_day_is_vietnams_not_utcs(db, product):
    # 23:30 and 00:30 in Vietnam are two days, though both are 7 December in UTC.
    record_unknown_scan(product, CODE, device="a" * 32, now=datetime(2026, 12, 7, 16, 30, tzinfo=UTC))
    record_unknown_scan(product, CODE, device="a" * 32, now=datetime(2026, 12, 7, 17, 30, tzinfo=UTC))
    db.session.commit()
    assert _rows(db) == 2


def test_a_walk_up_page_viewed_twice_by_one_browser_keeps_one_row(client, db, product):
    headers = {"User-Agent": "Zalo/24 (Android)", "Accept-Language": "vi"}
    assert client.get(CODE, headers=headers).status_code == 200
    assert client.get(CODE, headers=headers).status_code == 200
    assert client.get(CODE, headers={**headers, "User-Agent": "Safari/17"}).status_code == 200
    rows = db.session.scalars(select(UnknownCodeScan).order_by(UnknownCodeScan.look_ups.desc())).all()
    assert [row.look_ups for row in rows] == [2, 1]
    assert all(len(row.device_hash) == 32 for row in rows)


@pytest.mark.parametrize("load", CROSS_SITE_LOADS)
def test_another_sites_page_loading_an_unknown_code_for_its_visitors_keeps_no_look_up(client, db, product, load):
    """Each visitor of a page with <img src="…an invented code…"> showed the producer a new look-up of a fake."""
    assert client.get(CODE, headers=CROSS_SITE_LOADS[load]).status_code == 200
    assert _rows(db) == 0
    assert client.get(CODE, headers=CAMERA_SCAN).status_code == 200
    assert _rows(db) == 1


def test_look_ups_past_the_retention_are_purged_and_newer_ones_kept(app, db, product):
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    record_unknown_scan(product, CODE, device="old", now=now - timedelta(days=400))
    record_unknown_scan(product, CODE, device="new", now=now - timedelta(days=30))
    db.session.commit()
    assert purge_unknown_scans(days=365, now=now) == 1
    assert db.session.scalars(select(UnknownCodeScan.device_hash)).all() == ["new"]
    app.config["UNKNOWN_SCAN_RETENTION_DAYS"] = 0  # kept for ever
    assert purge_unknown_scans(now=now + timedelta(days=3650)) == 0 and _rows(db) == 1


def test_the_scheduler_runs_the_retention_daily():
    from storefront.jobs.commands import PERIODIC

    seconds, target = PERIODIC["scan-retention"]
    assert seconds == 24 * 3600 and target == "traceability.scans.unknown:purge_unknown_scans"

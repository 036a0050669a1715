"""Scan history roll-up: raw scans past SCAN_RAW_RETENTION_DAYS become daily counts, and every total stays the same."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storefront.clock import VIETNAM_TZ
from storefront.office import dashboard
from storefront.producer import analytics
from tests.factories import make_batch, make_product
from tests.factories_producer import owner  # noqa: F401 (a fixture)
from tests.factories_traceability import add_scans, make_traced_batch, many_devices, scan
from traceability.models import Scan, ScanDailyCount, Stamp, StampDevice, StampIssue
from traceability.scans import rollup
from traceability.scans.copy_warnings import scan_warning
from traceability.stamps.urls import stamp_url

NOW = datetime.now(UTC)


def _stamp(db, batch, serial: str) -> Stamp:
    issue = StampIssue(batch=batch, count=1)
    stamp = Stamp(batch=batch, issue=issue, serial=serial)
    db.session.add_all([issue, stamp])
    db.session.flush()
    return stamp


def _scan(db, stamp_or_batch, at: datetime, region: str = "19") -> None:
    stamp = stamp_or_batch if isinstance(stamp_or_batch, Stamp) else None
    batch_id = stamp.batch_id if stamp else stamp_or_batch.id
    db.session.add(Scan(stamp_id=stamp.id if stamp else None, batch_id=batch_id, scanned_at=at, region=region))
    if stamp is not None:
        stamp.scan_count += 1
        stamp.first_scanned_at = min(stamp.first_scanned_at or at, at)


def _history(db, batch) -> Stamp:
    """A stamp scanned over a year and a half, and lot-level scans (no stamp) of the same batch."""
    stamp = _stamp(db, batch, "HQST01")
    for days in (500, 400, 400, 400, 250, 181, 179, 30, 1):
        _scan(db, stamp, NOW - timedelta(days=days, hours=2), region="19" if days != 400 else "01")
    for days in (300, 300, 10):
        _scan(db, batch, NOW - timedelta(days=days))
    db.session.commit()
    return stamp


def _raw_rows(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Scan))


def _totals(producer):
    months = dashboard.last_months(NOW.astimezone(VIETNAM_TZ).date(), 24)
    producer_rows = analytics.scans_by_batch_day(producer, days=800).rows
    return dashboard.scans_per_month(months), sorted((r["day"], r["lot_code"], r["scans"]) for r in producer_rows)


def test_old_scans_become_daily_counts_and_every_total_stays_the_same(app, db):
    batch = make_batch(product=make_product(), lot_code="TC-01")
    stamp = _history(db, batch)
    old_day, recent_day = ((NOW - timedelta(days=d)).astimezone(VIETNAM_TZ).date() for d in (400, 179))
    db.session.add_all(
        [
            StampDevice(stamp_id=stamp.id, device_hash=f"{n:032x}", day=day)
            for n, day in enumerate((old_day, recent_day))
        ]
    )
    stamp.device_count = 2
    db.session.commit()
    before = _totals(batch.product.producer)
    count_before = stamp.scan_count

    rolled = rollup.roll_up_scans(days=180, now=NOW)

    assert rolled == 8  # 500, 400 ×3, 250, 181 days (the stamp) and 300 ×2 (the lot)
    assert _raw_rows(db) == 4
    rows = db.session.execute(
        select(ScanDailyCount.stamp_id, ScanDailyCount.region, ScanDailyCount.count).order_by(
            ScanDailyCount.day, ScanDailyCount.region
        )
    ).all()
    # One row per stamp, Vietnam day and region: the three scans of day 400 (region 01) are one row.
    assert [(r.stamp_id, r.region, r.count) for r in rows] == [
        (stamp.id, "19", 1),
        (stamp.id, "01", 3),
        (None, "19", 2),
        (stamp.id, "19", 1),
        (stamp.id, "19", 1),
    ]
    assert _totals(batch.product.producer) == before
    assert sum(count for _month, count in before[0]) == 12
    db.session.expire_all()
    assert db.session.get(Stamp, stamp.id).scan_count == count_before  # what the origin page shows
    # A past day's device hash can never match again: its row goes, the stamp's device count stays.
    assert db.session.scalars(select(StampDevice.day)).all() == [recent_day]
    assert db.session.get(Stamp, stamp.id).device_count == 2

    # Idempotent: a second run finds nothing more to roll, and the totals hold.
    assert rollup.roll_up_scans(days=180, now=NOW) == 0
    assert _totals(batch.product.producer) == before


def test_a_roll_up_that_dies_half_way_loses_and_doubles_nothing(app, db, monkeypatch):
    batch = make_batch(product=make_product(), lot_code="TC-02")
    _history(db, batch)
    before = _totals(batch.product.producer)
    real_chunk, calls = rollup._roll_up_chunk, []

    def dies_on_the_second_chunk(*args):
        calls.append(args)
        if len(calls) == 2:
            raw = real_chunk(*args)  # deleted and counted, then the process dies before its commit
            assert raw
            raise RuntimeError("killed")
        return real_chunk(*args)

    monkeypatch.setattr(rollup, "_roll_up_chunk", dies_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        rollup.roll_up_scans(days=180, now=NOW, chunk=4)
    db.session.rollback()
    assert _totals(batch.product.producer) == before  # the first chunk committed, the second rolled back
    assert 0 < db.session.scalar(select(func.count()).select_from(ScanDailyCount))

    monkeypatch.setattr(rollup, "_roll_up_chunk", real_chunk)
    assert rollup.roll_up_scans(days=180, now=NOW, chunk=4) > 0
    assert _raw_rows(db) == 4
    assert _totals(batch.product.producer) == before


def test_producer_analytics_and_the_office_dashboard_count_rolled_scans(client, db, owner):
    batch = make_batch(product=make_product(producer=owner), lot_code="TC-03")
    _history(db, batch)
    page_before = client.get("/producer/analytics/scans.csv").get_data(as_text=True)
    rollup.roll_up_scans(days=2, now=NOW)  # everything but the last day's scan
    assert _raw_rows(db) == 1
    # The page's own window (30 days): the scans 10 and 30 days ago are now daily counts, still listed.
    assert client.get("/producer/analytics/scans.csv").get_data(as_text=True) == page_before
    assert "TC-03" in page_before


def test_the_origin_page_counts_on_across_a_roll_up(client, db):
    batch = make_traced_batch()
    stamp = _history(db, batch)
    url = stamp_url(stamp)
    assert "Đã quét 10 lần" in scan(client, url).get_data(as_text=True)  # the stamp's 9 stored scans + this one
    assert rollup.roll_up_scans(days=180, now=NOW) == 8
    assert "Đã quét 11 lần" in scan(client, url).get_data(as_text=True)


def test_recent_scans_and_the_copy_warnings_evidence_are_never_rolled(app, db):
    batch = make_batch(product=make_product())
    stamp = _stamp(db, batch, "TWREGNS")
    add_scans(stamp, ["19", "79"], at=NOW - timedelta(hours=3), devices=many_devices(2))
    _scan(db, stamp, NOW - timedelta(hours=30))
    db.session.commit()
    assert scan_warning(stamp, check_regions=True) == "regions"
    # A retention shorter than the warnings need is raised to MIN_RETENTION_DAYS (2 whole Vietnam days).
    assert rollup.roll_up_scans(days=1, now=NOW) == 0
    assert _raw_rows(db) == 3
    assert scan_warning(stamp, check_regions=True) == "regions"
    devices = stamp.device_count
    db.session.expire_all()
    assert db.session.get(Stamp, stamp.id).device_count == devices


def test_the_retention_setting_and_the_daily_job(app, db):
    batch = make_batch(product=make_product())
    _history(db, batch)
    app.config["SCAN_RAW_RETENTION_DAYS"] = 0  # raw scans kept for ever
    assert rollup.roll_up_scans(now=NOW) == 0 and _raw_rows(db) == 12
    app.config["SCAN_RAW_RETENTION_DAYS"] = 365
    assert rollup.roll_up_scans(now=NOW) == 4 and _raw_rows(db) == 8
    from config import Config
    from storefront.jobs.commands import PERIODIC

    assert Config.SCAN_RAW_RETENTION_DAYS == 180
    assert PERIODIC["scan-rollup"] == (24 * 3600, "traceability.scans.rollup:roll_up_scans")


def test_the_cutoff_is_a_vietnam_midnight():
    cutoff = rollup.retention_cutoff(days=180, now=datetime(2026, 12, 7, 18, 0, tzinfo=UTC))  # 01:00 on the 8th
    assert cutoff == datetime(2026, 6, 11, 0, 0, tzinfo=VIETNAM_TZ)
    assert cutoff.astimezone(VIETNAM_TZ).date() == date(2026, 12, 8) - timedelta(days=180)


def test_the_cli_rolls_up_for_a_server_without_a_queue(app, db, runner):
    batch = make_batch(product=make_product())
    _history(db, batch)
    result = runner.invoke(args=["traceability", "roll-up-scans", "--days", "365"])
    assert result.exit_code == 0, result.output
    assert "4 raw scans rolled up" in result.output and _raw_rows(db) == 8

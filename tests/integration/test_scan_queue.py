"""Scans queued in Redis and drained by a job (SCAN_WRITE_MODE=queue, traceability/scans/stream.py),
on both engines, on the real Redis of TEST_JOBS_REDIS_URL (a database these tests empty).

Each scan is in the stream before its page is answered (a web process killed outright loses none),
and the drain writes each once, even when it is killed between its commit and its XACK.
"""

import os
import signal
import subprocess
import sys
import textwrap
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select

from storefront import create_app
from storefront.jobs.commands import schedule_due
from tests.conftest import _config_for
from tests.factories_traceability import QUEUE_REDIS_URL, add_scans, make_traced_batch, many_devices, queue_mode
from tests.gunicorn_server import preloaded_gunicorn
from traceability.models import Batch, Scan, ScanStreamMark, Stamp
from traceability.scans import stream
from traceability.scans.writes import PendingScan
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path

ROOT = Path(__file__).resolve().parents[2]
WARNING = 'data-testid="scan-warning"'


@pytest.fixture(autouse=True)
def queued(app_config):
    queue_mode(app_config)
    app_config.update(SCAN_REGION_HEADER="X-Region", TRUSTED_PROXIES=1, SCAN_WARNING_THRESHOLD=3)


@pytest.fixture
def redis():
    conn = Redis.from_url(QUEUE_REDIS_URL, decode_responses=True)
    yield conn
    conn.flushdb()
    conn.close()


@pytest.fixture
def stamps(db, queued):
    batch = make_traced_batch(lot_code="L2026-17")
    issue, _ = issue_stamps(batch, count=3, actor=None)
    db.session.commit()
    return issue_stamps_list(issue)


@pytest.fixture
def served(app):
    middleware = app.extensions["scan_fast_path"]
    return lambda: middleware.served


def _stored(db, stamp) -> tuple[int, int]:
    db.session.expire_all()
    count = db.session.scalar(select(Stamp.scan_count).where(Stamp.id == stamp.id))
    rows = db.session.scalar(select(func.count()).select_from(Scan).where(Scan.stamp_id == stamp.id))
    return count, rows


def _scan(client, stamp, *, phone="Phone/1", **headers):
    response = client.get(origin_path(stamp.batch, stamp), headers={"User-Agent": phone, **headers})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_scans_on_the_fast_path_and_through_flask_are_queued_then_counted_exactly_by_a_drain(
    app, db, client, stamps, redis, served
):
    stamp, other, _third = stamps
    pages = [_scan(client, stamp) for _ in range(5)]  # the first through Flask (it caches the page), then fast
    assert served() == 4
    _scan(client, other, phone="Phone/2")
    app.config["SCAN_FAST_PATH"] = False
    pages += [_scan(client, stamp) for _ in range(3)]  # Flask's route
    assert served() == 5
    assert redis.xlen(stream.STREAM) == 9  # every scan in the stream, none written yet
    assert _stored(db, stamp) == (0, 0)
    # Each page shows the stored counters plus the visitor's own scan.
    assert all("Lần quét đầu tiên" in page for page in pages)

    assert stream.drain_scans() == 9
    assert _stored(db, stamp) == (8, 8) and _stored(db, other) == (1, 1)
    assert redis.xlen(stream.STREAM) == 0 and redis.xpending(stream.STREAM, stream.GROUP)["pending"] == 0
    assert stream.drain_scans() == 0 and _stored(db, stamp) == (8, 8)  # nothing twice
    assert "Đã quét 9 lần" in _scan(client, stamp)  # 8 stored, and this one


def test_the_scanners_own_scan_makes_the_copy_warnings(app, db, client, stamps):
    stamp, other, _third = stamps
    add_scans(stamp, ["HN"])  # an hour ago, in Hà Nội
    add_scans(other, [""] * 3, devices=many_devices(3))  # three devices: the threshold
    db.session.commit()
    # Thái Nguyên now, not written yet: two regions within a day.
    page = _scan(client, stamp, **{"X-Region": "TN"})
    assert WARNING in page and "nhiều tỉnh khác nhau" in page
    assert WARNING not in _scan(client, stamp, phone="Phone/2")  # no region: HN alone is stored
    # A fourth device, not written yet, passes the threshold of 3 stored ones.
    page = _scan(client, other, phone="Phone/4")
    assert WARNING in page and "nhiều thiết bị khác nhau" in page


def test_a_drain_killed_after_its_commit_before_its_xack_does_not_count_twice(app, db, client, stamps, redis, _schema):
    stamp = stamps[0]
    for _ in range(4):
        _scan(client, stamp)
    config = {key: app.config[key] for key in ("SCAN_WRITE_MODE", "REDIS_URL", "JOBS_REDIS_URL")}
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from storefront import create_app
        from tests.conftest import _config_for
        from traceability.scans import stream
        app = create_app(_config_for({_schema!r}, Path({str(app.instance_path)!r}), **{config!r}))
        stream._acknowledge = lambda *args: os.kill(os.getpid(), signal.SIGKILL)  # committed, not acknowledged
        with app.app_context():
            stream.drain_scans()
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert _stored(db, stamp) == (4, 4)
    assert redis.xlen(stream.STREAM) == 4 and redis.xpending(stream.STREAM, stream.GROUP)["pending"] == 4
    assert redis.exists(stream.LOCK)  # held by the dead drain until it lapses: the next drain waits
    assert stream.drain_scans() == 0
    redis.delete(stream.LOCK)  # as when its LOCK_SECONDS have passed

    _scan(client, stamp)  # a new scan, after the dead drain's entries
    assert stream.drain_scans() == 1  # the dead drain's four skipped, the new one written
    assert _stored(db, stamp) == (5, 5)
    assert redis.xlen(stream.STREAM) == 0 and redis.xpending(stream.STREAM, stream.GROUP)["pending"] == 0


def test_a_drain_racing_another_that_wrote_the_same_entries_writes_nothing(app, db, client, stamps, redis, monkeypatch):
    """Two drains at once (the lock lapsed): the one that read the mark before the other's commit writes nothing."""
    stamp = stamps[0]
    _scan(client, stamp)
    assert stream.drain_scans() == 1
    _scan(client, stamp)
    (entry_id, _fields), *_ = redis.xrange(stream.STREAM)
    stale = stream._stored_mark(db.engine)
    ms, seq = stream._key(entry_id)
    with db.engine.begin() as other:  # the other drain wrote this entry and committed its mark
        other.execute(ScanStreamMark.__table__.update().values(last_ms=ms, last_seq=seq))
    monkeypatch.setattr(stream, "_stored_mark", lambda engine: stale)  # read before that commit
    with pytest.raises(stream.DrainRaced):
        stream.drain_scans()
    assert _stored(db, stamp) == (1, 1) and redis.xlen(stream.STREAM) == 1
    monkeypatch.undo()
    assert stream.drain_scans() == 0  # at or below the mark: acknowledged, not written
    assert _stored(db, stamp) == (1, 1) and redis.xlen(stream.STREAM) == 0


def test_scans_of_a_deleted_batch_are_dropped_and_the_rest_written(app, db, stamps, redis):
    now = datetime.now(UTC)
    queue = stream.ScanQueue(redis)
    queue.add(PendingScan(None, 987_654, now, "", "gone"))  # its batch was deleted meanwhile
    queue.add(PendingScan(stamps[0].id, stamps[0].batch_id, now, "", "kept"))
    assert stream.drain_scans() == 1
    assert _stored(db, stamps[0]) == (1, 1)
    assert db.session.scalar(select(func.count()).select_from(Scan).where(Scan.batch_id == 987_654)) == 0
    assert redis.xlen(stream.STREAM) == 0
    mark = db.session.get(ScanStreamMark, stream.STREAM)
    assert mark is not None and mark.last_ms > 0


def test_a_drain_that_fails_raises_and_keeps_its_scans_for_the_next(app, db, client, stamps, redis, monkeypatch):
    stamp = stamps[0]
    _scan(client, stamp)
    monkeypatch.setattr(stream, "write_in", lambda *args, **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # the job fails: RQ retries it, then lists it for the office
        stream.drain_scans()
    monkeypatch.undo()
    assert _stored(db, stamp) == (0, 0) and redis.xlen(stream.STREAM) == 1
    assert not redis.exists(stream.LOCK)
    assert stream.drain_scans() == 1 and _stored(db, stamp) == (1, 1)


def test_the_scheduler_enqueues_the_drain_every_scan_drain_seconds_in_queue_mode_only(app, redis):
    app.config["SCAN_DRAIN_SECONDS"] = 2
    assert "scan-drain" in schedule_due(now=1000.0)
    assert "scan-drain" not in schedule_due(now=1001.0)  # the same 2-second slot
    assert "scan-drain" in schedule_due(now=1002.0)
    app.config["SCAN_WRITE_MODE"] = "buffered"
    assert "scan-drain" not in schedule_due(now=1004.0)


@pytest.mark.parametrize("settings", [{"REDIS_URL": ""}, {"JOBS_REDIS_URL": ""}])
def test_queue_mode_without_redis_or_the_job_queue_is_refused_at_start(app_config, tmp_path, _schema, settings):
    with pytest.raises(RuntimeError, match="SCAN_WRITE_MODE=queue"):
        create_app(_config_for(_schema, tmp_path, **{**app_config, **settings}))


def test_a_web_server_killed_right_after_answering_scans_loses_none(app, db, stamps, redis, _schema, tmp_path):
    """A real gunicorn (the shipped settings, two workers) answers 30 scans, then master and workers get SIGKILL."""
    settings = {"REDIS_URL": QUEUE_REDIS_URL, "JOBS_REDIS_URL": QUEUE_REDIS_URL, "SCAN_WRITE_MODE": "queue"}
    with preloaded_gunicorn(_schema, tmp_path, RATELIMIT_SCAN="1000 per minute", **settings) as (process, base, _log):
        for n in range(30):
            stamp = stamps[n % 3]
            with urllib.request.urlopen(base + origin_path(stamp.batch, stamp), timeout=30) as answer:
                assert answer.status == 200
        os.killpg(process.pid, signal.SIGKILL)  # master and workers at once: no exit hook runs
        process.wait(timeout=30)
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 0  # nothing was written by the web
    assert stream.drain_scans() == 30
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Stamp.scan_count).order_by(Stamp.id))) == [10, 10, 10]
    assert db.session.scalar(select(func.count()).select_from(Scan).join(Batch)) == 30


def test_flask_traceability_drain_scans_writes_what_waits_in_the_stream(app, db, client, stamps):
    for _ in range(3):
        _scan(client, stamps[0])
    result = app.test_cli_runner().invoke(args=["traceability", "drain-scans"])
    assert result.exit_code == 0 and "3 scans written" in result.output, result.output
    assert _stored(db, stamps[0]) == (3, 3)

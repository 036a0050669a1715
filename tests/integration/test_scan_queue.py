"""Scans queued in Redis and drained by a job (SCAN_WRITE_MODE=queue, traceability/scans/stream.py),
on both engines, on the real Redis of TEST_JOBS_REDIS_URL (a database these tests empty).

Each scan is in the stream before its page is answered (a web process killed outright loses none),
and the drain writes each once, even when it is killed between its commit and its XACK.
"""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import func, select

from storefront import create_app, jobs
from storefront.jobs.commands import PERIODIC, schedule_due
from tests.conftest import _config_for
from tests.factories_office import office  # noqa: F401 (a fixture)
from tests.factories_traceability import QUEUE_REDIS_URL, add_scans, make_traced_batch, many_devices, queue_mode
from tests.gunicorn_server import preloaded_gunicorn
from tests.jobs_worker import run_worker
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


def _drain_killed_at(app, schema: str, step: str) -> None:
    """Run a drain in a process of its own on this app's settings, killed with SIGKILL when it reaches `step`."""
    config = {key: app.config[key] for key in ("SCAN_WRITE_MODE", "REDIS_URL", "JOBS_REDIS_URL")}
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from storefront import create_app
        from tests.conftest import _config_for
        from traceability.scans import stream
        app = create_app(_config_for({schema!r}, Path({str(app.instance_path)!r}), **{config!r}))
        setattr(stream, {step!r}, lambda *args: os.kill(os.getpid(), signal.SIGKILL))
        with app.app_context():
            stream.drain_scans()
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_a_drain_killed_after_its_commit_before_its_xack_does_not_count_twice(app, db, client, stamps, redis, _schema):
    stamp = stamps[0]
    for _ in range(4):
        _scan(client, stamp)
    _drain_killed_at(app, _schema, "_acknowledge")  # committed, not acknowledged
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
    jobs.get_queue("default").empty()  # a worker took it
    assert "scan-drain" in schedule_due(now=1002.0)
    jobs.get_queue("default").empty()
    app.config["SCAN_WRITE_MODE"] = "buffered"
    assert "scan-drain" not in schedule_due(now=1004.0)


def test_while_a_periodic_run_still_waits_in_the_queue_the_scheduler_adds_no_other(app, db, redis):
    """No worker for a while (busy with a season's stamp sheets, or down): one drain waits, not one per tick."""
    app.config.update(JOB_SCHEDULE=only("scan-drain", 2))
    assert schedule_due(now=50_000.0) == ["scan-drain"]
    for tick in range(1, 30):
        assert schedule_due(now=50_000.0 + 2 * tick) == []
    assert [job.meta["periodic"] for job in jobs.get_queue("default").get_jobs()] == ["scan-drain"]
    run_worker(app)  # the worker is back: it runs the one waiting drain
    assert jobs.get_queue("default").count == 0
    assert schedule_due(now=50_000.0 + 2 * 30) == ["scan-drain"]  # and the next tick enqueues again


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


# --- what the office sees ------------------------------------------------------------------------


def _old_scan(redis, stamp, *, seconds_ago: int) -> None:
    """A scan that has waited in the stream this long (its entry id carries its time, as XADD's own would)."""
    now_ms = int(time.time() * 1000)  # Redis' clock and this one are the same machine's
    fields = stream.encode(PendingScan(stamp.id, stamp.batch_id, datetime.now(UTC), "", "Phone/old"))
    redis.xadd(stream.STREAM, fields, id=f"{now_ms - seconds_ago * 1000}-0")


def _office_page(client, lang="vi") -> str:
    response = client.get("/office/jobs", query_string={"lang": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str) -> str:
    start = page.index('data-testid="scan-queue"')
    return page[start : page.index("</section>", start)]


def test_the_office_sees_the_scans_waiting_and_a_warning_once_the_oldest_waits_too_long(
    app, db, client, stamps, redis, office
):
    section = _section(_office_page(client))
    assert "Lượt quét đang chờ ghi" in section and "không có lượt nào chờ" in section
    assert "chưa có lần ghi nào" in section and "scan-queue-stale" not in section

    _old_scan(redis, stamps[1], seconds_ago=90)  # past SCAN_QUEUE_ALERT_SECONDS (60)
    for _ in range(2):
        _scan(client, stamps[0])
    section = _section(_office_page(client))
    assert 'data-testid="scan-queue-waiting">3<' in section
    assert re.search(r"đã chờ (9\d|1[01]\d) giây", section)  # 90 s or a little more, in seconds under 2 minutes
    assert "scan-queue-stale" in section and "<code>flask jobs worker</code>" in section
    english = _section(_office_page(client, lang="en"))
    assert "Scans waiting to be written" in english and "Is <code>flask jobs worker</code> running?" in english
    health = client.get("/healthz").json
    assert health["status"] == "ok" and health["scan_queue"]["state"] == "stale"
    assert health["scan_queue"]["waiting"] == 3 and health["scan_queue"]["oldest_seconds"] >= 90

    assert stream.drain_scans() == 3
    section = _section(_office_page(client))
    assert 'data-testid="scan-queue-waiting">0<' in section and "scan-queue-stale" not in section
    assert "3 lượt quét được ghi" in section
    health = client.get("/healthz").json["scan_queue"]
    assert health["state"] == "ok" and health["waiting"] == 0 and health["oldest_seconds"] is None
    assert health["last_drain_seconds"] is not None
    assert _stored(db, stamps[0]) == (2, 2) and _stored(db, stamps[1]) == (1, 1)


def test_scans_read_by_a_drain_that_died_show_as_read_not_acknowledged(app, db, client, stamps, redis, office):
    _scan(client, stamps[0])
    stream._ensure_group(redis)
    redis.xreadgroup(stream.GROUP, stream.CONSUMER, {stream.STREAM: ">"})  # read, then the drain died
    section = _section(_office_page(client))
    assert 'data-testid="scan-queue-pending">1<' in section and 'data-testid="scan-queue-waiting">1<' in section


def test_with_redis_unreachable_the_office_page_and_healthz_say_so_without_failing(app, db, client, stamps, office):
    app.extensions["scan_stream_redis"] = Redis.from_url(
        "redis://127.0.0.1:8609/0",
        socket_connect_timeout=2,
        decode_responses=True,  # nothing listens there
    )
    section = _section(_office_page(client))
    assert "scan-queue-unreachable" in section and "Không kết nối được Redis" in section
    assert "Redis (REDIS_URL) does not answer" in _section(_office_page(client, lang="en"))
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["scan_queue"] == {"state": "unreachable"}


# --- the drain's lock ----------------------------------------------------------------------------


def test_a_drain_killed_holding_its_lock_delays_the_next_only_by_the_short_lock_timeout(
    app, db, client, stamps, redis, _schema
):
    stamp = stamps[0]
    for _ in range(3):
        _scan(client, stamp)
    _drain_killed_at(app, _schema, "_write_entries")  # read, lock held, nothing written
    assert 0 < redis.pttl(stream.LOCK) <= stream.LOCK_SECONDS * 1000 == 10_000
    assert redis.xpending(stream.STREAM, stream.GROUP)["pending"] == 3
    assert stream.drain_scans() == 0  # the dead drain's lock still holds
    for _ in range(4 * stream.LOCK_SECONDS):  # it lapses on its own within LOCK_SECONDS
        if not redis.exists(stream.LOCK):
            break
        time.sleep(0.5)
    assert not redis.exists(stream.LOCK)
    assert stream.drain_scans() == 3  # the dead drain's entries, read but never written: written once
    assert _stored(db, stamp) == (3, 3) and redis.xlen(stream.STREAM) == 0


def test_a_long_drain_renews_its_lock_after_each_batch(app, db, client, stamps, redis, monkeypatch):
    for _ in range(6):
        _scan(client, stamps[0])
    monkeypatch.setattr(stream, "BATCH", 2)
    write, ttls = stream._write_entries, []

    def slow_write(engine, entries):
        ttls.append(redis.pttl(stream.LOCK))
        redis.pexpire(stream.LOCK, 1000)  # as if this batch took most of the lock's time
        return write(engine, entries)

    monkeypatch.setattr(stream, "_write_entries", slow_write)
    assert stream.drain_scans() == 6
    assert len(ttls) == 3 and all(1000 < ttl <= stream.LOCK_SECONDS * 1000 for ttl in ttls), ttls
    assert _stored(db, stamps[0]) == (6, 6) and not redis.exists(stream.LOCK)


def test_a_drain_that_lost_its_lock_stops_after_its_batch_and_leaves_the_rest(
    app, db, client, stamps, redis, monkeypatch
):
    for _ in range(4):
        _scan(client, stamps[0])
    monkeypatch.setattr(stream, "BATCH", 2)
    write = stream._write_entries

    def write_then_lose_the_lock(engine, entries):
        redis.set(stream.LOCK, "another drain", px=5000)  # this one's lapsed and another took it
        return write(engine, entries)

    monkeypatch.setattr(stream, "_write_entries", write_then_lose_the_lock)
    assert stream.drain_scans() == 2
    assert redis.get(stream.LOCK) == "another drain" and redis.xlen(stream.STREAM) == 2
    monkeypatch.undo()
    redis.delete(stream.LOCK)
    assert stream.drain_scans() == 2 and _stored(db, stamps[0]) == (4, 4)


# --- failing drains ------------------------------------------------------------------------------

#: The worker's database, down: a port nothing listens on (ports 8600-8649 are this suite's).
DATABASE_DOWN = "postgresql+psycopg://postgres@127.0.0.1:8608/down"


def only(name: str, seconds: int) -> str:
    """A JOB_SCHEDULE with this periodic job alone, so the failures listed are its own."""
    return ",".join(f"{other}={seconds if other == name else 0}" for other in PERIODIC)


def test_a_drain_failing_while_the_database_is_down_is_one_office_entry_and_its_scans_are_written_once_it_is_back(
    app, db, client, stamps, redis, office
):
    app.config.update(JOB_SCHEDULE=only("scan-drain", 2))
    _old_scan(redis, stamps[1], seconds_ago=90)
    for _ in range(3):
        _scan(client, stamps[0])
    ticks = 5
    log = ""
    for tick in range(ticks):  # a tick, and the worker runs its drain against the database that is down
        assert schedule_due(now=10_000.0 + 2 * tick) == ["scan-drain"]
        log += run_worker(app, DATABASE_URL=DATABASE_DOWN)
    assert log.count("OperationalError") >= ticks, log

    failed = FailedJobRegistry(queue=jobs.get_queue("default"))
    assert failed.count == 1  # five failed drains, one entry
    # No RQ retries waiting: the next tick is the retry. (The catalogue's reindex of the test's own commits,
    # failing too, keeps its retries.)
    scheduled = ScheduledJobRegistry(queue=jobs.get_queue("default")).get_job_ids()
    assert not [job_id for job_id in scheduled if job_id.startswith("periodic-")], scheduled
    [entry] = jobs.failed_jobs()
    assert entry["periodic"] == "scan-drain" and entry["attempts"] == ticks
    assert entry["failing_since"] <= entry["failed_at"] and "OperationalError" in entry["error"]
    page = _office_page(client)
    assert page.count('data-testid="failed-job"') == 1
    assert "Ghi lượt quét từ hàng đợi" in page and f"{ticks} lần lỗi" in page
    assert "scan-queue-stale" in _section(page)
    assert f"{ticks} failures" in _office_page(client, lang="en")
    assert _stored(db, stamps[0]) == (0, 0)

    schedule_due(now=10_000.0 + 2 * ticks)  # the database is back: the next tick
    run_worker(app)
    assert _stored(db, stamps[0]) == (3, 3) and _stored(db, stamps[1]) == (1, 1)
    assert redis.xlen(stream.STREAM) == 0 and redis.xpending(stream.STREAM, stream.GROUP)["pending"] == 0
    page = _office_page(client)
    assert "scan-queue-stale" not in _section(page) and "4 lượt quét được ghi" in _section(page)
    assert failed.count == 1  # the failures stay listed, with their times, as history
    schedule_due(now=10_000.0 + 2 * ticks + 2)
    run_worker(app)
    assert _stored(db, stamps[0]) == (3, 3)  # nothing twice


def test_periodic_jobs_run_more_often_than_hourly_get_no_rq_retries(app, redis):
    app.config.update(JOB_RETRIES=3)
    schedule_due(now=20_000.0 * 3600)
    queued = {job.meta["periodic"]: job for job in jobs.get_queue("default").get_jobs()}
    assert queued["scan-drain"].retries_left is None and queued["release-expired"].retries_left is None
    assert queued["reindex"].retries_left == 3 and queued["experiences"].retries_left == 3


def test_a_periodic_job_failing_with_retries_folds_only_when_it_is_listed(app, db, redis):
    """The daily jobs keep RQ's retries: their failures fold into one entry once listed, like the drain's."""
    app.config.update(JOB_RETRIES=1, JOB_RETRY_INTERVALS="0", JOB_SCHEDULE=only("scan-rollup", 86_400))
    for day in range(3):
        assert schedule_due(now=86_400.0 * (1000 + day)) == ["scan-rollup"]
        log = run_worker(app, DATABASE_URL=DATABASE_DOWN)
        assert log.count("OperationalError") >= 2, log  # the run and its retry
    [entry] = jobs.failed_jobs()
    assert entry["periodic"] == "scan-rollup" and entry["attempts"] == 3  # three listed failures, one entry

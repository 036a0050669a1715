"""Scans recorded in batches (SCAN_WRITE_MODE=buffered, the production default), on both engines.

The buffer's writer thread is real; most tests give it a long interval and flush by hand, so
what is written and when is under the test's control.
"""

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.factories_traceability import make_traced_batch
from traceability.errors import NotRegistered
from traceability.models import Scan, Stamp
from traceability.origin import facts
from traceability.scans.buffer import ScanBuffer, scan_buffer
from traceability.scans.writes import PendingScan
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def buffered(app_config):
    app_config.update(
        SCAN_WRITE_MODE="buffered", SCAN_FLUSH_SECONDS=3600, SCAN_REGION_HEADER="X-Region", TRUSTED_PROXIES=1
    )


@pytest.fixture
def stamps(db, buffered):
    batch = make_traced_batch(lot_code="L2026-07")
    issue, _ = issue_stamps(batch, count=2, actor=None)
    db.session.commit()
    return issue_stamps_list(issue)


@pytest.fixture
def buffer(app, buffered):
    buffer = scan_buffer()
    yield buffer
    buffer.close()  # nothing may be written after the test's tables are emptied


def _path(stamp):
    return origin_path(stamp.batch, stamp)


def _stored(db, stamp):
    db.session.expire_all()
    count = db.session.scalar(select(Stamp.scan_count).where(Stamp.id == stamp.id))
    rows = db.session.scalar(select(func.count()).select_from(Scan).where(Scan.stamp_id == stamp.id))
    return count, rows


def test_a_scan_shows_at_once_and_is_written_with_the_next_flush(client, db, stamps, buffer):
    stamp = stamps[0]
    assert "Lần quét đầu tiên" in client.get(_path(stamp)).get_data(as_text=True)
    page = client.get(_path(stamp), headers={"User-Agent": "Zalo/1.0"}).get_data(as_text=True)
    assert "Đã quét 2 lần" in page  # the visitor sees their scan before it is written
    assert _stored(db, stamp) == (0, 0) and buffer.pending() == 2

    assert buffer.flush() == 2
    assert _stored(db, stamp) == (2, 2) and buffer.pending() == 0
    scan = db.session.scalars(select(Scan).where(Scan.stamp_id == stamp.id).order_by(Scan.id)).all()[-1]
    assert scan.user_agent == "Zalo/1.0" and scan.batch_id == stamp.batch_id
    stored = db.session.get(Stamp, stamp.id)
    assert stored.first_scanned_at is not None and stored.last_scanned_at >= stored.first_scanned_at
    # Written scans are counted once: stored 2, none pending, this one makes 3.
    assert "Đã quét 3 lần" in client.get(_path(stamp)).get_data(as_text=True)
    assert buffer.flush() == 1 and _stored(db, stamp) == (3, 3)


def test_odd_user_agents_and_regions_are_written_as_sent_but_without_nul(client, db, stamps, buffer):
    """Tabs and backslashes survive PostgreSQL's COPY; a NUL (no text column can hold one) is dropped."""
    stamp = stamps[0]
    agents = ["Zalo\x00Browser", "a\tb\\c \\N", "Zalo/2.0 (Linux; Android 14) ☕"]
    for agent in agents:
        assert client.get(_path(stamp), headers={"User-Agent": agent, "X-Region": "VN-\x0069"}).status_code == 200
    assert buffer.flush() == 3
    rows = db.session.execute(
        select(Scan.user_agent, Scan.region).where(Scan.stamp_id == stamp.id).order_by(Scan.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("ZaloBrowser", "VN-69"),
        ("a\tb\\c \\N", "VN-69"),
        ("Zalo/2.0 (Linux; Android 14) ☕", "VN-69"),
    ]
    assert _stored(db, stamp) == (3, 3)


def test_the_request_that_fills_the_queue_writes_it_after_its_answer(app, client, db, stamps, buffer):
    buffer.flush_max = 3
    for expected in ((0, 0), (0, 0), (3, 3)):
        response = client.get(_path(stamps[0]))
        response.close()  # the server closes the answer once sent; then the queue is written
        assert _stored(db, stamps[0]) == expected
    assert buffer.pending() == 0


def test_the_copied_stamp_warnings_count_unwritten_scans(app, client, stamps, buffer):
    app.config["SCAN_WARNING_THRESHOLD"] = 2
    first, second = stamps
    pages = [
        client.get(
            _path(first), headers={"User-Agent": f"Phone/{n}"}, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}
        ).get_data(as_text=True)
        for n in range(3)  # three phones, each its own address
    ]
    assert 'data-testid="scan-warning"' not in pages[1]
    assert 'data-testid="scan-warning"' in pages[2] and "nhiều thiết bị khác nhau" in pages[2]

    client.get(_path(second), headers={"X-Region": "VN-19"})
    page = client.get(_path(second), headers={"X-Region": "VN-01"}).get_data(as_text=True)
    assert "nhiều tỉnh khác nhau" in page  # two regions, neither written yet


def test_a_lot_level_scan_is_queued_without_a_stamp(client, db, stamps, buffer):
    batch = stamps[0].batch
    lot_path = origin_path(batch)
    assert client.get(lot_path).status_code == 200
    assert buffer.flush() == 1
    assert db.session.scalar(select(Scan.stamp_id).where(Scan.batch_id == batch.id)) is None


def test_the_writer_thread_writes_on_its_own(app, db, stamps):
    buffer = ScanBuffer(db.engine, flush_seconds=0.05)
    try:
        buffer.add(PendingScan(stamps[0].id, stamps[0].batch_id, datetime.now(UTC), "", "t"))
        deadline = time.monotonic() + 10
        while _stored(db, stamps[0]) != (1, 1) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _stored(db, stamps[0]) == (1, 1) and buffer.pending() == 0
    finally:
        buffer.close()


def test_scans_wait_while_the_database_refuses_them(app, db, stamps, tmp_path):
    """A database without the scans table stands for one that is down: nothing is lost."""
    now = datetime.now(UTC)
    broken = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    buffer = ScanBuffer(broken, flush_seconds=3600, logger=app.logger)
    try:
        for offset in (2, 1):
            assert buffer.add(PendingScan(stamps[0].id, stamps[0].batch_id, now - timedelta(minutes=offset), "", ""))
        assert buffer.flush() == 0 and buffer.pending() == 2
        buffer.engine = db.engine
        assert buffer.flush() == 2
        assert _stored(db, stamps[0]) == (2, 2)
        stored = db.session.get(Stamp, stamps[0].id)
        assert stored.first_scanned_at == now - timedelta(minutes=2)
        assert stored.last_scanned_at == now - timedelta(minutes=1)
    finally:
        buffer.close()
        broken.dispose()


def test_the_latest_scan_time_never_goes_back(app, db, stamps):
    """Two workers may write out of order: last_scanned_at keeps the later time."""
    now = datetime.now(UTC)
    later, earlier = ScanBuffer(db.engine, flush_seconds=3600), ScanBuffer(db.engine, flush_seconds=3600)
    later.add(PendingScan(stamps[0].id, stamps[0].batch_id, now, "", ""))
    earlier.add(PendingScan(stamps[0].id, stamps[0].batch_id, now - timedelta(minutes=5), "", ""))
    try:
        assert later.flush() == 1 and earlier.flush() == 1
        db.session.expire_all()
        stored = db.session.get(Stamp, stamps[0].id)
        assert stored.scan_count == 2 and stored.last_scanned_at == now
        assert stored.first_scanned_at == now  # first written wins: the field is set once
    finally:
        later.close()
        earlier.close()


def test_the_raw_look_up_sees_what_the_session_sees(app, db, stamps):
    stamp = stamps[0]
    batch = stamp.batch
    params = dict(gtin=batch.product.gtin, lot=batch.lot_code, serial=stamp.serial)
    db.session.execute(
        text("UPDATE stamps SET first_scanned_at = :first, pin_verified_at = :pin WHERE id = :id"),
        {
            "first": datetime(2026, 11, 2, 23, 30, 15, 123456, tzinfo=timezone(timedelta(hours=7))),
            "pin": datetime(2026, 11, 3, 1, 0, tzinfo=UTC),
            "id": stamp.id,
        },
    )
    db.session.commit()
    found = facts.find_origin(**params, raw=True).stamp
    assert found.first_scanned_at == datetime(2026, 11, 2, 16, 30, 15, 123456, tzinfo=UTC)
    assert found.first_scanned_at.tzinfo == UTC and found.pin_verified_at.tzinfo == UTC
    assert facts.find_origin(**params, raw=True) == facts.find_origin(**params, raw=False)
    db.session.execute(
        text("UPDATE batches SET recalled_at = :at, recall_reason = 'nấm mốc' WHERE id = :id"),
        {"at": datetime(2026, 11, 1, tzinfo=UTC), "id": batch.id},
    )
    db.session.commit()
    hit = facts.find_origin(**params, raw=True)
    assert hit.recalled_at == datetime(2026, 11, 1, tzinfo=UTC) and hit.recall_reason == "nấm mốc"
    assert hit == facts.find_origin(**params, raw=False)
    with pytest.raises(NotRegistered):
        facts.find_origin(gtin=batch.product.gtin, lot=batch.lot_code, serial="NOPE", raw=True)


def test_the_raw_look_up_recovers_from_a_dropped_connection(app, db, stamps):
    batch, stamp = stamps[0].batch, stamps[0]
    params = dict(gtin=batch.product.gtin, lot=batch.lot_code, serial=stamp.serial)
    query = facts._origin_query(False, True)
    facts.find_origin(**params, raw=True)
    query._connection(db.engine).close()  # as a restarted database server would leave it
    assert facts.find_origin(**params, raw=True).stamp.id == stamp.id


def test_the_raw_look_up_survives_a_forgotten_statement_and_a_changed_column(app, db, stamps):
    """The look-up runs often on one connection (the driver may prepare it): a pooler's DISCARD ALL
    and a migration that changes a selected column's type must not break it."""
    stamp, batch = stamps[0], stamps[0].batch
    params = dict(gtin=batch.product.gtin, lot=batch.lot_code, serial=stamp.serial)
    query = facts._origin_query(False, True)
    for _ in range(8):  # past psycopg's prepare threshold (5)
        assert facts.find_origin(**params, raw=True).stamp.id == stamp.id
    if db.engine.dialect.name != "postgresql":
        return
    query._connection(db.engine).execute("DISCARD ALL")
    assert facts.find_origin(**params, raw=True) == facts.find_origin(**params, raw=False)
    db.session.commit()
    with db.engine.begin() as other:
        other.execute(text("ALTER TABLE batches ALTER COLUMN recall_reason TYPE text"))
    try:
        assert facts.find_origin(**params, raw=True) == facts.find_origin(**params, raw=False)
    finally:
        db.session.commit()
        with db.engine.begin() as other:
            other.execute(text("ALTER TABLE batches ALTER COLUMN recall_reason TYPE varchar(500)"))


def test_a_stopping_process_writes_its_queued_scans(app, db, stamps, _schema, tmp_path):
    """A real process scans, then ends normally (as gunicorn's graceful stop does): atexit writes."""
    stamp = stamps[0]
    script = textwrap.dedent(f"""
        from tests.conftest import _config_for
        from storefront import create_app
        from pathlib import Path
        app = create_app(_config_for({_schema!r}, Path({str(tmp_path)!r}), SCAN_WRITE_MODE="buffered",
                                     SCAN_FLUSH_SECONDS=3600))
        response = app.test_client().get({_path(stamp)!r})
        assert response.status_code == 200, response.status_code
        from traceability.scans.buffer import scan_buffer
        with app.app_context():
            assert scan_buffer().pending() == 1
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _stored(db, stamp) == (1, 1)


def test_a_counter_read_before_a_write_is_read_again(app, db, stamps, buffer):
    """Another request's scans written between this one's look-up and its count: no scan is missed."""
    from traceability import views

    stamp, batch = stamps[0], stamps[0].batch
    path = _path(stamp)
    with app.test_request_context(path):
        generation = buffer.generation
        hit = facts.find_origin(gtin=batch.product.gtin, lot=batch.lot_code, serial=stamp.serial, raw=True)
        buffer.add(PendingScan(stamp.id, stamp.batch_id, datetime.now(UTC), "", "other"))
        assert buffer.flush() == 1  # stored count 1, not in `hit`, no longer unwritten
        page = views._origin_page(hit, path, generation).get_data(as_text=True)
    assert "Đã quét 2 lần" in page


def test_a_failed_write_waits_before_it_is_tried_again(app, db, stamps, tmp_path):
    broken = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    # The writer thread runs too (every 0.2 s): whoever writes, the outcome is the same.
    buffer = ScanBuffer(broken, flush_seconds=0.2)
    try:
        buffer.add(PendingScan(stamps[0].id, stamps[0].batch_id, datetime.now(UTC), "", ""))
        time.sleep(0.2)
        assert buffer.flush() == 0  # refused (by this call or the thread's just before)
        assert not buffer.due()  # requests do not hammer a refusing database: 0.4 s at least
        assert buffer.pending() == 1  # kept for the retry
        buffer.engine = db.engine
        deadline = time.monotonic() + 10
        while _stored(db, stamps[0]) != (1, 1) and time.monotonic() < deadline:
            if buffer.due():
                buffer.flush()
            time.sleep(0.02)
        assert _stored(db, stamps[0]) == (1, 1) and buffer.pending() == 0
    finally:
        buffer.close()
        broken.dispose()


def test_scans_of_a_deleted_batch_are_dropped_and_the_rest_written(app, db, stamps):
    now = datetime.now(UTC)
    buffer = ScanBuffer(db.engine, flush_seconds=3600, logger=app.logger)
    try:
        buffer.add(PendingScan(None, 987_654, now, "", "gone"))  # its batch was deleted meanwhile
        buffer.add(PendingScan(stamps[0].id, stamps[0].batch_id, now, "", "kept"))
        assert buffer.flush() == 1 and buffer.pending() == 0
        assert _stored(db, stamps[0]) == (1, 1)
        assert db.session.scalar(select(func.count()).select_from(Scan).where(Scan.batch_id == 987_654)) == 0
    finally:
        buffer.close()


def test_a_forked_child_never_writes_its_parents_queue(app, db, stamps):
    buffer = ScanBuffer(db.engine, flush_seconds=3600)
    try:
        buffer.add(PendingScan(stamps[0].id, stamps[0].batch_id, datetime.now(UTC), "", ""))
        buffer._pid = -1  # as seen from a child forked after this scan was queued
        assert buffer.flush() == 0 and buffer.pending() == 0
        assert _stored(db, stamps[0]) == (0, 0)
    finally:
        buffer.close()


def test_a_short_code_with_a_serial_no_stamp_could_hold_is_not_registered(client, stamps):
    short = stamps[0].batch.short_code
    assert client.get(f"/t/{short}/AB%00CD").status_code == 404
    assert client.get(f"/t/{short}/{'X' * 21}").status_code == 404

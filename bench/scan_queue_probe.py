"""What SCAN_WRITE_MODE=queue costs a scan, beside buffered (a probe; BENCHMARKS.md, "Scans as a job").

Usage: python -m bench.scan_queue_probe   (after a PostgreSQL `python -m bench.run`: it uses that run's
working copy, BENCH_DATABASE_URL's name + "_run", and REDIS_URL, default redis://127.0.0.1:6379/0)

1. One Redis round trip as the web worker makes it: PING, and XADD of one scan's fields.
2. The same fast-path origin page scan on two apps, buffered and queue, called as WSGI apps in one
   process (no HTTP server), 1,000 scans a round, ABBA rounds: wall and CPU per scan. The buffered
   app's writer thread is in the process (its writes count); the queue's drain is not (3. is).
3. One drain of 20,000 queued scans over 5,000 stamps: scans written per second.
"""

import os
import statistics
import time
from datetime import UTC, datetime
from urllib.parse import quote

from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.test import EnvironBuilder

from config import Config
from storefront import create_app
from storefront.extensions import db
from traceability.scans import stream
from traceability.scans.buffer import scan_buffer
from traceability.scans.writes import PendingScan

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def run_database_url() -> str:
    url = make_url(os.environ["BENCH_DATABASE_URL"])
    return url.set(database=f"{url.database or 'bench'}_run").render_as_string(hide_password=False)


def round_trips(n: int = 20_000) -> None:
    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    now = datetime.now(UTC)
    agent = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile"
    fields = stream.encode(PendingScan(12345, 678, now, "", agent, "0" * 32, now.date()))
    for label, call in (("PING", redis.ping), ("XADD (a scan's fields)", lambda: redis.xadd("ocop:probe", fields))):
        for _ in range(500):
            call()
        started = time.perf_counter()
        for _ in range(n):
            call()
        print(f"{label}: {(time.perf_counter() - started) / n * 1e6:.0f} µs a call ({n:,} in a row)")
    redis.delete("ocop:probe")
    redis.close()


def _scan_all(app, environs: list, n: int) -> tuple[float, float]:
    """n scans through the app's WSGI callable; return (wall, CPU) µs per scan."""
    statuses = []
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        body = app.wsgi_app(
            dict(environs[i % len(environs)]), lambda status, headers, exc=None: statuses.append(status)
        )
        b"".join(body)
        getattr(body, "close", lambda: None)()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert all(status.startswith("200") for status in statuses), set(statuses)
    return wall / n * 1e6, cpu / n * 1e6


def paired_pages(database_url: str, rounds: int = 4, per_round: int = 1000) -> None:
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": REDIS_URL,
        "JOBS_REDIS_URL": REDIS_URL,
        "APP_ENV": "production",
        "SECRET_KEY": "probe-" + os.urandom(8).hex(),
        "PUBLIC_BASE_URL": "https://ocop.example.vn",
        "RATELIMIT_SCAN": "100000000 per minute",
    }
    apps = {
        mode: create_app(type(mode, (Config,), {**settings, "SCAN_WRITE_MODE": mode})) for mode in ("buffered", "queue")
    }
    with apps["buffered"].app_context():
        rows = db.session.execute(
            text(
                "SELECT p.gtin, b.lot_code, s.serial FROM stamps s JOIN batches b ON b.id = s.batch_id"
                " JOIN products p ON p.id = b.product_id"
                " WHERE p.gtin IS NOT NULL AND s.serial IS NOT NULL AND b.is_published ORDER BY s.id LIMIT 500"
            )
        ).all()
    environs = [
        EnvironBuilder(
            path=f"/origin/01/{gtin}/10/{quote(lot, safe='')}/21/{serial}",
            base_url="https://ocop.example.vn",
            headers={"User-Agent": "Probe/1"},
        ).get_environ()
        for gtin, lot, serial in rows
    ]
    for app in apps.values():
        _scan_all(app, environs, 1500)  # warm: caches, page variants, connections
    results = {mode: [] for mode in apps}
    for _round in range(rounds):
        for mode in ("buffered", "queue", "queue", "buffered"):
            results[mode].append(_scan_all(apps[mode], environs, per_round))
    for mode, values in results.items():
        walls, cpus = [v[0] for v in values], [v[1] for v in values]
        print(
            f"origin page, {mode}: wall {statistics.median(walls):.0f} µs a scan (rounds {min(walls):.0f}–"
            f"{max(walls):.0f}), CPU {statistics.median(cpus):.0f} µs (rounds {min(cpus):.0f}–{max(cpus):.0f}); "
            f"fast path answered {apps[mode].extensions['scan_fast_path'].served:,}"
        )
    with apps["buffered"].app_context():
        scan_buffer().close()
    with apps["queue"].app_context():
        print(f"queued scans drained after: {stream.drain_scans():,}")
        drain_speed()


def drain_speed(n: int = 20_000) -> None:
    """Inside the queue app's context: queue n scans over 5,000 stamps, then time one drain."""
    rows = db.session.execute(text("SELECT id, batch_id FROM stamps ORDER BY id LIMIT 5000")).all()
    db.session.remove()
    queue, now = stream.ScanQueue(stream.redis_connection()), datetime.now(UTC)
    for i in range(n):
        stamp_id, batch_id = rows[i % len(rows)]
        queue.add(PendingScan(stamp_id, batch_id, now, "", "probe", f"{i % 7000:032x}", now.date()))
    started = time.perf_counter()
    written = stream.drain_scans()
    seconds = time.perf_counter() - started
    print(f"drain: {written:,} scans over {len(rows):,} stamps in {seconds:.2f} s, {written / seconds:,.0f} scans/s")


if __name__ == "__main__":
    round_trips()
    paired_pages(run_database_url())

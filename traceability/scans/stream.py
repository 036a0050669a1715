"""Scans queued in a Redis stream and written by a job (SCAN_WRITE_MODE = "queue", several servers).

Recording a scan appends it to the stream `ocop:scans` (XADD on REDIS_URL, never trimmed) before
the page is answered, so a web worker killed outright (SIGKILL, out of memory) loses none of the
scans it answered. The `scan-drain` job (`flask jobs scheduler` enqueues it every
SCAN_DRAIN_SECONDS; `flask jobs worker` runs it; a Redis lock lets one run at a time) reads the
stream through a consumer group and writes each batch with writes.write_in, in one transaction
that also moves this stream's mark (ScanStreamMark) to the batch's last entry; then it
acknowledges and deletes the entries (XACK, XDEL). A drain killed between that commit and the
XACK leaves its entries pending: the next drain reads them first and skips those at or below the
mark, so each scan is counted once. Scans of a stamp or batch deleted meanwhile are dropped, as
the buffered writer drops them. A drain that fails is not retried by RQ (the next one, SCAN_DRAIN_SECONDS
later, is its retry); the office sees its failures as one entry at /office/jobs (storefront/jobs).
The lock is short (LOCK_SECONDS) and renewed after each batch: a drain killed holding it delays
the next ones by LOCK_SECONDS at most, and a long drain keeps it. The office's page and /healthz
read the stream's backlog (read_backlog): how many scans wait, how old the oldest is, the last drain.

What the scanner sees: the stamp's stored counters plus their own scan (ScanQueue.add). Scans
made on other workers and servers show once drained (within about SCAN_DRAIN_SECONDS, later while
the job worker is busy with a long job). Each scan costs one more Redis round trip than buffered
mode (BENCHMARKS.md); Redis unreachable fails the scan, as it fails the rate limit before it.
"""

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import select, text, update

from traceability.models import ScanStreamMark
from traceability.scans.writes import PendingScan, write_dropping_orphans, write_in

STREAM = "ocop:scans"
GROUP = "drain"
#: One consumer name for every drain: the lock lets one run at a time, and a drain killed with its
#: entries read but not acknowledged leaves them pending under this name, for the next one to read.
CONSUMER = "drain"
LOCK = "ocop:scans:drain-lock"
#: A drain killed holding the lock holds it this long at most (the next drains wait, nothing is lost);
#: a running drain renews it after each batch (a batch of BATCH scans takes well under a second).
LOCK_SECONDS = 10
#: When the last drain that got the lock ended, and how many scans it wrote (a hash: at, written).
LAST_DRAIN = "ocop:scans:last-drain"
#: Entries written per transaction, and how long one drain goes on while entries keep coming.
BATCH = 2000
MAX_DRAIN_SECONDS = 20

_marks = ScanStreamMark.__table__
_MAKE_MARK = text(
    "INSERT INTO scan_stream_marks (stream, last_ms, last_seq) VALUES (:stream, 0, 0) ON CONFLICT DO NOTHING"
)


def redis_connection(app=None):
    """The app's Redis client for the scan stream (REDIS_URL), made on first use."""
    app = app or current_app
    conn = app.extensions.get("scan_stream_redis")
    if conn is None:
        from redis import Redis

        conn = app.extensions["scan_stream_redis"] = Redis.from_url(
            app.config["REDIS_URL"], decode_responses=True, socket_timeout=5, socket_connect_timeout=5
        )
    return conn


def encode(scan: PendingScan) -> dict:
    return {
        "s": "" if scan.stamp_id is None else scan.stamp_id,
        "b": scan.batch_id,
        "t": scan.scanned_at.isoformat(),
        "r": scan.region,
        "u": scan.user_agent,
        "d": scan.device,
        "y": scan.day.isoformat() if scan.day else "",
    }


def decode(fields: dict) -> PendingScan:
    return PendingScan(
        int(fields["s"]) if fields["s"] else None,
        int(fields["b"]),
        datetime.fromisoformat(fields["t"]),
        fields["r"],
        fields["u"],
        fields["d"],
        date.fromisoformat(fields["y"]) if fields["y"] else None,
    )


class ScanQueue:
    """The scan buffer's part that recording and the page use (buffer.ScanBuffer), over the stream.

    Nothing is kept in the process: add appends the scan to the stream, and the counters a page
    shows are the stored ones plus the visitor's own scan.
    """

    #: Stored counters are never changed by this process: a counter read is always settled.
    generation = 0

    def __init__(self, redis):
        self.redis = redis

    def add(self, scan: PendingScan, *, new_device: bool = False) -> tuple[int, datetime | None, int]:
        """Append a scan to the stream; return what it adds to its stamp's stored counters (ScanBuffer.add)."""
        self.redis.xadd(STREAM, encode(scan))
        if scan.stamp_id is None:
            return 0, None, 0
        return 1, scan.scanned_at, int(new_device)

    def settled_since(self, generation: int) -> bool:
        return True

    def wait_for_write(self) -> None:
        pass

    def unwritten(self, stamp_id: int) -> tuple[int, datetime | None, int]:
        return 0, None, 0

    def unwritten_regions(self, stamp_id: int) -> set[str]:
        return set()  # the visitor's own region: page.answer_scan adds it

    def due(self, *, age: float | None = None) -> bool:
        return False

    def flush(self, *, wait: bool = True) -> int:
        return 0  # the drain job writes

    def pending(self) -> int:
        return 0

    def close(self) -> None:
        pass


class DrainRaced(Exception):
    """Another drain moved the mark meanwhile (the lock lapsed): this batch is left to the next drain."""


def drain_scans(*, max_seconds: float = MAX_DRAIN_SECONDS) -> int:
    """Write the stream's scans to the database, each once; return how many were written (the scan-drain job)."""
    from redis.exceptions import LockError

    redis = redis_connection()
    lock = redis.lock(LOCK, timeout=LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return 0  # a drain is running: it takes these scans too
    try:
        _ensure_group(redis)
        from storefront.extensions import db

        written, deadline = 0, time.monotonic() + max_seconds
        while entries := _read(redis):
            written += _write_entries(db.engine, entries)
            _acknowledge(redis, [entry_id for entry_id, _fields in entries])
            if time.monotonic() > deadline or not _renew(lock):
                break  # the next drain goes on
        redis.hset(LAST_DRAIN, mapping={"at": f"{time.time():.3f}", "written": written})
        return written
    finally:
        try:
            lock.release()
        except LockError:  # it lapsed (a batch longer than LOCK_SECONDS): the mark kept it exact
            pass


def _renew(lock) -> bool:
    """Give the lock LOCK_SECONDS again; False when it lapsed and another drain may hold it (stop: the mark kept it exact)."""
    from redis.exceptions import LockError

    try:
        lock.reacquire()
    except LockError:
        return False
    return True


def _ensure_group(redis) -> None:
    from redis.exceptions import ResponseError

    try:  # from the stream's start: entries added before the group existed are drained too
        redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def _read(redis) -> list:
    """Entries read earlier but not acknowledged (a drain that died) first, else new ones."""
    for start in ("0", ">"):
        reply = redis.xreadgroup(GROUP, CONSUMER, {STREAM: start}, count=BATCH)
        entries = reply[0][1] if reply else []
        if entries:
            return entries
    return []


def _key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq)


def _write_entries(engine, entries: list) -> int:
    """Write the entries' scans not written yet and move the mark to the last entry, in one transaction."""
    last = max(_key(entry_id) for entry_id, _fields in entries)
    done = _stored_mark(engine)
    # An entry deleted while pending comes back with no fields: nothing to write.
    fresh = [decode(fields) for entry_id, fields in entries if fields and _key(entry_id) > done]

    def write_batch(engine, scans):
        with engine.begin() as connection:
            if _locked_mark(connection) != done:
                raise DrainRaced()
            # Durable: the entries are deleted from Redis once this commits.
            write_in(connection, scans, durable=True)
            connection.execute(
                update(_marks).where(_marks.c.stream == STREAM).values(last_ms=last[0], last_seq=last[1])
            )

    if last <= done and not fresh:
        return 0  # written by a drain that died before its acknowledgement
    return write_dropping_orphans(engine, fresh, write_batch=write_batch, logger=current_app.logger)


def _stored_mark(engine) -> tuple[int, int]:
    with engine.connect() as connection:
        row = connection.execute(select(_marks.c.last_ms, _marks.c.last_seq).where(_marks.c.stream == STREAM)).first()
    return (row[0], row[1]) if row else (0, 0)


def _locked_mark(connection) -> tuple[int, int]:
    """The mark, read under a row lock held to the commit (made at 0-0 on the first drain)."""
    connection.execute(_MAKE_MARK, {"stream": STREAM})
    row = connection.execute(
        select(_marks.c.last_ms, _marks.c.last_seq).where(_marks.c.stream == STREAM).with_for_update()
    ).one()
    return row[0], row[1]


def _acknowledge(redis, entry_ids: list[str]) -> None:
    """Acknowledge and delete written entries (one round trip): the stream keeps only unwritten scans."""
    pipe = redis.pipeline(transaction=False)
    pipe.xack(STREAM, GROUP, *entry_ids)
    pipe.xdel(STREAM, *entry_ids)
    pipe.execute()


@dataclass(frozen=True)
class Backlog:
    """The stream's state for the office and /healthz; ages by Redis' clock, the one that stamps entry ids."""

    waiting: int  #: scans in the stream, not written yet
    pending: int  #: of those, read by a drain and not acknowledged (one is running, or one died)
    oldest_seconds: float | None  #: age of the oldest waiting scan (None: nothing waits)
    last_drain_at: datetime | None  #: when the last drain that ran ended (UTC)
    last_drain_written: int | None
    last_drain_seconds: float | None  #: how long ago that was
    alert_seconds: int

    @property
    def stale(self) -> bool:
        """Say whether the oldest waiting scan waited longer than SCAN_QUEUE_ALERT_SECONDS (scans are not written)."""
        return self.oldest_seconds is not None and self.oldest_seconds > self.alert_seconds


def read_backlog() -> Backlog | None:
    """Read the stream's backlog in one round trip; None when Redis does not answer (logged, never raised)."""
    from redis.exceptions import RedisError, ResponseError

    try:
        pipe = redis_connection().pipeline(transaction=False)
        pipe.time().xlen(STREAM).xrange(STREAM, count=1).xpending(STREAM, GROUP).hgetall(LAST_DRAIN)
        (seconds, micros), waiting, first, pending, last = pipe.execute(raise_on_error=False)
    except RedisError as error:
        current_app.logger.warning("scan queue: Redis unreachable: %s", error)
        return None
    if isinstance(pending, ResponseError):  # no group yet: no drain has run
        pending = {"pending": 0}
    for reply in (waiting, first, pending, last):
        if isinstance(reply, Exception):
            current_app.logger.warning("scan queue: Redis answered %s", reply)
            return None
    now = seconds + micros / 1e6
    last_at = float(last["at"]) if last.get("at") else None
    return Backlog(
        waiting=waiting,
        pending=pending["pending"],
        oldest_seconds=max(0.0, now - _key(first[0][0])[0] / 1000) if first else None,
        last_drain_at=datetime.fromtimestamp(last_at, UTC) if last_at else None,
        last_drain_written=int(last["written"]) if last.get("written") else None,
        last_drain_seconds=max(0.0, now - last_at) if last_at else None,
        alert_seconds=int(current_app.config.get("SCAN_QUEUE_ALERT_SECONDS", 60)),
    )

"""Scans written in batches: each worker queues its scans and a background thread writes them
(SCAN_WRITE_MODE=buffered; "queue" keeps them in Redis instead: stream.py).

With SCAN_WRITE_MODE = "buffered" (the default) a scan costs the origin page its one look-up
query. The process's queued scans are written in one short transaction by the first scan
request to find them SCAN_FLUSH_SECONDS old or SCAN_FLUSH_MAX many (after its answer is sent),
by a background thread when the worker is quiet (within 2-3 × SCAN_FLUSH_SECONDS), and when
the process exits (atexit: gunicorn's graceful stop, `flask run` ending). The page shows the stamp's stored
counter plus this process's unwritten scans of it, so a visitor sees their own scan at once;
other workers' scans show within SCAN_FLUSH_SECONDS.

A request that read a stamp's stored counter while a write was under way waits for it and
reads again (`settled_since`), so a counter is never off by a batch. A failed write is kept and
tried again after a growing pause; scans whose stamp or batch was deleted meanwhile are dropped.
What is given up: a worker killed outright (SIGKILL, a crash) loses its queued scans, at most
SCAN_FLUSH_SECONDS' worth, as PostgreSQL's synchronous_commit=off already allows for the last
moment of committed ones. "immediate" writes each scan in the request's own transaction
instead. How a batch is written: writes.py.
"""

import atexit
import os
import threading
import time
from collections import Counter
from datetime import datetime

from flask import current_app

from storefront.extensions import db
from traceability.scans.stream import ScanQueue, redis_connection
from traceability.scans.writes import PendingScan, write_dropping_orphans

#: Scans kept for a retry while the database refuses writes; older ones are dropped (and logged).
MAX_KEPT = 100_000
#: Longest pause before trying a failed write again (it doubles from SCAN_FLUSH_SECONDS).
MAX_RETRY_SECONDS = 60


class ScanBuffer:
    """One process's queue of scans not yet written, and their per-stamp counts."""

    def __init__(self, engine, *, flush_seconds: float = 1.0, flush_max: int = 500, logger=None):
        self.engine = engine
        self.flush_seconds = flush_seconds
        self.flush_max = flush_max
        self.logger = logger
        self._reset()
        atexit.register(self._flush_at_exit)

    def _reset(self) -> None:
        """Start empty: at creation, and in a child forked after use (gunicorn --preload)."""
        self._pid = os.getpid()
        self._lock = threading.Lock()  # guards the queue and the counts (held briefly)
        self._write_lock = threading.Lock()  # one write at a time
        self._wake = threading.Event()
        self._queue: list[PendingScan] = []
        self._queued_since = 0.0  # time.monotonic() of the oldest queued scan
        #: stamp id → scans queued or being written; first scan time and regions among them.
        self._unwritten: Counter = Counter()
        self._first: dict[int, datetime] = {}
        self._regions: dict[int, Counter] = {}
        #: stamp id → unwritten scans per device that was not stored when its scan was looked up.
        self._devices: dict[int, Counter] = {}
        #: Odd while a write is under way; goes up at its start and at its end.
        self._generation = 0
        self._failures = 0
        self._retry_at = 0.0
        self._thread = None
        self._closing = False

    def _check_fork(self) -> None:
        if self._pid != os.getpid():  # the parent's queue, locks and thread are not this process's
            self._reset()

    @property
    def generation(self) -> int:
        """Read before looking up a stamp's stored counter; see settled_since."""
        self._check_fork()
        return self._generation

    def settled_since(self, generation: int) -> bool:
        """Whether no write started or ended since `generation` was read (the stored counter still holds)."""
        return generation % 2 == 0 and self._generation == generation

    def wait_for_write(self) -> None:
        """Return once the write under way, if any, has ended."""
        with self._write_lock:
            pass

    def add(self, scan: PendingScan, *, new_device: bool = False) -> tuple[int, datetime | None, int]:
        """Queue a scan; return its stamp's unwritten scan count, first unwritten scan time and new devices.

        new_device: the look-up found no stored row of the scan's device for the stamp. Such
        devices are this worker's unwritten distinct devices of the stamp, shown until written.
        """
        self._check_fork()
        with self._lock:
            if not self._queue:
                self._queued_since = time.monotonic()
            self._queue.append(scan)
            if self._thread is None:
                self._start()
            if scan.stamp_id is None:
                return 0, None, 0
            self._unwritten[scan.stamp_id] += 1
            self._first.setdefault(scan.stamp_id, scan.scanned_at)
            if scan.region:
                self._regions.setdefault(scan.stamp_id, Counter())[scan.region] += 1
            if new_device:
                self._devices.setdefault(scan.stamp_id, Counter())[scan.device] += 1
            return (
                self._unwritten[scan.stamp_id],
                self._first[scan.stamp_id],
                len(self._devices.get(scan.stamp_id, ())),
            )

    def unwritten(self, stamp_id: int) -> tuple[int, datetime | None, int]:
        """This process's unwritten scans of a stamp: how many, the first one's time, new devices among them."""
        with self._lock:
            return self._unwritten.get(stamp_id, 0), self._first.get(stamp_id), len(self._devices.get(stamp_id, ()))

    def due(self, *, age: float | None = None) -> bool:
        """Whether the queue should be written now: SCAN_FLUSH_MAX scans, or the oldest `age` seconds old
        (never while a failed write waits for its retry)."""
        with self._lock:
            if not self._queue:
                return False
            now = time.monotonic()
            if now < self._retry_at:
                return False
            age = self.flush_seconds if age is None else age
            return len(self._queue) >= self.flush_max or now - self._queued_since >= age

    def unwritten_regions(self, stamp_id: int) -> set[str]:
        """Regions of this process's unwritten scans of a stamp (for the copied-stamp warning)."""
        with self._lock:
            return set(self._regions.get(stamp_id, ()))

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def flush(self, *, wait: bool = True) -> int:
        """Write the queued scans in one transaction; return how many were written.

        wait=False (a request's path) returns 0 at once when another write is under way.
        """
        self._check_fork()
        if not self._write_lock.acquire(blocking=wait):
            return 0
        try:
            with self._lock:
                batch, self._queue = self._queue, []
                if not batch:
                    return 0
                self._generation += 1
            try:
                written = write_dropping_orphans(self.engine, batch, logger=self.logger)
            except Exception:
                self._keep_for_retry(batch)
                if self.logger:
                    self.logger.exception("could not write %d scans; will retry", len(batch))
                written = 0
            else:
                with self._lock:
                    self._forget(batch)
                    self._failures, self._retry_at = 0, 0.0
            finally:
                with self._lock:
                    self._generation += 1
            return written
        finally:
            self._write_lock.release()

    def _keep_for_retry(self, batch: list[PendingScan]) -> None:
        with self._lock:
            self._failures += 1
            pause = min(MAX_RETRY_SECONDS, self.flush_seconds * 2**self._failures)
            self._retry_at = time.monotonic() + pause
            self._queue[:0] = batch
            dropped = self._queue[:-MAX_KEPT] if len(self._queue) > MAX_KEPT else []
            if dropped:
                del self._queue[: len(dropped)]
                self._forget(dropped)
        if dropped and self.logger:
            self.logger.error("dropped %d scans: the database refused writes too long", len(dropped))

    def _forget(self, scans: list[PendingScan]) -> None:
        """Drop written (or dropped) scans from the unwritten counts; the caller holds the lock."""
        for scan in scans:
            stamp_id = scan.stamp_id
            if stamp_id is None:
                continue
            self._unwritten[stamp_id] -= 1
            if scan.region:
                regions = self._regions[stamp_id]
                regions[scan.region] -= 1
                if regions[scan.region] <= 0:
                    del regions[scan.region]
            devices = self._devices.get(stamp_id)
            if devices is not None and scan.device in devices:
                devices[scan.device] -= 1
                if devices[scan.device] <= 0:
                    del devices[scan.device]
            if self._unwritten[stamp_id] <= 0:
                del self._unwritten[stamp_id]
                self._first.pop(stamp_id, None)
                self._regions.pop(stamp_id, None)
                self._devices.pop(stamp_id, None)

    def close(self) -> None:
        """Write what is queued and stop the writer thread (the app is going away)."""
        self._check_fork()
        with self._lock:
            thread, self._thread = self._thread, None
            self._closing = thread is not None
        if thread is not None:
            self._wake.set()
            thread.join(timeout=30)
        atexit.unregister(self._flush_at_exit)
        self.flush()

    def _flush_at_exit(self) -> None:
        if self._pid == os.getpid():  # a forked child never writes its parent's queue
            self.flush()

    def _start(self) -> None:
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="scan-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # Under load the requests write (after their answer is sent, in their own thread: a
        # writer thread busy with Python would hold the GIL while they wait on sockets). This
        # thread writes what a quiet worker leaves queued, and what is left at close.
        while True:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            if self._closing:
                self.flush()
                return
            if self.due(age=2 * self.flush_seconds):
                self.flush()


def buffered() -> bool:
    """Whether scans are queued (in the worker, or in Redis with SCAN_WRITE_MODE=queue), not written in the request."""
    return current_app.config.get("SCAN_WRITE_MODE", "buffered") != "immediate"


_made = threading.Lock()


def scan_buffer() -> ScanBuffer | ScanQueue:
    """Return this app's scan buffer, made on first use (its writer thread starts on the first scan);
    with SCAN_WRITE_MODE=queue, the Redis stream in its place (stream.py)."""
    buffer = current_app.extensions.get("scan_buffer")
    if buffer is None:
        with _made:  # two threads' first scans must share one buffer
            buffer = current_app.extensions.get("scan_buffer")
            if buffer is None:
                config = current_app.config
                if config.get("SCAN_WRITE_MODE") == "queue":
                    buffer = ScanQueue(redis_connection())
                else:
                    buffer = ScanBuffer(
                        db.engine,
                        flush_seconds=float(config.get("SCAN_FLUSH_SECONDS", 1.0)),
                        flush_max=int(config.get("SCAN_FLUSH_MAX", 500)),
                        logger=current_app.logger,
                    )
                current_app.extensions["scan_buffer"] = buffer
    return buffer

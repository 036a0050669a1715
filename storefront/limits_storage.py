"""Rate-limit counters kept in the worker (no REDIS_URL), without a thread started every 10 ms.

limits' MemoryStorage frees expired counters from a threading.Timer that it starts again, 10 ms
after the last one ended, whenever a limit is counted: under load a worker creates and starts
about a hundred threads a second, on the requests' own threads (a sampling profile of scans put
a tenth of their time there). A counter already expires when it is read (MemoryStorage.get), so
the sweep only frees memory: here the request that finds the last sweep SWEEP_SECONDS old runs
it itself (one at a time; a key another thread removes meanwhile is skipped), and no thread is
started.

Configured as ``worker-memory://`` (the app's default when REDIS_URL is empty); limits finds the
class by its STORAGE_SCHEME.
"""

import bisect
import threading
import time

from limits.storage import MemoryStorage


class WorkerMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["worker-memory"]
    #: How often expired counters and moving-window entries are dropped.
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the one Timer MemoryStorage starts on creation
        self._next_sweep = 0.0
        self._sweeping = threading.Lock()

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.timer.cancel()
        self._sweeping = threading.Lock()

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_sweeping", None)
        return state

    # MemoryStorage calls self.__schedule_expiry() (name-mangled) before each counted hit.
    def _MemoryStorage__schedule_expiry(self) -> None:
        if time.monotonic() >= self._next_sweep and self._sweeping.acquire(blocking=False):
            try:
                self._next_sweep = time.monotonic() + self.SWEEP_SECONDS
                self.sweep()
            finally:
                self._sweeping.release()

    def sweep(self) -> None:
        """Drop expired counters and moving-window entries now (as MemoryStorage's timer does, but
        tolerating keys that requests remove meanwhile: this runs on a request's thread)."""
        now = time.time()
        for key in list(self.events):
            with self.locks[key]:
                events = self.events.get(key)
                if events:
                    # Newest first: keep the entries not yet expired.
                    self.events[key] = events[: bisect.bisect_left(events, -now, key=lambda event: -event.expiry)]
                if not self.events.get(key):
                    self.locks.pop(key, None)
        for key, expiry in list(self.expirations.items()):
            if expiry <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)

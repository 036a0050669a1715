"""Rate-limit counters kept in the worker (no REDIS_URL), without a thread started every 10 ms.

limits' MemoryStorage frees expired counters from a threading.Timer that it starts again, 10 ms
after the last one ended, whenever a limit is counted: under load a worker creates and starts
about a hundred threads a second, on the requests' own threads (a sampling profile of scans put
a tenth of their time there). A counter already expires when it is read (MemoryStorage.get), so
the sweep only frees memory: here the request that finds the last sweep SWEEP_SECONDS old runs
it itself, and no thread is started.

Configured as ``worker-memory://`` (the app's default when REDIS_URL is empty); limits finds the
class by its STORAGE_SCHEME.
"""
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

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.timer.cancel()

    # MemoryStorage calls self.__schedule_expiry() (name-mangled) before each counted hit.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self.sweep()

    def sweep(self) -> None:
        """Drop expired counters and moving-window entries now."""
        self._MemoryStorage__expire_events()

"""The worker's own rate-limit storage (worker-memory://): limits' MemoryStorage without its timer threads."""

import threading

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from storefront.limits_storage import WorkerMemoryStorage


@pytest.fixture
def clock(monkeypatch):
    """time.time() and time.monotonic() as the storage reads them, moved by hand."""
    import limits.storage.memory

    import storefront.limits_storage

    now = {"t": 1_800_000_000.0}

    class Clock:
        def time(self):
            return now["t"]

        monotonic = time

        def advance(self, seconds):
            now["t"] += seconds

    fake = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    monkeypatch.setattr(storefront.limits_storage, "time", fake)
    return fake


@pytest.fixture
def timers(monkeypatch):
    """Count the threading.Timer objects limits' memory storage creates."""
    import limits.storage.memory

    made = []

    class CountingTimer(threading.Timer):
        def __init__(self, *args, **kwargs):
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(limits.storage.memory.threading, "Timer", CountingTimer)
    return made


def test_the_scheme_names_the_worker_storage():
    storage = storage_from_string("worker-memory://")
    assert type(storage) is WorkerMemoryStorage and storage.check()


def test_the_app_counts_limits_in_it_without_redis(app):
    from storefront.extensions import limiter

    assert app.config["REDIS_URL"] == ""
    assert type(limiter.storage) is WorkerMemoryStorage


def test_a_fixed_window_counts_refuses_and_starts_again_after_its_window(clock, timers):
    storage = WorkerMemoryStorage()
    limiter, limit = FixedWindowRateLimiter(storage), parse("3 per minute")
    assert [limiter.hit(limit, "1.2.3.4") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(limit, "5.6.7.8")  # another client has its own counter
    clock.advance(61)
    assert limiter.hit(limit, "1.2.3.4")
    assert limiter.get_window_stats(limit, "1.2.3.4").remaining == 2
    assert len(timers) == 1  # the one MemoryStorage makes on creation (cancelled), none per hit


def test_hits_start_no_thread_and_expired_counters_are_swept(clock, timers):
    storage = WorkerMemoryStorage()
    limiter, limit = FixedWindowRateLimiter(storage), parse("10 per second")
    for client in range(50):
        limiter.hit(limit, f"10.0.0.{client}")
        clock.advance(0.02)  # limits' own storage would start a timer thread each 10 ms
    assert len(timers) == 1 and timers[0].finished.is_set()  # made once by MemoryStorage, cancelled
    assert len(storage.storage) == 50
    clock.advance(2)
    limiter.hit(limit, "10.0.1.1")  # the first hit a second after the last sweep sweeps
    assert set(storage.storage) == {limit.key_for("10.0.1.1")}
    assert set(storage.expirations) == {limit.key_for("10.0.1.1")}


def test_a_moving_window_works_and_its_old_entries_are_swept(clock, timers):
    storage = WorkerMemoryStorage()
    limiter, limit = MovingWindowRateLimiter(storage), parse("2 per minute")
    assert [limiter.hit(limit, "a") for _ in range(3)] == [True, True, False]
    clock.advance(61)
    assert limiter.hit(limit, "b")
    assert not storage.events.get(limit.key_for("a"))  # its entries are gone
    assert limiter.hit(limit, "a")


def test_a_sweep_skips_keys_that_requests_remove_meanwhile(clock, timers):
    """The sweep runs on a request's thread: a counter another request expires under it is no error."""
    storage = WorkerMemoryStorage()
    limiter, limit = FixedWindowRateLimiter(storage), parse("5 per second")
    for client in range(3):
        limiter.hit(limit, f"10.0.0.{client}")
    clock.advance(2)
    gone = limit.key_for("10.0.0.1")

    class Racing(dict):
        """expirations as seen by a sweep that another thread overtakes: one key vanishes once listed."""

        def items(self):
            listed = list(super().items())
            storage.get(gone)  # another request reads the expired counter: MemoryStorage.get removes it
            return listed

        def keys(self):  # limits' own sweep lists the keys, then reads each: KeyError for the one gone
            listed = list(super().keys())
            storage.get(gone)
            return listed

    storage.expirations = Racing(storage.expirations)
    storage.sweep()
    assert not storage.storage and not storage.expirations


def test_one_sweep_at_a_time(clock, timers):
    storage = WorkerMemoryStorage()
    sweeps = []
    storage.sweep = lambda: sweeps.append(1)
    storage._sweeping.acquire()  # another request is sweeping
    storage.incr("k", 60)
    assert sweeps == []
    storage._sweeping.release()
    storage.incr("k", 60)
    assert sweeps == [1]
    storage.incr("k", 60)  # within SWEEP_SECONDS of the last
    assert sweeps == [1]

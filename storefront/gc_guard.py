"""The cyclic garbage collector run from one thread of its own, never inside an allocation.

Python 3.11 runs the collector inside whichever allocation crosses its threshold, in the middle
of the C code that allocated (3.12 moved it between bytecodes). The finalizers and weakref
callbacks it runs there (SQLAlchemy's InstanceState._cleanup sets attributes) can then change
objects that the interrupted C code is half-way through, and under threads the collection's
Python code lets other threads run in that window too. Threaded gunicorn workers died of it
(BENCHMARKS.md finding 2). With GC_COLLECTOR=thread, automatic collection is off and a daemon
thread collects by the same thresholds from Python code, where no C operation is half done.
"""

import gc
import os
import threading
import time

#: How often the collector thread looks at the allocation counts.
INTERVAL_SECONDS = 0.05

_started_in = None


def install(mode: str) -> None:
    """Apply GC_COLLECTOR: "automatic" (Python's default) or "thread"."""
    if mode not in ("automatic", "thread"):
        raise RuntimeError("GC_COLLECTOR must be 'automatic' or 'thread'")
    if mode == "thread":
        _start()


def _start() -> None:
    global _started_in
    if _started_in == os.getpid():
        return
    _started_in = os.getpid()
    gc.disable()
    threading.Thread(target=_collect_forever, name="gc-collector", daemon=True).start()


def _collect_forever() -> None:
    thresholds = gc.get_threshold()
    while True:
        time.sleep(INTERVAL_SECONDS)
        collect_due(thresholds)


def collect_due(thresholds=None) -> int | None:
    """Collect the oldest generation whose count is over its threshold, as the automatic collector
    would; return the generation collected, or None."""
    counts = gc.get_count()
    thresholds = thresholds or gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return generation
    return None


def _restart_in_child() -> None:
    """A forked worker has no collector thread (only the forking thread survives a fork)."""
    if _started_in is not None:
        _start()  # a new process id: starts the thread again


os.register_at_fork(after_in_child=_restart_in_child)

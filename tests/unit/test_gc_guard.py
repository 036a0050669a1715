"""The collector thread (storefront/gc_guard.py) and the Python 3.11 crash it prevents (BENCHMARKS.md finding 2).

Each case runs in a child process: turning automatic collection off must not leak into the suite.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args, *(["-c", textwrap.dedent(code)] if code else [])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_thread_collects_cycles_and_a_forked_worker_gets_its_own():
    result = _python(
        """
        import gc, os, threading, time, weakref
        from storefront import gc_guard

        gc_guard.install("thread")
        assert not gc.isenabled()

        def cycle_collected():
            class Node: pass
            node = Node(); node.me = node
            ref = weakref.ref(node); del node
            deadline, kept = time.monotonic() + 10, []
            while ref() is not None and time.monotonic() < deadline:
                kept.append([Node() for _ in range(100)])  # kept objects move the generation-0 count on
                time.sleep(0.01)
            return ref() is None

        assert cycle_collected()
        pid = os.fork()
        if pid == 0:  # a gunicorn worker forked from a master that installed it
            ok = not gc.isenabled() and "gc-collector" in [t.name for t in threading.enumerate()] and cycle_collected()
            os._exit(0 if ok else 1)
        assert os.waitpid(pid, 0)[1] == 0
        print("ok")
        """
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_automatic_mode_leaves_python_alone_and_a_misspelt_mode_is_refused():
    result = _python(
        """
        import gc, threading
        from storefront import gc_guard

        gc_guard.install("automatic")
        assert gc.isenabled() and "gc-collector" not in [t.name for t in threading.enumerate()]
        try:
            gc_guard.install("threads")
        except RuntimeError as error:
            print(error)
        """
    )
    assert "GC_COLLECTOR must be" in result.stdout, result.stderr


def test_the_server_entry_point_installs_the_configured_mode_and_create_app_does_not():
    result = _python(
        """
        import gc, os
        os.environ["GC_COLLECTOR"] = "thread"
        from config import Config
        from storefront import create_app

        create_app(Config)  # the factory changes nothing process-wide (tests build many apps)
        before = gc.isenabled()
        import wsgi  # gunicorn's and flask's entry point
        print(before, gc.isenabled())
        """
    )
    assert result.stdout.strip() == "True False", result.stderr


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12+ collects only between bytecodes")
def test_python_3_11_crashes_on_the_reproduction_and_the_collector_thread_prevents_it():
    crashed = _python("", "-m", "bench.gc_reentry_crash")
    assert crashed.returncode == -11, (crashed.returncode, crashed.stdout, crashed.stderr)  # SIGSEGV
    guarded = _python("", "-m", "bench.gc_reentry_crash", "--guard")
    assert guarded.returncode == 0 and "no crash" in guarded.stdout, guarded.stderr


def test_collect_due_picks_the_oldest_generation_over_its_threshold(monkeypatch):
    from storefront import gc_guard

    collected = []
    monkeypatch.setattr(gc_guard.gc, "collect", collected.append)
    for counts, expected in [((701, 0, 0), 0), ((701, 11, 0), 1), ((701, 11, 11), 2), ((5, 0, 0), None)]:
        monkeypatch.setattr(gc_guard.gc, "get_count", lambda counts=counts: counts)
        assert gc_guard.collect_due((700, 10, 10)) == expected
    assert collected == [0, 1, 2]

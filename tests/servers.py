"""Server processes for tests that need two workers sharing a database (or Redis)."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def server_processes(script: str, args_per_port: dict[int, list[str]], log_dir: Path):
    """Start `python -c script *args` once per port, wait until each answers, yield their base URLs."""
    procs, logs = [], [log_dir / f"worker{n}.log" for n in range(len(args_per_port))]
    for args, log in zip(args_per_port.values(), logs):
        with log.open("w") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", script, *args],
                    cwd=ROOT,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        for port, proc, log in zip(args_per_port, procs, logs):
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
        yield [f"http://127.0.0.1:{port}" for port in args_per_port]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)

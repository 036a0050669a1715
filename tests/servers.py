"""Server processes for tests that need two workers sharing a database (or Redis)."""

import contextlib
import getpass
import os
import signal
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


def nginx_main_conf(tmp: Path, site: Path) -> str:
    """An nginx.conf running one site from a temporary folder (pid, logs, temp files in tmp)."""
    # Workers as the caller's own user (root in CI: nginx would drop to `nobody`, who cannot write the temp cache).
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    return (
        user + f"pid {tmp}/nginx.pid;\nerror_log {tmp}/nginx-error.log;\nevents {{}}\nhttp {{\n  access_log off;\n"
        f"  client_body_temp_path {tmp}/body;\n  proxy_temp_path {tmp}/proxy;\n  include {site};\n}}\n"
    )


def wait_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    """Wait until something answers on the port; fail with the end of the log if proc exits first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{proc.args[0]} did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


def stop_process_groups(procs) -> None:
    """SIGTERM each process group still running, then SIGKILL those not gone within 20 s."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)

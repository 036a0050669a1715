"""A real gunicorn with the shipped settings (deploy/gunicorn.conf.py, two workers) on loopback, for tests."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """`count` different free ports: the sockets stay bound until all are chosen (two calls of
    free_port() may be handed the same port, which once gave a two-worker test one server)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def workers(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@contextlib.contextmanager
def preloaded_gunicorn(database_url: str, tmp_path: Path, **settings):
    """Serve the app in production settings on the test database; yield (process, base URL, log file).

    settings: more environment (REDIS_URL …). The master and its workers are a process group of
    their own, stopped with SIGTERM at the end unless the test killed them first.
    """
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "preload-test-" + os.urandom(8).hex(),
        "DATABASE_URL": database_url,
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "STAMP_DIR": str(tmp_path / "stamps"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **settings,
    }
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
    command += ["--workers", "2", "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "wsgi:app"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while len(workers(process.pid)) < 2 or not _answers(port):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        yield process, f"http://127.0.0.1:{port}", log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=40)

"""Serve a WSGI app with gunicorn on a free loopback port, and read its workers' memory."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Seconds a server may take to answer its first request: a loaded machine (or a cold PostgreSQL
#: dataset copy) made 60 s too short. BENCH_START_TIMEOUT overrides it.
START_TIMEOUT = float(os.environ.get("BENCH_START_TIMEOUT", "300"))


@dataclass(frozen=True)
class Gunicorn:
    """The production-like serving setup, the same for the shop and the baseline."""

    workers: int = 2
    threads: int = 1
    #: "sync" (gunicorn's default, which deploy/ runs) or "gthread" (the bench's setup until 7/12/2026).
    #: More than one thread means gthread: a sync worker has one.
    worker_class: str = "sync"

    def __post_init__(self):
        if self.threads > 1:
            object.__setattr__(self, "worker_class", "gthread")

    def describe(self) -> str:
        threads = f" --threads {self.threads}" if self.worker_class == "gthread" else ""
        return f"gunicorn -w {self.workers} -k {self.worker_class}{threads}, 127.0.0.1"

    def options(self) -> list[str]:
        threads = ["--threads", str(self.threads)] if self.worker_class == "gthread" else []
        return ["-w", str(self.workers), "-k", self.worker_class, *threads]


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log_path: Path
    worker_pids: list = field(default_factory=list)

    def workers(self) -> list[int]:
        """Return the pids of the master's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def memory_mb(self) -> dict:
        """Return {pid: (peak RSS MB, current RSS MB)} for each worker."""
        return {pid: memory_of(pid) for pid in self.workers()}

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) its workers have used so far."""
        ticks = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a worker that has just exited
            ticks += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15 in proc(5)
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, timeout: float = 30.0, step: float = 0.1) -> None:
        """Wait until the workers use no CPU for `step` s: the requests a wrk run left in flight are done."""
        deadline = time.monotonic() + timeout
        used = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(step)
            used, before = self.cpu_seconds(), used
            if used - before < step / 10:  # under 10% of one core: with 100 Hz ticks, not one tick
                return

    def log_problems(self) -> dict:
        """Count the exceptions the app logged and the workers that died during the run."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return {}
        return {
            "exceptions": text.count("ERROR in app: Exception on"),
            "worker_deaths": len(re.findall(r"Worker \(pid:\d+\) (?:was sent|exited)", text)),
            "worker_timeouts": text.count("WORKER TIMEOUT"),
            "fatal_errors": text.count("Fatal Python error"),
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def services_cpu_seconds(database: str | None) -> dict[str, float]:
    """Return the CPU seconds used so far by the database and Redis processes serving the bench.

    PostgreSQL: the backends connected to `database` (process title "postgres: [cluster:] user database …")
    and the server's own processes without a database (WAL writer, checkpointer, background
    writer: they work for every database); None counts no PostgreSQL process (SQLite). Redis: the
    whole redis-server, which other work on the machine (tests) may also use.
    """
    ticks = {"PostgreSQL": 0, "Redis": 0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # exited meanwhile
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        used = int(fields[11]) + int(fields[12])
        if comm.startswith("redis-server"):
            ticks["Redis"] += used
        elif database and title.startswith("postgres: "):
            words = title.split()[1:]
            if words and words[0].endswith(":"):  # the cluster's name ("15/main:") on Debian
                words = words[1:]
            own = len(words) >= 2 and words[1] == database  # "user database client state": a backend of ours
            shared = words[:1] in (["walwriter"], ["checkpointer"], ["background"])
            if own or shared:
                ticks["PostgreSQL"] += used
    return {name: count / os.sysconf("SC_CLK_TCK") for name, count in ticks.items()}


def memory_of(pid: int) -> tuple[float, float]:
    """Return (VmHWM, VmRSS) of a process in MB, read from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmHWM", 0.0), values.get("VmRSS", 0.0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(
    name: str,
    wsgi: str,
    setup: Gunicorn,
    env: dict,
    log_dir: Path,
    ready_path: str = "/",
    port: int | None = None,
    options: tuple = (),
) -> Server:
    """Start gunicorn serving `wsgi` (module:app) on `port` (default: a free one) and wait until it answers;
    `options` are more gunicorn command-line options (e.g. ("--config", path))."""
    port = port or int(os.environ.get("BENCH_PORT") or 0) or free_port()  # a fixed port where the machine is shared
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"gunicorn-{name}.log"
    log_path.write_text("")  # one run per log, so its errors can be counted
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *setup.options(),
        "-b",
        f"127.0.0.1:{port}",
        "--error-logfile",
        str(log_path),
        "--log-level",
        "warning",
        "--timeout",
        "120",
        *options,
        wsgi,
    ]
    # Faulthandler puts a Python traceback in the log if a worker dies of a signal (SIGSEGV).
    # stderr goes to the same log: that is where faulthandler writes.
    with log_path.open("ab") as stderr:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONFAULTHANDLER": "1", **env},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    server = Server(name=name, url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn for {name} exited; see {log_path}:\n{_tail(log_path)}")
        try:
            urllib.request.urlopen(server.url + ready_path, timeout=5).read()
        except urllib.error.HTTPError:
            pass  # it answers: good enough to start
        except OSError:
            time.sleep(0.2)
            continue
        if len(server.workers()) >= setup.workers:
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn for {name} did not answer within {START_TIMEOUT:g} s; see {log_path}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text().splitlines()[-lines:])
    except OSError:
        return ""


def start_jobs(env: dict, log_dir: Path) -> list[subprocess.Popen]:
    """Start `flask jobs worker` and `flask jobs scheduler` on the shop's environment (logs beside its own)."""
    processes = []
    for name in ("worker", "scheduler"):
        with (log_dir / f"jobs-{name}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "jobs", name],
                    cwd=ROOT,
                    env={**os.environ, **env, "FLASK_APP": "wsgi.py"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    return processes


def stop_jobs(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

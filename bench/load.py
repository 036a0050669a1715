"""Drive a server with wrk and read its figures; plus a tiny HTTP GET helper."""
import json
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).resolve().parent / "rotate.lua"
MARKER = "BENCH_JSON "
TIMEOUT_SECONDS = 10


@dataclass
class Load:
    """Fixed load: wrk threads, connections, seconds, and a warm-up before each measurement."""

    threads: int = 2
    connections: int = 16
    seconds: int = 10
    warmup_seconds: int = 2


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    #: Responses outside 2xx/3xx plus socket errors and timeouts.
    errors: int
    bytes: int


def ensure_wrk(log=print) -> str:
    """Return the wrk executable, installing Debian's package if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk not found: installing it with apt-get ...")
    sudo = [] if _is_root() else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is still missing after apt-get install wrk")
    return found


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


def parse_wrk_output(output: str) -> WrkResult:
    """Read the totals line printed by rotate.lua's done()."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER):])
            break
    else:
        raise ValueError(f"no {MARKER.strip()} line in wrk output:\n{output}")
    seconds = data["duration_us"] / 1e6
    errors = sum(data[k] for k in ("errors_connect", "errors_read", "errors_write", "errors_status", "errors_timeout"))
    return WrkResult(
        requests=data["requests"], seconds=seconds, rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000, p95_ms=data["p95_us"] / 1000, p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000, errors=errors, bytes=data["bytes"],
    )


def run_wrk(wrk: str, base_url: str, paths: list[str], load: Load) -> WrkResult:
    """Warm up, then run wrk over `paths` in turn at the fixed load and return its figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as handle:
        handle.write("\n".join(paths) + "\n")
    try:
        if load.warmup_seconds:
            _wrk(wrk, base_url, handle.name, load, load.warmup_seconds)
        return parse_wrk_output(_wrk(wrk, base_url, handle.name, load, load.seconds))
    finally:
        Path(handle.name).unlink(missing_ok=True)


def _wrk(wrk: str, base_url: str, paths_file: str, load: Load, seconds: int) -> str:
    command = [wrk, f"-t{load.threads}", f"-c{load.connections}", f"-d{seconds}s", "--timeout", f"{TIMEOUT_SECONDS}s",
               "-s", str(LUA_SCRIPT), base_url, "--", paths_file]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.stdout


def get(url: str, timeout: float = 30.0) -> tuple[int, str]:
    """Return (status, body) of a GET, without raising on HTTP errors."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")

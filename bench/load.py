"""Drive a server with wrk and read its figures, paired with the baseline; plus a tiny HTTP GET helper."""

import json
import math
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

LUA_SCRIPT = Path(__file__).resolve().parent / "rotate.lua"
MARKER = "BENCH_JSON "
TIMEOUT_SECONDS = 10


@dataclass
class Load:
    """Fixed load: wrk threads and connections, a warm-up, then at least `seconds` on the shop per
    measurement, in `window_seconds` windows alternating with the baseline (see run_paired)."""

    threads: int = 2
    connections: int = 16
    seconds: int = 10
    warmup_seconds: int = 2
    window_seconds: int = 2
    #: After the warm-up, more warm-up windows while the shop's throughput still climbs (caches filling:
    #: a scan's first visit to each batch renders its description), up to this long in all.
    max_warmup_seconds: int = 60

    @property
    def rounds(self) -> int:
        """ABBA rounds, each two windows on each server; at least one (--quick: one, so it stays under 2 minutes)."""
        return max(1, math.ceil(self.seconds / (2 * self.window_seconds)))

    def describe(self) -> str:
        each = 2 * self.rounds * self.window_seconds
        return (
            f"wrk -t{self.threads} -c{self.connections}; after a warm-up of {self.warmup_seconds} s and more "
            f"{self.window_seconds} s windows while the shop's req/s still rose by 10 % (at most "
            f"{self.max_warmup_seconds} s; 1 s for the baseline), paired with the baseline in alternating {self.window_seconds} s windows, "
            f"{self.rounds} rounds of baseline/shop/shop/baseline (ABBA), {each} s on each; "
            f"paths in turn (bench/rotate.lua)"
        )


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


@dataclass
class PairedResult:
    """wrk windows on the baseline and on the shop, taken in turn: baseline, shop, shop, baseline per round."""

    baseline: list[WrkResult]
    shop: list[WrkResult]
    #: How long the shop was warmed before the first window counted.
    warmup_seconds: int = 0
    #: CPU seconds used during the shop's windows: "workers" (the shop's gunicorn workers),
    #: "PostgreSQL", "Redis" (bench.server.services_cpu_seconds); and the baseline's workers in its own.
    shop_cpu: dict = field(default_factory=dict)
    baseline_cpu: float = 0.0

    def cpu_ms_per_request(self) -> dict[str, float]:
        """CPU milliseconds per answered request: the shop's workers, PostgreSQL, Redis, and the baseline's workers."""
        shop, baseline = (sum(w.requests for w in windows) for windows in (self.shop, self.baseline))
        figures = {name: 1000 * seconds / shop for name, seconds in self.shop_cpu.items()} if shop else {}
        if baseline:
            figures["baseline workers"] = 1000 * self.baseline_cpu / baseline
        return figures

    @property
    def ratio(self) -> float | None:
        """Shop requests/s over baseline requests/s, each pooled over all its windows."""
        return _ratio(self.shop, self.baseline)

    def round_ratios(self) -> list[float]:
        """The same ratio per ABBA round (two windows on each server): its spread shows the noise."""
        ratios = (_ratio(self.shop[i : i + 2], self.baseline[i : i + 2]) for i in range(0, len(self.shop), 2))
        return [r for r in ratios if r is not None]


def pooled(windows: list[WrkResult]) -> WrkResult:
    """Add up wrk windows: requests/s over their summed time; p50/p95/p99 are the median of the windows'
    (of those that got a response), max is the max."""
    requests, seconds = sum(w.requests for w in windows), sum(w.seconds for w in windows)
    timed = [w for w in windows if w.requests] or windows
    return WrkResult(
        requests=requests,
        seconds=seconds,
        rps=requests / seconds if seconds else 0.0,
        p50_ms=median(w.p50_ms for w in timed),
        p95_ms=median(w.p95_ms for w in timed),
        p99_ms=median(w.p99_ms for w in timed),
        max_ms=max(w.max_ms for w in timed),
        errors=sum(w.errors for w in windows),
        bytes=sum(w.bytes for w in windows),
    )


def _ratio(shop: list[WrkResult], baseline: list[WrkResult]) -> float | None:
    baseline_rps = pooled(baseline).rps
    return pooled(shop).rps / baseline_rps if baseline_rps else None


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
            data = json.loads(line[len(MARKER) :])
            break
    else:
        raise ValueError(f"no {MARKER.strip()} line in wrk output:\n{output}")
    seconds = data["duration_us"] / 1e6
    errors = sum(data[k] for k in ("errors_connect", "errors_read", "errors_write", "errors_status", "errors_timeout"))
    return WrkResult(
        requests=data["requests"],
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=errors,
        bytes=data["bytes"],
    )


def run_wrk(wrk: str, base_url: str, paths: list[str], load: Load) -> WrkResult:
    """Warm up, then run wrk over `paths` in turn at the fixed load for `load.seconds` and return its figures."""
    with _paths_file(paths) as paths_file:
        if load.warmup_seconds:
            _wrk(wrk, base_url, paths_file, load, load.warmup_seconds)
        return parse_wrk_output(_wrk(wrk, base_url, paths_file, load, load.seconds))


def run_paired(wrk: str, baseline, shop, paths: list[str], load: Load, database: str | None = None) -> PairedResult:
    """Warm up both servers, then load them in turn in ABBA rounds of short wrk windows: the baseline on "/",
    the shop on `paths` in turn. Both see the same machine at the same time, so their ratio is fair.

    `baseline` and `shop` are bench.server.Server. After each window the harness waits until that server's
    workers are idle, so the requests wrk leaves in flight do not eat into the next window.
    `database`: the PostgreSQL database the shop reads, whose backends' CPU is counted (None: SQLite).
    """
    from bench.server import services_cpu_seconds

    result = PairedResult(baseline=[], shop=[])
    with _paths_file(paths) as shop_paths, _paths_file(["/"]) as baseline_paths:
        targets = {"baseline": (baseline, baseline_paths), "shop": (shop, shop_paths)}

        def window(side: str, seconds: int) -> WrkResult:
            server, paths_file = targets[side]
            output = _wrk(wrk, server.url, paths_file, load, seconds)
            server.wait_idle()
            return parse_wrk_output(output)

        result.warmup_seconds = _warm_up(lambda seconds: window("shop", seconds), load)
        window("baseline", 1)
        for side in ("baseline", "shop", "shop", "baseline") * load.rounds:
            server = targets[side][0]
            workers, services = server.cpu_seconds(), services_cpu_seconds(database)
            getattr(result, side).append(window(side, load.window_seconds))
            if side == "baseline":
                result.baseline_cpu += server.cpu_seconds() - workers
                continue
            used = {"workers": server.cpu_seconds() - workers}
            used.update((name, seconds - services[name]) for name, seconds in services_cpu_seconds(database).items())
            for name, seconds in used.items():
                result.shop_cpu[name] = result.shop_cpu.get(name, 0.0) + seconds
    return result


def _warm_up(shop_window, load: Load) -> int:
    """Warm the shop: the fixed warm-up, then windows until one is no longer 10 % faster than the one before
    (or max_warmup_seconds): the figures then measure the pages served as they are in a shop running for a while,
    not its caches filling. Return the seconds spent."""
    if not load.warmup_seconds:
        return 0
    previous, spent = shop_window(load.warmup_seconds).rps, load.warmup_seconds
    while spent + load.window_seconds <= load.max_warmup_seconds:
        rps = shop_window(load.window_seconds).rps
        spent += load.window_seconds
        if rps < previous * 1.1:
            break
        previous = rps
    return spent


@contextmanager
def _paths_file(paths: list[str]):
    """Yield the name of a temporary file listing `paths`, one a line, for rotate.lua."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths") as handle:
        handle.write("\n".join(paths) + "\n")
        handle.flush()
        yield handle.name


def _wrk(wrk: str, base_url: str, paths_file: str, load: Load, seconds: int) -> str:
    command = [
        wrk,
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{seconds}s",
        "--timeout",
        f"{TIMEOUT_SECONDS}s",
        "-s",
        str(LUA_SCRIPT),
        base_url,
        "--",
        paths_file,
    ]
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

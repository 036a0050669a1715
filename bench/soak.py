"""Mixed load for a long time against production-like serving: `make soak` (PostgreSQL + Redis).

Shoppers browse, search, scan stamps, check out with cash on delivery and producers edit their
products, all at once, against gunicorn with threaded workers. Reported: errors (5xx, dropped
connections, worker deaths, unhandled exceptions in the log), p95 per route, and each worker's
RSS after the warm-up and at the end.
"""

import argparse
import http.client
import json
import os
import random
import threading
import time
import urllib.error
import urllib.parse
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from bench import dataset, server
from bench.checkout_client import Shopper, parse_forms
from bench.search_probe import QUERIES, percentile

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/soak"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
#: What each client does, and how often (weights).
MIX = (
    ("home", 10),
    ("catalogue", 15),
    ("product", 20),
    ("search", 15),
    ("scan", 30),
    ("checkout", 5),
    ("producer_edit", 5),
)


class Recorder:
    """Latencies and failures per route, shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(int)
        self.examples = {}

    def ok(self, route: str, started: float) -> None:
        with self.lock:
            self.latencies[route].append((time.perf_counter() - started) * 1000)

    def error(self, route: str, what: str) -> None:
        with self.lock:
            self.errors[route] += 1
            self.examples.setdefault(route, what[:300])

    def summary(self) -> dict:
        with self.lock:
            routes = sorted(set(self.latencies) | set(self.errors))
            return {
                route: {
                    "requests": len(self.latencies[route]) + self.errors[route],
                    "errors": self.errors[route],
                    "p50_ms": round(percentile(self.latencies[route], 50), 1) if self.latencies[route] else None,
                    "p95_ms": round(percentile(self.latencies[route], 95), 1) if self.latencies[route] else None,
                    "first_error": self.examples.get(route, ""),
                }
                for route in routes
            }


class Client:
    """One visitor doing one action of the mix at a time, with its own cookies."""

    def __init__(self, base_url: str, paths: dict, rng: random.Random, recorder: Recorder):
        self.base_url, self.paths, self.rng, self.recorder = base_url, paths, rng, recorder

    def act(self, action: str) -> None:
        started = time.perf_counter()
        try:
            getattr(self, action)()
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                self.recorder.error(action, f"HTTP {exc.code} at {exc.url}")
            else:  # a 4xx is the shop answering (e.g. a product sold out); it is not a failure of the server
                self.recorder.ok(action, started)
            return
        except (OSError, RuntimeError, http.client.HTTPException) as exc:  # dropped connection, cut answer, timeout
            self.recorder.error(action, f"{type(exc).__name__}: {exc}")
            return
        self.recorder.ok(action, started)

    def _get(self, path: str) -> None:
        Shopper(self.base_url).request(path)

    def home(self):
        self._get("/")

    def catalogue(self):
        self._get(f"/products?page={self.rng.randint(1, 10)}")

    def product(self):
        self._get(self.rng.choice(self.paths["products"]))

    def search(self):
        self._get("/products?q=" + urllib.parse.quote(self.rng.choice(QUERIES)))

    def scan(self):
        self._get(self.rng.choice(self.paths["stamps"]))

    def checkout(self):
        slug = self.rng.choice(self.paths["products"]).rsplit("/", 1)[1]
        Shopper(self.base_url).buy(slug, f"09{self.rng.randrange(9)}{self.rng.randrange(10**7):07d}")

    def producer_edit(self):
        email, product_id = self.rng.choice(self.paths["producer_products"])
        shopper = Shopper(self.base_url)
        url, html = shopper.request("/account/login")
        form = _form_with(html, lambda f: any(field["type"] == "password" for field in f["fields"]))
        values = {f["name"]: f["value"] for f in form["fields"] if f["type"] == "hidden"}
        values.update(email=email, password=dataset.BENCH_PASSWORD)
        url, html = shopper.request(urllib.parse.urljoin(url, form["action"] or url), values)
        if "/account/login" in url:
            raise RuntimeError(f"producer {email} could not sign in")
        edit = f"/producer/products/{product_id}/edit"
        url, html = shopper.request(edit)
        form = _form_with(html, lambda f: any(field["name"] == "description_vi" for field in f["fields"]))
        values = {}
        for field in form["fields"]:
            if field["type"] in ("submit", "button", "file", "image"):
                continue
            if field["type"] == "checkbox":
                if field["checked"]:
                    values[field["name"]] = field["value"] or "y"
            elif field["type"] == "select":
                values[field["name"]] = field["selected"] or (field["options"][0] if field["options"] else "")
            else:
                values[field["name"]] = field["value"]
        values["description_vi"] = (values.get("description_vi") or "") + " "  # an edit that changes nothing users see
        url, html = shopper.request(urllib.parse.urljoin(url, form["action"] or url), values)
        if url.rstrip("/").endswith("/edit") and 'class="error' in html:
            raise RuntimeError(f"product {product_id} edit refused by the form")


def _form_with(html: str, wanted) -> dict:
    """Return the page's first POST form that `wanted` accepts."""
    form = next((f for f in parse_forms(html) if f["method"] == "post" and wanted(f)), None)
    if form is None:
        raise RuntimeError("the page has no such form")
    return form


def collect_paths(url: str) -> dict:
    """Read product, stamp and producer paths from the soak's database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            # Products a shopper can put in the cart: published, visible, with stock to sell.
            products = [
                f"/products/{slug}"
                for (slug,) in conn.execute(
                    text(
                        "SELECT p.slug FROM products p JOIN producers pr ON pr.id = p.producer_id "
                        "JOIN stocks s ON s.product_id = p.id WHERE p.is_published AND NOT p.is_hidden "
                        "AND pr.status = 'approved' AND s.on_hand - s.reserved > 100 ORDER BY p.id LIMIT 500"
                    )
                )
            ]
            stamps = [
                f"/origin/01/{gtin}/10/{urllib.parse.quote(lot, safe='')}/21/{serial}"
                if gtin
                else f"/t/{code}/{serial}"
                for gtin, lot, code, serial in conn.execute(
                    text(
                        "SELECT p.gtin, b.lot_code, b.short_code, s.serial FROM stamps s "
                        "JOIN batches b ON b.id = s.batch_id JOIN products p ON p.id = b.product_id "
                        "WHERE s.serial IS NOT NULL AND b.is_published ORDER BY s.id LIMIT 2000"
                    )
                )
            ]
            owned = [
                (email, pid)
                for email, pid in conn.execute(
                    text(
                        "SELECT u.email, p.id FROM products p JOIN producers pr ON pr.id = p.producer_id "
                        "JOIN users u ON u.id = pr.owner_id WHERE pr.status = 'approved' ORDER BY p.id LIMIT 50"
                    )
                )
            ]
    finally:
        engine.dispose()
    return {"products": products, "stamps": stamps, "producer_products": owned}


def run_clients(base_url: str, paths: dict, *, clients: int, seconds: float, recorder: Recorder) -> None:
    actions = [name for name, weight in MIX for _ in range(weight)]
    deadline = time.monotonic() + seconds

    def loop(n: int):
        rng = random.Random(n)
        client = Client(base_url, paths, rng, recorder)
        while time.monotonic() < deadline:
            client.act(rng.choice(actions))

    threads = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0, help="how long the mixed load runs (default 30)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent visitors (default 8)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="gunicorn threads per worker (default 1, as the benchmarks ran; 4 with GC_COLLECTOR=automatic reproduces BENCHMARKS finding 2 on Python 3.11)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=120.0,
        help="seconds of the same load before the measured run, so the workers' bounded caches fill",
    )
    args = parser.parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    if not database_url.startswith("postgresql"):
        print("make soak runs on PostgreSQL: set BENCH_DATABASE_URL=postgresql+psycopg://…")
        return 2
    ds = dataset.prepare(dataset.SCALES["quick"], database_url, print)
    dataset.build_search_index(ds, print)
    setup = server.Gunicorn(workers=args.workers, threads=args.threads)
    env = {
        "DATABASE_URL": ds.url,
        "SEARCH_INDEX_DIR": str(ds.index_dir),
        "UPLOAD_DIR": str(ds.upload_dir),
        "MAIL_OUTBOX_DIR": str(dataset.DATA_DIR / "outbox"),
        "APP_ENV": "production",
        "REDIS_URL": redis_url,
        "SECRET_KEY": "soak-" + os.urandom(16).hex(),
        "PUBLIC_BASE_URL": "https://ocop.example.vn",
        # One loopback client stands for many shoppers: per-address limits would measure the limiter.
        "RATELIMIT_SCAN": "1000000 per minute",
        "RATELIMIT_LOGIN": "1000000 per minute",
        "RATELIMIT_LOGIN_ADDRESS": "1000000 per minute",
        "RATELIMIT_CHECKOUT": "1000000 per minute",
    }
    shop = server.start("soak", "wsgi:app", setup, env, dataset.DATA_DIR)
    recorder = Recorder()
    try:
        paths = collect_paths(ds.url)
        print(
            f"serving with {setup.describe()}; {args.clients} clients for {args.minutes:g} min; "
            f"{len(paths['products'])} products, {len(paths['stamps'])} stamps"
        )
        run_clients(shop.url, paths, clients=args.clients, seconds=args.warmup, recorder=Recorder())
        memory_start = shop.memory_mb()
        started = time.monotonic()
        run_clients(shop.url, paths, clients=args.clients, seconds=args.minutes * 60, recorder=recorder)
        elapsed = time.monotonic() - started
        memory_end = shop.memory_mb()
        problems = shop.log_problems()
    finally:
        shop.stop()
    routes = recorder.summary()
    result = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "minutes": elapsed / 60,
        "serving": setup.describe(),
        "clients": args.clients,
        "routes": routes,
        "log": problems,
        "rss_start_mb": {str(pid): round(v[1], 1) for pid, v in memory_start.items()},
        "rss_end_mb": {str(pid): round(v[1], 1) for pid, v in memory_end.items()},
    }
    print(f"\n{'route':<15} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for route, row in routes.items():
        print(
            f"{route:<15} {row['requests']:>9,} {row['errors']:>7} {row['p50_ms'] or 0:>8} {row['p95_ms'] or 0:>8}"
            + (f"  first error: {row['first_error']}" if row["first_error"] else "")
        )
    drift = [
        (memory_end[pid][1] - rss) / rss * 100 for pid, (_, rss) in memory_start.items() if pid in memory_end and rss
    ]
    print(
        f"worker RSS start {result['rss_start_mb']} MB, end {result['rss_end_mb']} MB"
        + (f", drift {max(drift):+.1f}% at most" if drift else " (a worker was replaced)")
    )
    print(f"server log: {problems}")
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-soak.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"results: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    failed = sum(r["errors"] for r in routes.values()) + sum(problems.values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

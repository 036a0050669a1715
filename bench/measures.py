"""One small function per measurement; each raises NotAvailable until its feature exists."""

import json
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import load
from bench.checkout_client import place_orders
from bench.search_probe import QUERIES, percentile

ROOT = Path(__file__).resolve().parents[1]
PRODUCT_LINK = re.compile(r'href="(?:https?://[^/"]+)?(/products/[^"?#/]+)"')
#: Filters of the catalogue page (storefront/catalog/forms.py names), a few combinations.
FILTERED_PATHS = (
    "/products?group=1&stars=4",
    "/products?group=2",
    "/products?stars=5&in_stock=1",
    "/products?group=1&price_max=200000",
    "/products?group=3&sort=price",
)
#: The first 25 queries carry Vietnamese diacritics, the last 25 are typed without them.
QUERIES_WITH, QUERIES_WITHOUT = QUERIES[:25], QUERIES[25:]


class NotAvailable(Exception):
    """The feature a measurement needs is not in the shop yet."""


@dataclass
class Row:
    name: str
    rps: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    ratio: float | None = None
    memory_mb: float | None = None
    #: Compare this row's requests/s with the baseline's.
    vs_baseline: bool = False
    note: str = ""
    skipped: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Context:
    dataset: object
    shop: object
    #: The bare Flask server every page is paired with (bench.server.Server).
    baseline: object
    wrk: str
    load: load.Load
    quick: bool
    postgres: bool
    log: object = print
    rng: random.Random = field(default_factory=lambda: random.Random(8))
    #: Every baseline window of the paired measurements, for the overall baseline row.
    baseline_windows: list = field(default_factory=list)
    #: The shop's SEARCH_BACKEND; named in the search rows when a run measures both (PostgreSQL).
    search_backend: str = "whoosh"

    def search_label(self, name: str) -> str:
        return f"{name} [{self.search_backend}]" if self.postgres else name

    def query(self, sql: str, **params) -> list:
        engine = create_engine(self.dataset.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).all()
        finally:
            engine.dispose()


def http_row(ctx: Context, name: str, paths: list[str], *, note: str = "", server=None) -> Row:
    """Check the first path answers 200, then load the shop (or `server`) with all of them in turn, paired
    with the baseline."""
    server = server or ctx.shop
    status, _body = load.get(server.url + paths[0])
    if status != 200:
        raise NotAvailable(f"GET {paths[0]} answers {status}")
    url = make_url(ctx.dataset.url)
    paired = load.run_paired(
        ctx.wrk, ctx.baseline, server, paths, ctx.load, url.database if url.get_backend_name() == "postgresql" else None
    )
    ctx.baseline_windows += paired.baseline
    shop, baseline = load.pooled(paired.shop), load.pooled(paired.baseline)
    rounds = paired.round_ratios()
    notes = [note] if note else []
    notes.append(
        f"paired baseline {baseline.rps:,.0f} req/s, ratio per round {min(rounds):.2g}–{max(rounds):.2g}"
        if rounds
        else f"paired baseline {baseline.rps:,.0f} req/s"
    )
    notes.append(f"warmed {paired.warmup_seconds} s")
    cpu = paired.cpu_ms_per_request()
    if "workers" in cpu:
        services = ", ".join(f"{name} {cpu[name]:.2f}" for name in ("PostgreSQL", "Redis") if cpu.get(name, 0) >= 0.005)
        notes.append(
            f"CPU ms a request: workers {cpu['workers']:.2f} (baseline's {cpu.get('baseline workers', 0):.2f})"
            + (f", {services}" if services else "")
        )
    extra = {
        "requests": shop.requests,
        "errors": shop.errors,
        "paths": len(paths),
        "baseline_rps": baseline.rps,
        "round_ratios": rounds,
        "warmup_seconds": paired.warmup_seconds,
        "cpu_ms_per_request": {name: round(value, 3) for name, value in cpu.items()},
        "window_rps": {side: [round(w.rps, 1) for w in getattr(paired, side)] for side in ("baseline", "shop")},
    }
    if not shop.requests:
        notes.append(f"no response in {len(paired.shop)} windows of {ctx.load.window_seconds} s")
        return Row(name, rps=0.0, ratio=0.0, vs_baseline=True, note="; ".join(notes), extra=extra)
    if shop.errors:
        notes.append(f"{shop.errors} of {shop.requests} requests failed (non-2xx/3xx or socket)")
    return Row(
        name,
        rps=shop.rps,
        p50_ms=shop.p50_ms,
        p95_ms=shop.p95_ms,
        ratio=paired.ratio,
        vs_baseline=True,
        note="; ".join(notes),
        extra={**extra, "p99_ms": shop.p99_ms},
    )


def _links(ctx: Context, path: str) -> set[str]:
    status, body = load.get(ctx.shop.url + path)
    if status != 200:
        raise NotAvailable(f"GET {path} answers {status}")
    return set(PRODUCT_LINK.findall(body))


def baseline_page(ctx: Context) -> list[Row]:
    """The bare app's origin-page-sized answer against its short one: the cost of the bytes alone."""
    return [
        http_row(
            ctx,
            "bare Flask route, 7 KB page",
            ["/page"],
            server=ctx.baseline,
            note="bench/baseline_app.py /page: no template, no database",
        )
    ]


def baseline_read(ctx: Context) -> list[Row]:
    """The bare app reading one stamp by primary key: what one database round trip costs a route."""
    ids = [row.id for row in ctx.query("SELECT id FROM stamps ORDER BY id LIMIT 5000")]
    paths = [f"/db/{i}" for i in ctx.rng.sample(ids, min(500, len(ids)))]
    engine = "PostgreSQL" if ctx.postgres else "SQLite"
    return [
        http_row(
            ctx,
            "bare Flask route + one database read",
            paths,
            server=ctx.baseline,
            note=f"bench/baseline_app.py /db/<id>: one {engine} SELECT by primary key, {len(paths)} stamps in turn",
        )
    ] + (
        [
            http_row(
                ctx,
                "bare Flask route + one database read + one rate-limit hit in Redis",
                [path.replace("/db/", "/db-limited/") for path in paths],
                server=ctx.baseline,
                note="bench/baseline_app.py /db-limited/<id>: the least a scan costs as deployed",
            )
        ]
        if ctx.postgres
        else []
    )


def home(ctx: Context) -> list[Row]:
    return [http_row(ctx, "home page", ["/"])]


def catalogue(ctx: Context) -> list[Row]:
    pages = [f"/products?page={n}" for n in range(1, 11)]
    return [http_row(ctx, "catalogue page", ["/products"] + pages, note="pages 1–10")]


def catalogue_filtered(ctx: Context) -> list[Row]:
    if _links(ctx, "/products?group=6") == _links(ctx, "/products"):
        raise NotAvailable("/products ignores ?group= (filters not wired yet)")
    return [http_row(ctx, "catalogue page, filtered", list(FILTERED_PATHS), note="group/stars/price/stock filters")]


def product(ctx: Context) -> list[Row]:
    slugs = ctx.query(
        "SELECT p.slug FROM products p JOIN producers pr ON pr.id = p.producer_id "
        "WHERE p.is_published AND NOT p.is_hidden AND pr.status = 'approved' ORDER BY p.id"
    )
    paths = [f"/products/{row.slug}" for row in ctx.rng.sample(slugs, min(300, len(slugs)))]
    return [http_row(ctx, "product page", paths, note=f"{len(paths)} products in turn")]


def producer(ctx: Context) -> list[Row]:
    slugs = ctx.query("SELECT slug FROM producers WHERE status = 'approved' ORDER BY id")
    paths = [f"/producers/{row.slug}" for row in ctx.rng.sample(slugs, min(200, len(slugs)))]
    return [http_row(ctx, "producer page", paths, note=f"{len(paths)} producers in turn")]


def search_http(ctx: Context) -> list[Row]:
    if _links(ctx, "/products?q=zqxwv") == _links(ctx, "/products"):
        raise NotAvailable("/products ignores ?q= (search not wired yet)")
    rows = []
    for label, queries in (("with diacritics", QUERIES_WITH), ("without diacritics", QUERIES_WITHOUT)):
        paths = [f"/products?q={_quote(q)}" for q in queries]
        rows.append(
            http_row(
                ctx, ctx.search_label(f"search page, {label}"), paths, note=f"{len(queries)} fixed queries in turn"
            )
        )
    return rows


def search_index_only(ctx: Context) -> list[Row]:
    """Time search_products itself on the bench index, in this process (no HTTP, no template)."""
    from storefront.catalog import search

    engine = create_engine(ctx.dataset.url)
    idx = search.open_index(ctx.search_backend, path=ctx.dataset.index_dir, engine=engine)
    try:
        for q in QUERIES:  # warm-up: open the searcher, load the columns
            search.search_products(idx, q)
        rounds = 3 if ctx.quick else 10
        rows = []
        for label, queries in (("with diacritics", QUERIES_WITH), ("without diacritics", QUERIES_WITHOUT)):
            samples = []
            for _ in range(rounds):
                for q in queries:
                    started = time.perf_counter()
                    search.search_products(idx, q)
                    samples.append((time.perf_counter() - started) * 1000)
            rows.append(
                Row(
                    ctx.search_label(f"search_products() only, {label}"),
                    p50_ms=percentile(samples, 50),
                    p95_ms=percentile(samples, 95),
                    note=f"in process, {len(samples)} searches, {search.doc_count(idx):,} docs",
                )
            )
        return rows
    finally:
        idx.close()
        engine.dispose()


def origin(ctx: Context) -> list[Row]:
    # The origin page at its own URL (the resolver answers /01/… with a 307 to it).
    paths = [f"/origin/01/{r.gtin}/10/{_quote(r.lot_code)}/21/{r.serial}" for r in _sample_stamps(ctx, with_gtin=True)]
    return [_origin_row(ctx, "origin page, GS1 serialized stamp", paths)]


def origin_short(ctx: Context) -> list[Row]:
    paths = [f"/t/{r.short_code}/{r.serial}" for r in _sample_stamps(ctx, with_gtin=False)]
    return [_origin_row(ctx, "origin page, /t/ short code stamp", paths)]


def _sample_stamps(ctx: Context, *, with_gtin: bool, count: int = 500) -> list:
    """Return serialized stamps of published batches, of products with (or without) a GTIN, drawn from the
    whole table (at 10 M stamps the first 5,000 would all sit in a few hot pages)."""
    top = ctx.query("SELECT max(id) FROM stamps")[0][0] or 0
    ids = ",".join(str(i) for i in sorted(ctx.rng.sample(range(1, top + 1), min(top, 20_000))))
    stamps = ctx.query(
        "SELECT p.gtin, b.lot_code, b.short_code, s.serial FROM stamps s JOIN batches b ON b.id = s.batch_id "
        f"JOIN products p ON p.id = b.product_id WHERE p.gtin IS {'NOT ' if with_gtin else ''}NULL "
        f"AND s.serial IS NOT NULL AND b.is_published AND s.id IN ({ids or 0}) ORDER BY s.id"
    )
    return ctx.rng.sample(stamps, min(count, len(stamps)))


def _origin_row(ctx: Context, name: str, paths: list[str]) -> Row:
    before = _scan_totals(ctx)
    row = http_row(ctx, name, paths, note=f"{len(paths)} stamps in turn")
    after = _settled_scan_totals(ctx)
    recorded = after[0] - before[0]
    row.extra.update(scans_recorded=recorded, scan_count_added=after[1] - before[1])
    # The probe GET, the warm-up and the requests wrk left in flight at the end of each window also scan;
    # row.extra["requests"] counts the responses within the shop windows only.
    row.note += f"; scans recorded +{recorded:,}, stamp counters +{after[1] - before[1]:,}"
    if recorded < row.extra["requests"]:
        row.note += " (FEWER scans than requests)"
    return row


def _settled_scan_totals(ctx: Context, quiet_seconds: float = 4.0, timeout: float = 20.0) -> tuple[int, int]:
    """Return the scan totals once the workers' queued scans are written (no change for quiet_seconds).

    Scans are queued per worker and written at least every 2-3 × SCAN_FLUSH_SECONDS (1 s by default).
    """
    totals, changed_at, deadline = _scan_totals(ctx), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() - changed_at < quiet_seconds and time.monotonic() < deadline:
        time.sleep(0.5)
        now = _scan_totals(ctx)
        if now != totals:
            totals, changed_at = now, time.monotonic()
    return totals


def _scan_totals(ctx: Context) -> tuple[int, int]:
    (row,) = ctx.query("SELECT (SELECT count(*) FROM scans), (SELECT coalesce(sum(scan_count), 0) FROM stamps)")
    return int(row[0]), int(row[1])


def checkout(ctx: Context) -> list[Row]:
    if not ctx.postgres:
        raise NotAvailable("PostgreSQL leg only (set BENCH_DATABASE_URL)")
    status, _ = load.get(ctx.shop.url + "/checkout")
    if status == 404:
        raise NotAvailable("GET /checkout answers 404")
    slugs = ctx.query(
        "SELECT p.slug FROM products p JOIN producers pr ON pr.id = p.producer_id JOIN stocks s ON s.product_id = p.id "
        "WHERE p.is_published AND NOT p.is_hidden AND pr.status = 'approved' AND s.on_hand - s.reserved > 50 "
        "ORDER BY p.id LIMIT 300"
    )
    (before,) = ctx.query("SELECT count(*) FROM orders")[0]
    result = place_orders(ctx.shop.url, [r.slug for r in slugs], clients=8, seconds=ctx.load.seconds)
    (after,) = ctx.query("SELECT count(*) FROM orders")[0]
    if not result.placed:
        raise NotAvailable(f"no order placed: {result.first_error}")
    note = f"8 clients, full form flow with CSRF; orders in DB +{after - before}"
    if result.failed:
        note += f"; {result.failed} flows failed ({result.first_error})"
    return [
        Row(
            "checkout, COD orders",
            rps=result.placed / result.seconds,
            p50_ms=result.p50_ms,
            p95_ms=result.p95_ms,
            note=note,
            extra={"orders_per_s": result.placed / result.seconds},
        )
    ]


def stamp_issue(ctx: Context) -> list[Row]:
    """Run bench.stamps in a child process (its own peak memory) and turn its figures into rows."""
    count = 300 if ctx.quick else 10_000
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.stamps",
            "--count",
            str(count),
            "--database-url",
            ctx.dataset.url,
            "--search-index-dir",
            str(ctx.dataset.index_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.stamps failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    raw = data["raw_qr_seconds"]
    rows = [Row(f"raw qrcode, {count:,} codes", rps=count / raw, note=f"{raw:.1f} s (the stamp baseline)")]
    for key, name in (
        ("sheet", f"stamp sheet render, {count:,} labels"),
        ("issue", f"stamp issue + PDF, {count:,} stamps"),
    ):
        part = data[key]
        if "unavailable" in part:
            rows.append(Row(name, skipped=part["unavailable"]))
            continue
        rows.append(
            Row(
                name,
                rps=count / part["seconds"],
                ratio=part["seconds"] / raw,
                note=f"{part['seconds']:.1f} s, {part['detail']}",
                extra={"seconds": part["seconds"]},
            )
        )
    rows[-1].memory_mb = data["peak_rss_mb"]  # the child process's peak, reached while issuing
    rows[-1].note += "; memory: peak RSS of the bench.stamps process"
    return rows


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


#: In the order they run; each HTTP one is paired with the baseline (load.run_paired).
SHOP_MEASUREMENTS = (
    baseline_page,
    baseline_read,
    home,
    catalogue,
    catalogue_filtered,
    product,
    producer,
    search_http,
    search_index_only,
    origin,
    origin_short,
    checkout,
)
OFFLINE_MEASUREMENTS = (stamp_issue,)
#: Measured on both shops of a `--deployed` run (embedded and deployed), the only ones it measures.
VARIANT_MEASUREMENTS = (catalogue, catalogue_filtered, search_http, origin, origin_short)
#: Measured once per search backend on a PostgreSQL run.
SEARCH_MEASUREMENTS = (search_http, search_index_only)

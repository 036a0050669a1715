"""Measure the shop side by side with its baselines at province scale: `make bench` / `make bench-quick`."""

import argparse
import dataclasses
import os
import sqlite3
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import dataset, load, measures, report, server

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
#: Everything below this line in BENCHMARKS.md is hand-written and kept when the table is rewritten.
NOTES_MARKER = "<!-- hand-written notes below: kept by bench/run.py -->"


def log(message: str) -> None:
    print(message, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2,000 products, one ABBA round of 1 s windows per measurement (under 2 minutes)",
    )
    parser.add_argument(
        "--seconds",
        type=int,
        help="least wrk time on the shop per measurement, in ABBA windows paired with the baseline",
    )
    parser.add_argument(
        "--scale",
        choices=("quick", "full", "years"),
        help="dataset scale (default full; quick = --quick); years: the scan and catalogue pages at full scale "
        "and at 10,000,000 stamps in one run, PostgreSQL only (bench/years.py)",
    )
    parser.add_argument(
        "--stamps", type=int, help="with --scale years: that many stamps instead of 10,000,000 (3 scans per 10 stamps)"
    )
    parser.add_argument(
        "--build-only", action="store_true", help="with --scale years: build or check the datasets, then stop"
    )
    parser.add_argument(
        "--rollup",
        action="store_true",
        help="with --scale years: then roll up scans past SCAN_RAW_RETENTION_DAYS and measure the origin page again",
    )
    parser.add_argument("--only", help="comma-separated measurement names to run (e.g. home,origin)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    # One thread per worker: threaded workers segfaulted under load (see BENCHMARKS.md notes).
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1)")
    parser.add_argument(
        "--worker-class",
        choices=("gthread", "sync"),
        default="sync",
        help="gunicorn worker class (default sync: gunicorn's default, which deploy/ runs; gthread: the bench's "
        "setup until 7/12/2026)",
    )
    parser.add_argument(
        "--deployed",
        action="store_true",
        help="measure the catalogue, search and origin pages on two shops in one run: embedded (SQLite, Whoosh, "
        "limits in memory) and deployed (PostgreSQL at BENCH_DATABASE_URL with SEARCH_BACKEND=postgres, Redis "
        "at REDIS_URL), each paired with the same baseline",
    )
    parser.add_argument(
        "--memory-limits",
        action="store_true",
        help="the shop counts rate limits in each worker's memory, as `make run` does, instead of Redis: "
        "on PostgreSQL, the engine's own cost without the deployed configuration's Redis round trip",
    )
    parser.add_argument(
        "--scan-queue",
        action="store_true",
        help="SCAN_WRITE_MODE=queue: scans go to a Redis stream (REDIS_URL) drained every second by a `flask jobs "
        "worker` and `flask jobs scheduler` started beside the shop, as on one server of the many-servers deployment",
    )
    parser.add_argument("--no-markdown", action="store_true", help="do not rewrite BENCHMARKS.md")
    parser.add_argument(
        "--markdown-only", action="store_true", help="only rewrite BENCHMARKS.md from the latest stored full runs"
    )
    args = parser.parse_args(argv)
    if args.scan_queue and (args.deployed or args.memory_limits or args.scale == "years"):
        parser.error("--scan-queue applies to the standard run with limits in Redis (REDIS_URL) only")
    if args.memory_limits and (args.deployed or args.scale == "years"):
        # Those shops are served with shop_env (Redis) whatever the flag: the run would be labelled wrongly.
        parser.error("--memory-limits applies to the standard run only, not to --deployed or --scale years")
    if args.markdown_only:
        write_benchmarks_md()
        return 0
    if args.scale == "years":
        from bench import years

        return years.main(args, log)
    args.quick = args.quick or args.scale == "quick"

    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()[0]
    mode = "quick" if args.quick else "full"
    database_url = os.environ.get("BENCH_DATABASE_URL") or None
    postgres = bool(database_url and database_url.startswith("postgresql"))
    if args.deployed and not postgres:
        parser.error("--deployed needs BENCH_DATABASE_URL on PostgreSQL: the deployed shop's database")
    bench_load = load.Load(
        seconds=args.seconds or (2 if args.quick else 10),
        warmup_seconds=1 if args.quick else 5,
        window_seconds=1 if args.quick else 2,
        max_warmup_seconds=1 if args.quick else 60,  # --quick: the 1 s warm-up only (under 2 minutes)
    )
    setup = server.Gunicorn(workers=args.workers, threads=args.threads, worker_class=args.worker_class)
    wrk = load.ensure_wrk(log)

    deployed = None
    if args.deployed:  # the deployed shop's dataset; the main one is then the embedded shop's SQLite file
        deployed = dataset.prepare(dataset.SCALES[mode], database_url, log)
        dataset.fill_postgres_search(deployed, log)
        database_url, postgres = None, False
    ds = dataset.prepare(dataset.SCALES[mode], database_url, log)
    log(
        f"dataset {ds.key}: {ds.rows['products']:,} products, {ds.rows['stamps']:,} stamps, "
        f"{ds.size_bytes / 1e6:.0f} MB" + (" (cached)" if ds.cached else f", built in {ds.build_seconds:.1f} s")
    )
    index_seconds, index_how = dataset.build_search_index(ds, log)
    # On PostgreSQL both search backends are measured in this run, each on a shop of its own; the
    # main shop (every other page) uses production's default there, the database's tables.
    backends = ("whoosh", "postgres") if postgres else ("whoosh",)
    if postgres:
        index_how += f"; PostgreSQL search tables filled in {dataset.fill_postgres_search(ds, log):.1f} s"

    env = embedded_env(ds) if deployed else shop_env(ds, backends[-1])
    if args.memory_limits:
        env = {**env, "APP_ENV": "development", "REDIS_URL": "", "SESSION_COOKIE_SECURE": "true"}
    if args.scan_queue:
        env = {**env, **scan_queue_env()}
    log(f"serving with {setup.describe()}; {bench_load.describe()}")
    # BENCH_PORT: the baseline there, the shops on the next ports (a machine shared with others).
    port = int(os.environ.get("BENCH_PORT") or 0)
    ports = (port, port + 1, port + 2) if port else (None, None, None)
    baseline = server.start(
        "baseline",
        "bench.baseline_app:app",
        setup,
        {"BENCH_BASELINE_DATABASE_URL": ds.url, "BENCH_BASELINE_REDIS_URL": _redis_url()},
        dataset.DATA_DIR,
        port=ports[0],
    )
    shop = server.start("shop", "wsgi:app", setup, env, dataset.DATA_DIR, port=ports[1])
    drain = server.start_jobs(env, dataset.DATA_DIR) if args.scan_queue else []
    other_shop = None
    rows = []
    only = set(args.only.split(",")) if args.only else None
    try:
        ctx = measures.Context(
            dataset=ds,
            shop=shop,
            baseline=baseline,
            wrk=wrk,
            load=bench_load,
            quick=args.quick,
            postgres=postgres,
            log=log,
            search_backend=backends[-1],
        )
        for measure in measures.SHOP_MEASUREMENTS:
            if only is not None and measure.__name__ not in only:
                continue
            if deployed:
                if measure not in measures.VARIANT_MEASUREMENTS:
                    continue
                if other_shop is None:
                    other_shop = server.start(
                        "shop-deployed",
                        "wsgi:app",
                        setup,
                        shop_env(deployed, "postgres"),
                        dataset.DATA_DIR,
                        port=ports[2],
                    )
                rows += _labelled(_measure(measure, ctx), "embedded")
                deployed_ctx = dataclasses.replace(ctx, dataset=deployed, shop=other_shop, search_backend="postgres")
                rows += _labelled(_measure(measure, deployed_ctx), "deployed")
                continue
            if measure in measures.SEARCH_MEASUREMENTS and len(backends) > 1:
                if other_shop is None:
                    other_env = shop_env(ds, backends[0])
                    other_shop = server.start(
                        f"shop-{backends[0]}", "wsgi:app", setup, other_env, dataset.DATA_DIR, port=ports[2]
                    )
                rows += _measure(measure, dataclasses.replace(ctx, shop=other_shop, search_backend=backends[0]))
            rows += _measure(measure, ctx)
        # No page paired with the baseline (--only stamp_issue, or all skipped): measure it on its own.
        baseline_windows = ctx.baseline_windows or [load.run_wrk(wrk, baseline.url, ["/"], bench_load)]
        rows += _memory_rows(shop, baseline)
        problems = shop.log_problems()
        if other_shop:
            problems = {key: count + other_shop.log_problems().get(key, 0) for key, count in problems.items()}
    finally:
        server.stop_jobs(drain)
        shop.stop()
        baseline.stop()
        if other_shop:
            other_shop.stop()
    for measure in measures.OFFLINE_MEASUREMENTS:
        if not deployed and (only is None or measure.__name__ in only):  # --deployed: the pages only
            rows += _measure(measure, ctx)

    base = load.pooled(baseline_windows)
    per_window = sorted(w.rps for w in baseline_windows)
    baseline_row = measures.Row(
        "baseline (bare Flask route)",
        rps=base.rps,
        p50_ms=base.p50_ms,
        p95_ms=base.p95_ms,
        ratio=1.0,
        note=f"{len(baseline_windows)} wrk window(s) pooled, "
        f"{per_window[0]:,.0f}–{per_window[-1]:,.0f} req/s per window",
    )
    row_dicts = report.row_dicts([baseline_row, *rows])
    report.apply_ratios(row_dicts, base.rps)  # only rows without a paired ratio of their own
    previous = None if deployed else report.load_latest(mode, "postgresql" if postgres else "sqlite")
    report.annotate(row_dicts, previous)
    baseline_note = (
        "bench/baseline_app.py on /; each page's ratio uses only the baseline windows paired with it, "
        "the baseline row pools all of them"
        if ctx.baseline_windows
        else f"bench/baseline_app.py on /, measured once for {bench_load.seconds} s (no page paired with it)"
    )

    run = {
        "started_at": started_at,
        "mode": mode,
        "machine": report.machine(),
        "database": _database(ds.url)
        + (f" [embedded]; {_database(deployed.url)} [deployed], Redis for rate limits" if deployed else "")
        + (", rate limits in each worker's memory" if args.memory_limits else "")
        + (", scans queued in Redis and drained by a job (SCAN_WRITE_MODE=queue)" if args.scan_queue else ""),
        "serving": setup.describe(),
        "load": bench_load.describe(),
        "baseline_note": baseline_note,
        "search_index": f"{index_how}" + (f", built in {index_seconds:.1f} s" if index_seconds else ""),
        "dataset": {
            "key": ds.key,
            "rows": ds.rows,
            "size_mb": ds.size_bytes / 1e6,
            "build_seconds": ds.build_seconds,
            "cached": ds.cached,
        },
        "rows": row_dicts,
        "server_problems": problems,
        # Other processes on the machine (test suites…) take CPU from both servers and wrk.
        "load_average": {"start": load_before, "end": os.getloadavg()[0]},
    }
    # A partial run (--only) is kept, but is not what the next run compares itself with.
    standard = (
        (args.workers, args.threads, args.worker_class) == (2, 1, "sync")
        and not deployed
        and not args.memory_limits
        and not args.scan_queue
    )
    path = report.write_results(run, latest=not only and standard)
    png = report.plot_ratios(
        row_dicts,
        path.with_suffix(".png"),
        f"OCOP Market bench, {mode}, {run['database'].split(' (')[0]}, {started_at}",
    )
    if png and not only:
        (report.RESULTS_DIR / "latest.png").write_bytes(png.read_bytes())
    log("")
    for line in report.table_lines(row_dicts):
        log(line)
    log(f"\n{run['database']}; {run['serving']}; {run['load']}")
    log(f"shop server log: {report.problems_text(problems)}")
    log(
        f"1-minute load average: {load_before:.1f} at the start, {run['load_average']['end']:.1f} at the end "
        f"({os.cpu_count()} cores)"
    )
    log(
        f"results: {path.relative_to(ROOT)}, plot: {png.relative_to(ROOT) if png else 'none'}"
        + ("" if previous else " (no previous run to compare with)")
    )
    if not args.quick and not args.no_markdown and not only and standard:
        write_benchmarks_md()
        log(f"table written to {BENCHMARKS_MD.name}")
    return 0


def shop_env(ds, search_backend: str = "whoosh") -> dict:
    """The shop's environment on the bench: production settings on the dataset's copy."""
    return {
        "DATABASE_URL": ds.url,
        "SEARCH_BACKEND": search_backend,
        "SEARCH_INDEX_DIR": str(ds.index_dir),
        "UPLOAD_DIR": str(ds.upload_dir),
        "MAIL_OUTBOX_DIR": str(dataset.DATA_DIR / "outbox"),
        "APP_ENV": "production",
        # Production counts rate limits in Redis (it refuses to start without it), so the bench does too.
        "REDIS_URL": _redis_url(),
        "SECRET_KEY": "bench-" + os.urandom(16).hex(),
        "PUBLIC_BASE_URL": "https://ocop.example.vn",
        # One loopback client stands for thousands of shoppers: per-IP limits would measure the limiter.
        "RATELIMIT_SCAN": "1000000 per minute",
        "RATELIMIT_LOGIN": "1000000 per minute",
        "RATELIMIT_CHECKOUT": "1000000 per minute",
    }


def scan_queue_env() -> dict:
    """SCAN_WRITE_MODE=queue with the job queue on the limits' Redis, the drain every second and no other periodic job."""
    from storefront.jobs.commands import PERIODIC

    others = ",".join(f"{name}=0" for name in PERIODIC if name != "scan-drain")
    return {
        "SCAN_WRITE_MODE": "queue",
        "JOBS_REDIS_URL": _redis_url(),
        "SCAN_DRAIN_SECONDS": "1",
        "JOB_SCHEDULE": others,
    }


def _redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def embedded_env(ds) -> dict:
    """The shop as `make run` serves it, on the bench's SQLite copy: Whoosh, and limits counted in each worker's
    memory (no REDIS_URL, which only APP_ENV=production requires)."""
    return {**shop_env(ds, "whoosh"), "APP_ENV": "development", "REDIS_URL": "", "SESSION_COOKIE_SECURE": "true"}


def _labelled(rows: list, variant: str) -> list:
    for row in rows:
        row.name = f"{row.name} [{variant}]"
    return rows


def _measure(measure, ctx) -> list:
    name = measure.__name__
    started = time.perf_counter()
    try:
        rows = measure(ctx)
    except measures.NotAvailable as exc:
        log(f"  {name}: not available yet: {exc}")
        return [measures.Row(name.replace("_", " "), skipped=str(exc))]
    except Exception as exc:  # one broken measurement must not lose the others
        log(f"  {name}: FAILED: {exc}\n{traceback.format_exc(limit=3)}")
        return [
            measures.Row(name.replace("_", " "), skipped=f"measurement failed: {type(exc).__name__}: {str(exc)[:160]}")
        ]
    for row in rows:
        figure = f"{row.rps:,.0f} req/s" if row.rps else f"p95 {row.p95_ms:.1f} ms" if row.p95_ms else row.skipped
        log(f"  {row.name}: {figure} ({time.perf_counter() - started:.0f} s)")
    return rows


def _memory_rows(shop, baseline) -> list:
    rows = []
    for name, srv in (("worker peak RSS, shop", shop), ("worker peak RSS, baseline", baseline)):
        memory = srv.memory_mb()
        if memory:
            peak = max(hwm for hwm, _rss in memory.values())
            detail = ", ".join(f"pid {pid}: peak {hwm:.0f} / now {rss:.0f} MB" for pid, (hwm, rss) in memory.items())
            rows.append(measures.Row(name, memory_mb=peak, note=detail))
    return rows


def _database(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version} (file, bench/.data/)"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return "PostgreSQL " + conn.scalar(text("SHOW server_version")).split()[0]
    finally:
        engine.dispose()


def write_benchmarks_md() -> None:
    """Rewrite BENCHMARKS.md from the latest full run on each engine, keeping the hand-written notes."""
    runs = [run for engine in ("sqlite", "postgresql") if (run := report.load_latest("full", engine))]
    notes = ""
    if BENCHMARKS_MD.exists():
        text = BENCHMARKS_MD.read_text()
        if NOTES_MARKER in text:
            notes = text[text.index(NOTES_MARKER) :]
    BENCHMARKS_MD.write_text(report.benchmarks_markdown(runs) + "\n" + (notes or NOTES_MARKER + "\n"))


if __name__ == "__main__":
    sys.exit(main())

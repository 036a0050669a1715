"""The years-scale run (`make bench SCALE=years`): the scan and catalogue pages at province scale and at
years scale (10 M stamps, 3 M scans) in one run, with database, table and index sizes; PostgreSQL only."""

import dataclasses
import os
import time
from datetime import UTC, datetime

from bench import dataset, load, measures, report, server

#: What the years scale can change: pages that read stamps (origin) and those that must not notice them.
MEASUREMENTS = (measures.catalogue, measures.product, measures.search_http, measures.origin, measures.origin_short)


def main(args, log=print) -> int:
    database_url = os.environ.get("BENCH_DATABASE_URL") or ""
    if not database_url.startswith("postgresql"):
        log(
            "--scale years needs PostgreSQL: its 10,000,000 stamps are loaded with COPY. Set "
            "BENCH_DATABASE_URL=postgresql+psycopg://…/bench (SQLite is measured at the full scale: make bench)."
        )
        return 2
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()[0]
    scales = [dataset.SCALES["full"], years_scale(args.stamps)]
    datasets = [dataset.prepare(scale, database_url, log) for scale in scales]
    for ds in datasets:
        log(
            f"dataset {ds.key}: {ds.rows['stamps']:,} stamps, {ds.rows['scans']:,} scans, {ds.size_bytes / 1e9:.2f} GB"
            + (" (cached)" if ds.cached else f", built in {ds.build_seconds:.1f} s")
        )
    if args.build_only:
        return 0

    bench_load = load.Load(seconds=args.seconds or 10, warmup_seconds=5, window_seconds=2)
    setup = server.Gunicorn(workers=args.workers, threads=args.threads)
    wrk = load.ensure_wrk(log)
    only = set(args.only.split(",")) if args.only else None
    port = int(os.environ.get("BENCH_PORT") or 0)
    baseline = server.start(
        "baseline",
        "bench.baseline_app:app",
        setup,
        {"BENCH_BASELINE_DATABASE_URL": datasets[0].url},
        dataset.DATA_DIR,
        port=port or None,
    )
    rows, sizes, rollups = [], {}, []
    try:
        for offset, ds in enumerate(datasets, start=1):
            count = ds.rows["stamps"]
            label = f"{ds.scale.name}, " + (
                f"{count / 1e6:g} M stamps" if count >= 1e6 else f"{count / 1e3:g} k stamps"
            )
            sizes[label] = {**dataset.table_sizes(ds.url), "scan_rows": ds.rows["scans"]}
            dataset.fill_postgres_search(ds, log)
            shop = server.start(
                f"shop-{ds.scale.name}",
                "wsgi:app",
                setup,
                _shop_env(ds),
                dataset.DATA_DIR,
                port=(port + offset) if port else None,
            )
            try:
                ctx = measures.Context(
                    dataset=ds,
                    shop=shop,
                    baseline=baseline,
                    wrk=wrk,
                    load=bench_load,
                    quick=False,
                    postgres=True,
                    log=log,
                    search_backend="postgres",
                )
                for measure in MEASUREMENTS:
                    if only is None or measure.__name__ in only:
                        for row in _measure(measure, ctx, log):
                            row.name = f"{row.name} [{label}]"
                            rows.append(row)
                if args.rollup and ds.scale.bulk:
                    rollups.append(roll_up(ds, log))
                    sizes[f"{label}, rolled up"] = {
                        **dataset.table_sizes(ds.url),
                        "scan_rows": rollups[-1]["raw_left"] + rollups[-1]["rolled"],
                    }
                    for row in _measure(measures.origin, ctx, log):
                        row.name = f"{row.name} [{label}, rolled up]"
                        rows.append(row)
            finally:
                shop.stop()
    finally:
        baseline.stop()

    row_dicts = report.row_dicts(rows)
    report.annotate(row_dicts, None)
    run = {
        "started_at": started_at,
        "mode": "years",
        "machine": report.machine(),
        "serving": setup.describe(),
        "load": bench_load.describe(),
        "datasets": {
            ds.scale.name: {"key": ds.key, "rows": ds.rows, "build_seconds": ds.build_seconds, "cached": ds.cached}
            for ds in datasets
        },
        "sizes": sizes,
        "rollups": rollups,
        "rows": row_dicts,
        "load_average": {"start": load_before, "end": os.getloadavg()[0]},
    }
    path = report.write_results(run, latest=False)
    log("")
    for line in report.table_lines(row_dicts):
        log(line)
    for line in size_lines(sizes):
        log(line)
    for done in rollups:
        log(
            f"roll-up: {done['rolled']:,} raw scans older than {done['days']} days into {done['daily_rows']:,} daily "
            f"counts in {done['seconds']:.1f} s ({done['raw_left']:,} raw left); VACUUM FULL of scans and stamp devices {done['vacuum_seconds']:.1f} s"
        )
    log(f"1-minute load average: {load_before:.1f} at the start, {run['load_average']['end']:.1f} at the end")
    log(f"results: {path}")
    return 0


def roll_up(ds, log) -> dict:
    """Roll the working copy's old scans up as the daily job would, then compact the scans table; return the figures."""
    from sqlalchemy import create_engine, func, select, text

    from storefront import create_app
    from storefront.extensions import db
    from traceability.models import Scan, ScanDailyCount
    from traceability.scans import rollup

    app = create_app(dataset.bench_config(ds.url))
    with app.app_context():
        days = app.config["SCAN_RAW_RETENTION_DAYS"]
        started = time.perf_counter()
        rolled = rollup.roll_up_scans(days=days)
        seconds = time.perf_counter() - started
        daily_rows = db.session.scalar(select(func.count()).select_from(ScanDailyCount))
        raw_left = db.session.scalar(select(func.count()).select_from(Scan))
        db.session.remove()
        db.engine.dispose()
    log(f"  roll-up: {rolled:,} raw scans into {daily_rows:,} daily counts in {seconds:.1f} s")
    engine = create_engine(ds.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            started = time.perf_counter()
            # The space of deleted rows is reused by new scans after a plain VACUUM; FULL shows what is left.
            conn.execute(text("VACUUM FULL ANALYZE scans"))
            conn.execute(text("VACUUM FULL ANALYZE stamp_devices"))
            conn.execute(text("VACUUM ANALYZE scan_daily_counts"))
            vacuum_seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return {
        "days": days,
        "rolled": rolled,
        "daily_rows": daily_rows,
        "raw_left": raw_left,
        "seconds": seconds,
        "vacuum_seconds": vacuum_seconds,
    }


def years_scale(stamps: int | None) -> dataset.Scale:
    """The years scale, or a smaller one of the same shape (`--stamps N`: its own cached dataset)."""
    scale = dataset.SCALES["years"]
    if not stamps or stamps == scale.stamps:
        return scale
    return dataclasses.replace(
        scale,
        name=f"years{stamps // 1000}k",
        batches=max(100, scale.batches * stamps // scale.stamps),
        stamps=stamps,
        scans=scale.scans * stamps // scale.stamps,
    )


def size_lines(sizes: dict) -> list[str]:
    """Markdown lines: each dataset's database, table and index sizes, and the scan tables' bytes per million scans."""
    lines = [
        "",
        "| dataset | database | stamps (table + indexes) | scans | stamp devices | scan daily counts "
        "| scan tables per 1 M scans |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, size in sizes.items():
        scan_bytes = sum(size[t]["table"] + size[t]["indexes"] for t in ("scans", "stamp_devices", "scan_daily_counts"))
        rolled = size["scan_daily_counts"]["table"] + size["scan_daily_counts"]["indexes"]
        lines.append(
            f"| {label} | {_mb(size['database'])} | {_mb(size['stamps']['table'])} + {_mb(size['stamps']['indexes'])} | "
            f"{_mb(size['scans']['table'])} + {_mb(size['scans']['indexes'])} | "
            f"{_mb(size['stamp_devices']['table'])} + {_mb(size['stamp_devices']['indexes'])} | {_mb(rolled)} | "
            f"{_mb(scan_bytes / max(1, size['scan_rows']) * 1e6)} |"
        )
    return lines


def _mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def _shop_env(ds) -> dict:
    from bench.run import shop_env

    return shop_env(ds, "postgres")


def _measure(measure, ctx, log) -> list:
    started = time.perf_counter()
    try:
        rows = measure(ctx)
    except measures.NotAvailable as exc:
        log(f"  {measure.__name__}: not available: {exc}")
        return [measures.Row(measure.__name__.replace("_", " "), skipped=str(exc))]
    for row in rows:
        log(
            f"  {row.name}: {row.rps or 0:,.0f} req/s, ratio {row.ratio or 0:.2f} ({time.perf_counter() - started:.0f} s)"
        )
    return rows

"""What a warmed shop worker holds in memory: RSS by stage and tracemalloc's top allocations.

    nice -n 10 python -m bench.worker_memory [--quick] [--no-trace]

Builds (or reuses) the bench dataset on SQLite, then in this one process, as a gunicorn worker
would after its fork: imports the app, creates it with the bench's production settings, and
serves through the test client the pages the bench loads (home, catalogue pages 1–10, filtered
pages, 300 products, 200 producers, 50 searches, 500 GS1 and 500 short-code origin pages, cart
and checkout). Prints RSS after each stage, the heavy packages imported, the size of each
in-process cache, and (unless --no-trace) the 25 source files holding the most memory at the end.
"""

import argparse
import collections
import ctypes
import gc
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HEAVY = ("reportlab", "PIL", "qrcode", "pypdf", "boto3", "botocore", "stripe", "whoosh", "markdown", "bleach", "zxcvbn")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def memory_rollup(pid="self") -> dict:
    """Return this process's Rss, Pss and private (USS) memory in MB, from /proc/<pid>/smaps_rollup."""
    found = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Anonymous"):
                found[name] = int(rest.split()[0]) / 1024
    found["Uss"] = found.pop("Private_Clean", 0) + found.pop("Private_Dirty", 0)
    return found


def malloc_trim() -> bool:
    """Ask glibc to give freed heap memory back to the system (False where there is no glibc)."""
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except OSError:
        return False


def request_groups(url: str) -> dict:
    """Return the bench's request mix by stage: {stage name: [paths]}, sampled from the dataset at `url`."""
    from sqlalchemy import create_engine, text

    from bench import measures

    # Sampled in SQL (a fixed pseudo-random order): reading every stamp into this process, as the
    # census once did, put 200,000 rows (about 60 MB) into the very memory it measures.
    spread = "ORDER BY ({id} * 2654435761) % 1000003 LIMIT {n}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            products = conn.scalars(
                text("SELECT slug FROM products WHERE is_published AND NOT is_hidden " + spread.format(id="id", n=300))
            ).all()
            producers = conn.scalars(
                text("SELECT slug FROM producers WHERE status = 'approved' " + spread.format(id="id", n=200))
            ).all()
            stamps = conn.execute(
                text(
                    "SELECT p.gtin, b.lot_code, b.short_code, s.serial FROM stamps s JOIN batches b ON b.id = s.batch_id "
                    "JOIN products p ON p.id = b.product_id WHERE s.serial IS NOT NULL AND b.is_published "
                    + spread.format(id="s.id", n=1000)
                )
            ).all()
    finally:
        engine.dispose()
    return {
        "home + catalogue": ["/"] + [f"/products?page={n}" for n in range(1, 11)] + list(measures.FILTERED_PATHS),
        "300 product pages": [f"/products/{s}" for s in products],
        "200 producer pages": [f"/producers/{s}" for s in producers],
        "50 searches": [f"/products?q={quote(q)}" for q in (*measures.QUERIES_WITH, *measures.QUERIES_WITHOUT)],
        "1,000 origin pages": [
            f"/01/{g}/10/{quote(lot, safe='')}/21/{serial}" if g else f"/t/{short}/{serial}"
            for g, lot, short, serial in stamps
        ],
        "cart + checkout pages": ["/cart", "/checkout", "/pages/payment", "/points-of-sale"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the quick dataset (2,000 products)")
    parser.add_argument("--no-trace", action="store_true", help="no tracemalloc (RSS as a worker has it)")
    args = parser.parse_args(argv)

    if not os.environ.get("BENCH_MEMORY_CHILD"):
        # The dataset is built (or copied) here; the census runs in a fresh process, as a worker starts.
        from bench import dataset
        from bench.run import shop_env

        ds = dataset.prepare(dataset.SCALES["quick" if args.quick else "full"], None, log=lambda m: None)
        dataset.build_search_index(ds, log=lambda m: None)
        env = shop_env(ds)
        env.pop("REDIS_URL")  # limits count in this process: no Redis needed for a memory census
        env.update(APP_ENV="bench", BENCH_MEMORY_CHILD="1")
        print(f"dataset {ds.key}, {ds.rows['products']:,} products, {ds.rows['stamps']:,} stamps", flush=True)
        child = [sys.executable, "-m", "bench.worker_memory", *(argv if argv is not None else sys.argv[1:])]
        return subprocess.run(child, env={**os.environ, **env}, check=False).returncode
    stages = [("interpreter", rss_mb())]
    env = {k: os.environ[k] for k in ("DATABASE_URL", "SEARCH_INDEX_DIR", "UPLOAD_DIR", "MAIL_OUTBOX_DIR")}
    if not args.no_trace:
        tracemalloc.start(1)
    from storefront import create_app

    stages.append(("import storefront", rss_mb()))
    from bench import dataset

    url = env.pop("DATABASE_URL")
    app = create_app(dataset.bench_config(url, **env))
    app.config["RATELIMIT_ENABLED"] = False
    stages.append(("create_app", rss_mb()))

    groups = request_groups(url)
    client = app.test_client()
    for name, paths in groups.items():
        statuses = {}
        for _round in range(2):  # twice: what a worker caches is in after the first
            for path in paths:
                status = client.get(path).status_code
                statuses[status] = statuses.get(status, 0) + 1
        gc.collect()
        stages.append((name, rss_mb()))
        print(f"  {name}: {dict(sorted(statuses.items()))}")

    print("\nRSS after each stage (MB):")
    previous = 0.0
    for name, value in stages:
        print(f"  {name:<24} {value:7.1f}  (+{value - previous:.1f})")
        previous = value
    before_trim = memory_rollup()
    trimmed = malloc_trim()
    after_trim = memory_rollup()
    print(
        "glibc malloc_trim(0): "
        + ("released memory" if trimmed else "nothing released")
        + f"; RSS {before_trim['Rss']:.1f} -> {after_trim['Rss']:.1f} MB, anonymous {before_trim['Anonymous']:.1f}"
        + f" -> {after_trim['Anonymous']:.1f} MB, USS {after_trim['Uss']:.1f} MB, PSS {after_trim['Pss']:.1f} MB"
        + f" (MALLOC_ARENA_MAX={os.environ.get('MALLOC_ARENA_MAX', 'unset')})"
    )
    counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
    print(
        f"gc-tracked objects: {sum(counts.values()):,}; by type:",
        ", ".join(f"{k} {v:,}" for k, v in counts.most_common(12)),
    )
    heavy = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in HEAVY})
    print("heavy packages imported:", ", ".join(heavy) or "none")
    print("modules imported:", len(sys.modules))
    _cache_sizes(app)
    if not args.no_trace:
        snapshot = tracemalloc.take_snapshot()
        total = sum(stat.size for stat in snapshot.statistics("filename"))
        print(f"\ntracemalloc: {total / 1e6:.1f} MB held by Python objects; top files:")
        for stat in snapshot.statistics("filename")[:25]:
            name = stat.traceback[0].filename
            for marker in ("site-packages/", str(Path(__file__).resolve().parents[1]) + "/"):
                name = name.split(marker)[-1]
            print(f"  {stat.size / 1e6:7.2f} MB {stat.count:8,} blocks  {name}")
        by_package = {}
        for stat in snapshot.statistics("filename"):
            name = stat.traceback[0].filename
            key = name.split("site-packages/")[-1].split("/")[0] if "site-packages/" in name else "(project/stdlib)"
            if "/lib/python3" in name and "site-packages" not in name:
                key = "(stdlib)"
            by_package[key] = by_package.get(key, 0) + stat.size
        print(
            "by package:",
            ", ".join(f"{k} {v / 1e6:.1f}" for k, v in sorted(by_package.items(), key=lambda i: -i[1])[:15]),
        )
    return 0


def _deep_size(value, seen=None) -> int:
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in value.items())
    elif isinstance(value, (list, tuple, set, frozenset)):
        size += sum(_deep_size(item, seen) for item in value)
    elif hasattr(value, "__dict__"):
        size += _deep_size(vars(value), seen)
    elif hasattr(value, "__slots__"):
        size += sum(_deep_size(getattr(value, s, None), seen) for s in value.__slots__)
    return size


def _cache_sizes(app) -> None:
    from traceability.origin import cache as origin_cache

    print("\nin-process caches (deep sizeof, MB):")
    print(f"  origin cache: {len(origin_cache._entries)} entries, {_deep_size(origin_cache._entries) / 1e6:.1f}")
    for name, value in app.extensions.items():
        if "cache" in name.lower() or "search" in name.lower() or "listing" in name.lower():
            print(f"  app.extensions[{name!r}]: {_deep_size(value) / 1e6:.1f}")
    from storefront.extensions import db

    with app.app_context():
        compiled = db.engine._compiled_cache
    print(
        f"  SQLAlchemy compiled statements: {len(compiled)} (of {compiled.capacity}); Jinja templates: {len(app.jinja_env.cache)}"
    )


if __name__ == "__main__":
    sys.exit(main())

"""Profile shop pages on the bench dataset in process: `python -m bench.profile /products /products/<slug>`.

Needs pyinstrument (pip install pyinstrument); uses the working copy left by the last bench run.
"""

import argparse
import time

from bench import dataset


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("-n", type=int, default=30, help="requests per path")
    parser.add_argument("--quick", action="store_true", help="the quick dataset")
    parser.add_argument("--database-url", help="default: the last run's SQLite working copy")
    args = parser.parse_args()
    from pyinstrument import Profiler

    from storefront import create_app

    url = args.database_url or f"sqlite:///{dataset.DATA_DIR / 'run.sqlite3'}"
    index_dirs = sorted(
        dataset.DATA_DIR.glob(f"index-{'quick' if args.quick else 'full'}-*"), key=lambda p: p.stat().st_mtime
    )
    extra = {"SEARCH_INDEX_DIR": str(index_dirs[-1])} if index_dirs else {}
    app = create_app(dataset.bench_config(url, RATELIMIT_SCAN="1000000 per minute", **extra))
    client = app.test_client()
    for path in args.paths:
        status = client.get(path).status_code  # warm-up: templates, searcher, caches
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        with profiler:
            for _ in range(args.n):
                client.get(path)
        per_request = (time.perf_counter() - started) / args.n * 1000
        print(f"=== {path}: HTTP {status}, {per_request:.1f} ms per request in process ===")
        print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False))


if __name__ == "__main__":
    main()

"""Product pages served and rendered per second over a minute and more of steady load (a probe).

Usage: python -m bench.page_expiry_probe [--seconds 75] (BENCH_DATABASE_URL for PostgreSQL, REDIS_URL, BENCH_PORT)
Serves the shop as `make bench` does (gunicorn, production settings, the full dataset), then loads the
same 300 product pages as the bench's product row with wrk in 1 s windows, and prints for each window
the requests per second and how many pages the workers rendered (page-cache misses), so the moments
when cached pages expire show as they happen. Run it under the bench lock.
"""

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from bench import dataset, load, server
from bench.run import shop_env


def counting_app():
    """Return the shop's app, its product view writing one line per render to PAGE_PROBE_RENDERS."""
    import wsgi
    from storefront.catalog import views

    path = os.environ["PAGE_PROBE_RENDERS"]
    render = views.render_template

    def counted(template, **context):
        if template == "catalog/product.html":
            with open(path, "a") as log:
                log.write(f"{time.time():.3f}\n")
        return render(template, **context)

    views.render_template = counted
    return wsgi.app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=75)
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL") or None
    ds = dataset.prepare(dataset.SCALES["full"], url, print)
    postgres = bool(url and url.startswith("postgresql"))
    if postgres:
        dataset.fill_postgres_search(ds, print)
    slugs = [
        row.slug
        for row in _query(
            ds.url,
            "SELECT p.slug FROM products p JOIN producers pr ON pr.id = p.producer_id "
            "WHERE p.is_published AND NOT p.is_hidden AND pr.status = 'approved' ORDER BY p.id",
        )
    ]
    paths = [f"/products/{slug}" for slug in random.Random(8).sample(slugs, 300)]
    renders = Path(tempfile.mkdtemp()) / "renders.log"
    renders.write_text("")
    env = {**shop_env(ds, "postgres" if postgres else "whoosh"), "PAGE_PROBE_RENDERS": str(renders)}
    shop = server.start(
        "probe", "bench.page_expiry_probe:counting_app()", server.Gunicorn(workers=2, threads=1), env, dataset.DATA_DIR
    )
    fixed = load.Load(seconds=1, warmup_seconds=0)
    try:
        started = time.time()
        print(f"{'second':>6} {'req/s':>7} {'renders':>7}")
        with load._paths_file(paths) as paths_file:
            for _ in range(args.seconds):
                begin = time.time()
                result = load.parse_wrk_output(load._wrk(load.ensure_wrk(), shop.url, paths_file, fixed, 1))
                end = time.time()
                stamps = [float(line) for line in renders.read_text().split()]
                rendered = sum(begin <= t < end for t in stamps)
                print(f"{begin - started:6.0f} {result.rps:7.0f} {rendered:7d}", flush=True)
        print(f"renders in all: {len(renders.read_text().split())} for {len(paths)} pages, 2 workers")
    finally:
        shop.stop()
    return 0


def _query(url: str, sql: str) -> list:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())

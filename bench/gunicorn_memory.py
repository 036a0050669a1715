"""Worker memory under gunicorn with the production configuration, with and without --preload.

    BENCH_DATABASE_URL=postgresql+psycopg://…/bench_x nice -n 10 python -m bench.gunicorn_memory \
        [--preload] [--workers 2] [--checkout-seconds 20] [--quick]

Serves the shop as production does on PostgreSQL (APP_ENV=production, SEARCH_BACKEND=postgres, Redis
for the limits; gunicorn -w 2, sync workers), with --preload through deploy/gunicorn.conf.py (app built
in the master, gc.freeze() before each fork). Two clients, each on its own kept-alive connection
(so each worker gets one), load bench/worker_memory.py's request mix twice, then shoppers place COD
orders for --checkout-seconds. Prints, per worker and for the master: peak RSS, RSS, USS (what only
that process holds) and PSS (shared pages divided among their sharers), in MB, after each part.
"""

import argparse
import http.client
import json
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from bench import dataset, server
from bench.checkout_client import buyable_slugs, place_orders
from bench.checkout_probe import _worker_memory
from bench.run import shop_env
from bench.worker_memory import request_groups

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preload", action="store_true", help="serve with deploy/gunicorn.conf.py")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--checkout-seconds", type=float, default=20)
    parser.add_argument("--quick", action="store_true", help="the quick dataset (2,000 products)")
    args = parser.parse_args(argv)
    ds = dataset.prepare_postgres(args.quick)
    if ds is None:
        return 2
    dataset.fill_postgres_search(ds, log=print)
    env = shop_env(ds, search_backend="postgres")
    options = ("--config", str(CONFIG)) if args.preload else ()
    shop = server.start(
        "memory", "wsgi:app", server.Gunicorn(workers=args.workers, threads=1), env, dataset.DATA_DIR, options=options
    )
    report = {"dataset": ds.key, "preload": args.preload, "load_average": [round(os.getloadavg()[0], 1)]}
    try:
        report["started"] = _memory(shop)
        groups = request_groups(ds.url)
        statuses, peaks, stage_names = {}, {}, iter(groups)
        # The clients wait for each other after each part of the mix, and each worker's peak RSS is read then.
        barrier = threading.Barrier(args.workers, action=lambda: peaks.update({next(stage_names): _peaks(shop)}))
        clients = [
            threading.Thread(target=_load, args=(shop.url, groups, statuses, barrier)) for _ in range(args.workers)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        report["statuses"] = statuses
        report["peak RSS after each part of the mix"] = peaks
        report["after the request mix"] = _memory(shop)
        # Shoppers buy among the mix's products that stay in stock (a sold-out page has no cart form).
        slugs = buyable_slugs(ds.url, [path.rsplit("/", 1)[1] for path in groups["300 product pages"]])
        report["products bought from"] = len(slugs)
        orders = place_orders(shop.url, slugs, clients=4, seconds=args.checkout_seconds)
        report["orders"] = {"placed": orders.placed, "failed": orders.failed, "first_error": orders.first_error}
        report["after checkout"] = _memory(shop)
        report["server_problems"] = shop.log_problems()
    finally:
        shop.stop()
    report["load_average"].append(round(os.getloadavg()[0], 1))
    print(json.dumps(report, indent=1))
    return 0


def _load(base_url: str, groups: dict, statuses: dict, barrier: threading.Barrier) -> None:
    """GET every path of the mix twice on one kept-alive connection, counting the answers' statuses;
    after each part, wait at the barrier for the other clients."""
    host = urlsplit(base_url).netloc
    conn = http.client.HTTPConnection(host, timeout=120)
    try:
        for paths in groups.values():
            for _round in range(2):
                for path in paths:
                    while path:  # a scan's redirect to its origin page is followed, as a phone does
                        conn.request("GET", path)
                        response = conn.getresponse()
                        response.read()
                        statuses[response.status] = statuses.get(response.status, 0) + 1
                        location = urlsplit(response.getheader("Location") or "")
                        redirected = response.status in (301, 307, 308) and location.path.startswith("/origin/")
                        path = location.path + (f"?{location.query}" if location.query else "") if redirected else None
            barrier.wait()
    except BaseException:
        barrier.abort()  # the other clients stop waiting (BrokenBarrierError) instead of hanging
        raise
    finally:
        conn.close()


def _peaks(shop) -> dict:
    return {f"worker {n}": round(server.memory_of(pid)[0], 1) for n, pid in enumerate(sorted(shop.workers()), 1)}


def _memory(shop) -> dict:
    master = shop.process.pid
    found = {f"worker {n}": _worker_memory(pid) for n, pid in enumerate(sorted(shop.workers()), 1)}
    found["master"] = _worker_memory(master)
    return found


if __name__ == "__main__":
    sys.exit(main())

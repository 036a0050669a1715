"""Checkout alone: 8 shoppers placing COD orders against gunicorn, with the client's own CPU measured.

    BENCH_DATABASE_URL=postgresql+psycopg://…/bench_x nice -n 10 python -m bench.checkout_probe \
        [--seconds 30] [--clients 8] [--quick] [--py-spy DIR] [--deployed]

Serves the shop as `make bench` does (gunicorn -w 2, sync workers, production settings, Redis for
the limits) on a fresh copy of the bench dataset, runs bench/checkout_client.py's shoppers for
--seconds, and prints orders/s, p50/p95 per order flow, and where the CPU went: the client
process (its share of one core), the shop's workers, PostgreSQL's backends for the bench database and
Redis (CPU ms per order, as bench.run counts them), and the orders/s this host's cores could place
if checkout had them all (cores × 1,000 / all the CPU ms an order costs). With --py-spy DIR,
py-spy records both workers for the run (flame graphs and a raw --format raw profile in DIR).
With --deployed, gunicorn runs as deploy/systemd/ocop-web.service starts it (deploy/gunicorn.conf.py:
preload and gc.freeze; 4 sync workers; an access log, here to /dev/null) instead of the bench's
2 sync workers.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from bench import dataset, server
from bench.checkout_client import buyable_slugs, place_orders
from bench.run import shop_env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="the quick dataset (2,000 products)")
    parser.add_argument("--py-spy", dest="py_spy", help="record the workers with py-spy into this folder")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--deployed",
        action="store_true",
        help="serve as deploy/systemd/ocop-web.service does: deploy/gunicorn.conf.py (preload, gc.freeze), "
        "sync workers, 4 of them unless --workers says otherwise, an access log",
    )
    args = parser.parse_args(argv)
    ds = dataset.prepare_postgres(args.quick)
    if ds is None:
        return 2
    dataset.build_search_index(ds, log=print)
    workers = 4 if args.deployed and "--workers" not in (argv or sys.argv) else args.workers
    # The deployed unit's options (production runs gunicorn's default sync workers).
    deployed = ("--config", "deploy/gunicorn.conf.py", "--access-logfile", os.devnull)
    shop = server.start(
        "shop",
        "wsgi:app",
        server.Gunicorn(workers=workers, threads=1, worker_class="sync"),
        shop_env(ds),
        dataset.DATA_DIR,
        options=deployed if args.deployed else (),
    )
    recorders = []
    try:
        slugs = buyable_slugs(ds.url)
        # Warm both workers (templates, caches) with one flow per client, untimed.
        place_orders(shop.url, slugs, clients=args.clients, seconds=2)
        if args.py_spy:
            folder = Path(args.py_spy)
            folder.mkdir(parents=True, exist_ok=True)
            for pid in shop.workers():
                for fmt, suffix in (("flamegraph", "svg"), ("raw", "txt")):
                    recorders.append(
                        subprocess.Popen(
                            [
                                str(Path(sys.executable).with_name("py-spy")),
                                "record",
                                "-p",
                                str(pid),
                                "-r",
                                "50",
                                "-d",
                                str(int(args.seconds) + 2),
                            ]
                            + ["-f", fmt, "-o", str(folder / f"worker-{pid}.{suffix}"), "--nonblocking"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                    )
        server_cpu = shop.cpu_seconds()
        services_before = server.services_cpu_seconds(_database_name(ds.url))
        client_cpu = resource.getrusage(resource.RUSAGE_SELF)
        load_before = os.getloadavg()[0]
        result = place_orders(shop.url, slugs, clients=args.clients, seconds=args.seconds)
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        server_used = shop.cpu_seconds() - server_cpu
        services_after = server.services_cpu_seconds(_database_name(ds.url))
        client_used = (client_after.ru_utime - client_cpu.ru_utime) + (client_after.ru_stime - client_cpu.ru_stime)
        problems = shop.log_problems()
        memory = {pid: _worker_memory(pid) for pid in shop.workers()}
    finally:
        for recorder in recorders:
            recorder.wait(timeout=args.seconds + 60)
        shop.stop()
    orders = max(result.placed, 1)
    services = {name: services_after[name] - services_before[name] for name in services_before}
    all_ms = 1000 * (server_used + client_used + sum(services.values())) / orders
    report = {
        "dataset": ds.key,
        "clients": args.clients,
        "serving": f"{workers} workers, " + ("deployed: deploy/gunicorn.conf.py, sync" if args.deployed else "sync"),
        "seconds": round(result.seconds, 1),
        "orders": result.placed,
        "failed": result.failed,
        "first_error": result.first_error,
        "orders_per_s": round(result.placed / result.seconds, 1),
        "p50_ms": round(result.p50_ms or 0),
        "p95_ms": round(result.p95_ms or 0),
        "client_cpu_s": round(client_used, 1),
        "client_share_of_a_core": round(client_used / result.seconds, 2),
        "client_cpu_ms_per_order": round(1000 * client_used / orders, 1),
        "shop_cpu_s": round(server_used, 1),
        "shop_cpu_ms_per_order": round(1000 * server_used / orders, 1),
        "postgresql_cpu_ms_per_order": round(1000 * services["PostgreSQL"] / orders, 1),
        "redis_cpu_ms_per_order": round(1000 * services["Redis"] / orders, 1),
        "all_cpu_ms_per_order": round(all_ms, 1),
        # What the host could place with every core on checkout and nothing waiting: the ceiling.
        "host_ceiling_orders_per_s": round(os.cpu_count() * 1000 / all_ms, 1),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "server_problems": problems,
        "worker_memory_mb": memory,
    }
    print(json.dumps(report))
    return 0


def _database_name(url: str) -> str:
    """The database a PostgreSQL URL names (the backends bench.server counts are titled with it)."""
    from sqlalchemy.engine import make_url

    return make_url(url).database


def _worker_memory(pid: int) -> dict:
    """Peak and current RSS, and USS/PSS (shared pages counted once per server), of a worker in MB."""
    from bench.worker_memory import memory_rollup

    peak, rss = server.memory_of(pid)
    rollup = memory_rollup(pid)
    return {
        "peak_rss": round(peak, 1),
        "rss": round(rss, 1),
        "uss": round(rollup["Uss"], 1),
        "pss": round(rollup["Pss"], 1),
    }


if __name__ == "__main__":
    sys.exit(main())

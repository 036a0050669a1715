"""Each scan-path mechanism on and off in one paired run: `python -m bench.mechanisms`.

One shop server per variant (the same code, settings differing), all started at once, and the
bare Flask baseline. Every round visits every variant with an ABBA window set (baseline,
variant, variant, baseline), so all variants see the same machine over the same minutes; the
control variant (the same settings twice) shows the noise. A
variant's ratio is its origin-page req/s over its paired baseline windows'; a mechanism's share
is the drop of that ratio when it alone is turned off (relative to the variant it is removed
from). Results go to bench/results/mechanisms-<engine>-<time>.json and are printed as a table.
"""

import argparse
import json
import os
import sys
from datetime import UTC, datetime

from bench import dataset, load, measures, report, server
from bench.run import log, shop_env

#: name → (settings on top of the bench's production environment, the variant it is compared with).
VARIANTS = {
    "all on": ({}, None),
    "all on (control: same settings)": ({}, "all on"),
    "fast path off": ({"SCAN_FAST_PATH": "false"}, "all on"),
    "fast path off, immediate writes": ({"SCAN_FAST_PATH": "false", "SCAN_WRITE_MODE": "immediate"}, "fast path off"),
    "no origin cache": ({"ORIGIN_CACHE_SECONDS": "0"}, "all on"),
}
#: Variants served at the URI a phone scans, /01/…/10/…/21/… (the resolver's 307 to the origin
#: page), rather than at the origin page's own URL.
RESOLVER_VARIANTS = {
    "the resolver's 307 (/01/…)": ({}, None),
    "the resolver's 307, fast path off": ({"SCAN_FAST_PATH": "false"}, "the resolver's 307 (/01/…)"),
}
#: Switches the code does not have (a throw-away patch reads them): --ablations adds these.
ABLATIONS = {
    "raw look-up off (session, app context)": ({"ABLATE_RAW": "1"}, "all on"),
    "page variants off (whole page per scan)": ({"ABLATE_VARIANTS": "1"}, "all on"),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="full", choices=sorted(dataset.SCALES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window", type=int, default=2, help="seconds per wrk window")
    parser.add_argument("--ports", default="5110-5119", help="shop ports, first-last")
    parser.add_argument("--baseline-port", type=int, default=5104)
    parser.add_argument("--only", help="comma-separated variant names")
    parser.add_argument("--ablations", action="store_true", help="add ABLATIONS (needs their patch)")
    args = parser.parse_args(argv)
    first, last = (int(p) for p in args.ports.split("-"))
    variants = {**VARIANTS, **RESOLVER_VARIANTS, **(ABLATIONS if args.ablations else {})}
    names = [n for n in variants if not args.only or n in args.only.split(",")]
    if len(names) > last - first + 1:
        raise SystemExit("more variants than ports")

    database_url = os.environ.get("BENCH_DATABASE_URL") or None
    engine = "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite"
    ds = dataset.prepare(dataset.SCALES[args.scale], database_url, log)
    wrk = load.ensure_wrk(log)
    the_load = load.Load(window_seconds=args.window)
    setup = server.Gunicorn(workers=2, threads=1)
    env = shop_env(ds)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()[0]
    ctx = measures.Context(
        dataset=ds, shop=None, baseline=None, wrk=wrk, load=the_load, quick=False, postgres=engine == "postgresql"
    )
    uris = [
        f"/01/{r.gtin}/10/{measures._quote(r.lot_code)}/21/{r.serial}"
        for r in measures._sample_stamps(ctx, with_gtin=True)
    ]
    paths = ["/origin" + uri for uri in uris]
    baseline = server.start(
        "baseline",
        "bench.baseline_app:app",
        setup,
        {"BENCH_BASELINE_DATABASE_URL": ds.url},
        dataset.DATA_DIR,
        port=args.baseline_port,
    )
    shops = {}
    try:
        for offset, name in enumerate(names):
            shops[name] = server.start(
                f"mech{offset}",
                "wsgi:app",
                setup,
                {**env, **variants[name][0]},
                dataset.DATA_DIR,
                ready_path=paths[0],
                port=first + offset,
            )
        windows = {name: {"baseline": [], "shop": []} for name in names}
        with (
            load._paths_file(paths) as page_paths,
            load._paths_file(uris) as resolver_paths,
            load._paths_file(["/"]) as base_paths,
        ):
            shop_paths = {name: resolver_paths if name in RESOLVER_VARIANTS else page_paths for name in names}

            def window(srv, paths_file, seconds):
                output = load._wrk(wrk, srv.url, paths_file, the_load, seconds)
                srv.wait_idle()
                return load.parse_wrk_output(output)

            for name in names:  # warm-up: each worker's origin cache and page variants
                status, _body = load.get(shops[name].url + paths[0])
                if status != 200:
                    raise RuntimeError(f"{name}: GET {paths[0]} answers {status}")
                window(shops[name], shop_paths[name], 6)
            window(baseline, base_paths, 1)
            for round_ in range(args.rounds):
                for name in names:
                    for side in ("baseline", "shop", "shop", "baseline"):
                        srv, paths_file = (
                            (baseline, base_paths) if side == "baseline" else (shops[name], shop_paths[name])
                        )
                        windows[name][side].append(window(srv, paths_file, args.window))
                log(f"round {round_ + 1} done")
        problems = {name: shops[name].log_problems() for name in names}
    finally:
        for srv in shops.values():
            srv.stop()
        baseline.stop()

    results = {}
    for name in names:
        paired = load.PairedResult(baseline=windows[name]["baseline"], shop=windows[name]["shop"])
        shop = load.pooled(paired.shop)
        results[name] = {
            "ratio": paired.ratio,
            "round_ratios": paired.round_ratios(),
            "rps": shop.rps,
            "baseline_rps": load.pooled(paired.baseline).rps,
            "p50_ms": shop.p50_ms,
            "p95_ms": shop.p95_ms,
            "errors": shop.errors,
            "requests": shop.requests,
            "settings": variants[name][0],
            "compared_with": variants[name][1],
            "paths": "/01/… (307)" if name in RESOLVER_VARIANTS else "/origin/01/…",
            "server_problems": problems[name],
        }
    run = {
        "started_at": started_at,
        "engine": engine,
        "dataset": {"key": ds.key, "rows": ds.rows},
        "machine": report.machine(),
        "load_average": {"start": load_before, "end": os.getloadavg()[0]},
        "load": f"wrk -t{the_load.threads} -c{the_load.connections}; {args.rounds} rounds, each visiting every "
        f"variant with baseline/variant/variant/baseline {args.window} s windows; gunicorn -w 2, sync workers",
        "variants": results,
    }
    stamp = started_at.replace(":", "")
    path = report.RESULTS_DIR / f"mechanisms-{engine}-{stamp}.json"
    path.write_text(json.dumps(run, indent=2))
    for line in table_lines(run):
        log(line)
    log(f"results: {path}")
    return 0


def table_lines(run: dict) -> list[str]:
    lines = ["| variant | ratio | per round | req/s | share of the ratio |", "|---|---|---|---|---|"]
    variants = run["variants"]
    for name, v in variants.items():
        base = variants.get(v["compared_with"]) if v["compared_with"] else None
        share = ""
        if base and base["ratio"] and v["ratio"] is not None:
            share = f"{(base['ratio'] - v['ratio']) / base['ratio']:+.0%} off vs {v['compared_with']}"
        rounds = ", ".join(f"{r:.2f}" for r in v["round_ratios"])
        lines.append(f"| {name} | {v['ratio']:.2f} | {rounds} | {v['rps']:,.0f} | {share} |")
    return lines


if __name__ == "__main__":
    sys.exit(main())

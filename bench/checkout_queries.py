"""Count the SQL statements and requests of one COD order flow (a load-independent checkout figure).

    python -m bench.checkout_queries [--database-url URL] [--flows N [--profile FILE]]

Walks the same flow as bench/checkout_client.py (product page, add to cart, the checkout steps,
place) through Flask's test client on a scratch database (a temporary SQLite file by default; a
PostgreSQL URL of a bench_* database of your own is emptied and reused), and prints the requests
and the statements per request. Round trips, unlike wall time, do not move with the machine's load.
With --flows N, walks N more flows (after the counted one, which warms the templates) and adds
each step's CPU time in this process (ms per flow, the flow's own form parsing included); with
--profile FILE, those N flows run under cProfile and its stats go to FILE (read with pstats).
"""

import argparse
import cProfile
import json
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.checkout_client import MAX_STEPS, SKIPPED_ACTIONS, fill_form, parse_forms


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--flows", type=int, default=0, help="timed flows after the counted one")
    parser.add_argument("--profile", help="run the timed flows under cProfile and dump its stats here")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/flow.sqlite3"
    from sqlalchemy import event

    from config import TestConfig
    from storefront import create_app
    from storefront.extensions import db

    app = create_app(type("FlowConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True}))
    with app.app_context():
        from tests.factories import make_product

        db.drop_all()
        db.create_all()
        product = make_product(on_hand=100 + 10 * args.flows)
        db.session.commit()
        slug = product.slug
        db.session.remove()
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
    steps = walk_flow(app.test_client(), slug, statements)
    report = {
        "engine": url.split(":")[0].split("+")[0],
        "reached": steps[-1]["path"],
        "requests": sum(s["requests"] for s in steps),
        "statements": sum(s["statements"] for s in steps),
        "steps": steps,
    }
    if args.flows:
        profiler = cProfile.Profile() if args.profile else None
        cpu_by_step = {}
        for _ in range(args.flows):
            if profiler:
                profiler.enable()
            timed = walk_flow(app.test_client(), slug, statements)
            if profiler:
                profiler.disable()
            for step in timed:
                name = step["path"] if not step["path"].startswith("/orders/") else "/orders/<number>"
                cpu_by_step[name] = cpu_by_step.get(name, 0.0) + step["cpu_ms"]
        report["cpu_ms_per_flow"] = round(sum(cpu_by_step.values()) / args.flows, 1)
        report["cpu_ms_per_step"] = {name: round(ms / args.flows, 1) for name, ms in cpu_by_step.items()}
        if profiler:
            profiler.dump_stats(args.profile)
    for step in report["steps"]:
        step.pop("cpu_ms")
    print(json.dumps(report))
    with app.app_context():
        db.session.remove()
        if url.startswith("postgresql"):
            db.drop_all()
    return 0


def walk_flow(client, slug: str, statements: list) -> list[dict]:
    """Walk one COD order flow; return each step's path, requests, statements and CPU ms."""
    steps = []

    def go(path, data=None):
        before, cpu = len(statements), time.process_time()
        response = client.post(path, data=data) if data is not None else client.get(path)
        hops = 1
        while response.status_code in (301, 302, 303) and hops < 10:
            path = urllib.parse.urljoin(path, response.headers["Location"])
            response = client.get(path)
            hops += 1
        page = response.get_data(as_text=True)
        steps.append(
            {
                "path": urllib.parse.urlsplit(path).path,
                "requests": hops,
                "statements": len(statements) - before,
                "cpu_ms": 1000 * (time.process_time() - cpu),
            }
        )
        return path, page

    page_url, html = go(f"/products/{slug}")
    form = next(f for f in parse_forms(html) if f["method"] == "post" and "cart" in f["action"])
    go(urllib.parse.urljoin(page_url, form["action"]), fill_form(form, "0912345678"))
    page_url, html = go("/checkout")
    for _ in range(MAX_STEPS):
        forms = [
            f
            for f in parse_forms(html)
            if f["method"] == "post" and not any(word in f["action"] for word in SKIPPED_ACTIONS)
        ]
        if not forms or "/orders/" in page_url:
            break
        form = next((f for f in forms if "place" in f["action"]), forms[-1])
        page_url, html = go(urllib.parse.urljoin(page_url, form["action"] or page_url), fill_form(form, "0912345678"))
    return steps


if __name__ == "__main__":
    sys.exit(main())

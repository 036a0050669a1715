"""Requests per second of the origin page (recording scans) against a bare Flask route (a probe).

Usage: python bench/origin_page_probe.py [--seconds 5] [--database-url URL]
Both routes are served by the same threaded werkzeug server from one app, in the same run,
in alternating rounds, and fetched over loopback HTTP one request at a time. A quick check;
the figures in the note come from gunicorn (2 workers × 4 threads) and wrk -t2 -c8, the bare
app (bench/baseline_app.py) and the shop served side by side, alternating in one run.
"""

import argparse
import http.client
import sys
import tempfile
import time
from pathlib import Path
from threading import Thread

from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import TestConfig
from storefront import create_app
from storefront.extensions import db


def rps(host, port, path, seconds):
    """Fetch path repeatedly for the given seconds and return requests per second."""
    done, deadline = 0, time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", path, headers={"User-Agent": "probe"})
        response = conn.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
        conn.close()
        done += 1
    return done / (time.perf_counter() - start)


def main():
    """Serve the app, then time both routes in alternating rounds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--sqlite-wal",
        action="store_true",
        help="journal_mode=WAL, synchronous=NORMAL (what a connect hook in create_app would set)",
    )
    args = parser.parse_args()
    if args.sqlite_wal:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "connect")
        def _wal(dbapi_connection, _record):
            if type(dbapi_connection).__module__ == "sqlite3":
                dbapi_connection.execute("PRAGMA journal_mode=WAL")
                dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/probe.sqlite3"
    app = create_app(
        type(
            "ProbeConfig",
            (TestConfig,),
            {"SQLALCHEMY_DATABASE_URI": url, "TESTING": False, "RATELIMIT_SCAN": "1000000 per minute"},
        )
    )
    app.add_url_rule("/bare", "bare", lambda: "ok")
    with app.app_context():
        from tests.factories_traceability import make_traced_batch
        from traceability.stamps.services import issue_stamps, issue_stamps_list
        from traceability.stamps.urls import origin_path as page_path

        db.drop_all()
        db.create_all()
        issue, _pins = issue_stamps(make_traced_batch(), count=1, actor=None)
        stamp = issue_stamps_list(issue)[0]
        origin_path = page_path(stamp.batch, stamp)  # the page itself, not the resolver's 307 to it
        db.session.commit()
        stamp_id = stamp.id

    server = make_server("127.0.0.1", 0, app, threaded=True)
    Thread(target=server.serve_forever, daemon=True).start()
    host, port = "127.0.0.1", server.server_port
    bare, origin = [], []
    for _round in range(args.rounds):
        bare.append(rps(host, port, "/bare", args.seconds))
        origin.append(rps(host, port, origin_path, args.seconds))
    server.shutdown()
    with app.app_context():
        from traceability.models import Stamp

        scans = db.session.get(Stamp, stamp_id).scan_count
        db.session.remove()  # end its transaction, or PostgreSQL's DROP waits for it forever
        db.drop_all()
    best_bare, best_origin = max(bare), max(origin)
    print(f"bare route   {best_bare:8.1f} req/s (rounds: {', '.join(f'{r:.0f}' for r in bare)})")
    print(
        f"origin page  {best_origin:8.1f} req/s (rounds: {', '.join(f'{r:.0f}' for r in origin)}), "
        f"{scans} scans recorded"
    )
    print(f"origin / bare {best_origin / best_bare:.0%}")


if __name__ == "__main__":
    main()

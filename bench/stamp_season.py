"""Season-sized stamp issues: issue N stamps, then make their PDF as the stamp-sheet job does.

    nice -n 10 python -m bench.stamp_season --count 100000 [--database-url URL]

Runs in one process per call (so its peak RSS is the job's own), on a scratch database (a
temporary SQLite file by default, or the PostgreSQL URL given, whose tables it drops and
recreates: give it a bench_* database of its own). Prints one JSON line: the issue's seconds
(inserts + commit), the job's seconds (traceability.stamps.jobs.render_sheet: labels read from
the database, PDF drawn and stored), CPU seconds of both, the PDF's size and the process's peak
RSS after each part. Issues past MAX_STAMPS_PER_ISSUE are allowed here (the probe raises the cap).
"""

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="stamp-season-"))
    url = args.database_url or f"sqlite:///{scratch}/season.sqlite3"

    from config import TestConfig
    from storefront import create_app
    from storefront.extensions import db

    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "PUBLIC_BASE_URL": "https://ocop.example.vn",
        "STAMP_DIR": str(scratch / "stamps"),
        "SEARCH_INDEX_DIR": str(scratch / "index"),
    }
    app = create_app(type("SeasonConfig", (TestConfig,), settings))
    with app.app_context():
        from tests.factories_traceability import make_traced_batch
        from traceability.stamps import jobs, services

        services.MAX_STAMPS_PER_ISSUE = max(services.MAX_STAMPS_PER_ISSUE, args.count)
        db.drop_all()
        db.create_all()
        batch = make_traced_batch(lot_code="L2026-01")
        db.session.commit()
        start_mb = _peak_mb()

        cpu, wall = time.process_time(), time.perf_counter()
        issue, _pins = services.issue_stamps(batch, count=args.count, actor=None)
        db.session.commit()
        issue_id = issue.id
        issue_seconds, issue_cpu = time.perf_counter() - wall, time.process_time() - cpu
        after_issue_mb = _peak_mb()
        db.session.expunge_all()

        cpu, wall = time.process_time(), time.perf_counter()
        size = jobs.render_sheet(issue_id)
        job_seconds, job_cpu = time.perf_counter() - wall, time.process_time() - cpu
        stored = Path(settings["STAMP_DIR"]) / jobs.sheet_name(issue_id)
        db.session.remove()
        if url.startswith("postgresql"):
            db.drop_all()
    print(
        json.dumps(
            {
                "count": args.count,
                "engine": url.split(":")[0].split("+")[0],
                "issue_seconds": round(issue_seconds, 2),
                "issue_cpu_seconds": round(issue_cpu, 2),
                "job_seconds": round(job_seconds, 2),
                "job_cpu_seconds": round(job_cpu, 2),
                "total_seconds": round(issue_seconds + job_seconds, 2),
                "pdf_mb": round(size / 1e6, 1),
                "pdf_on_disk_mb": round(stored.stat().st_size / 1e6, 1) if stored.exists() else None,
                "rss_mb": {
                    "after_app": round(start_mb),
                    "after_issue": round(after_issue_mb),
                    "peak": round(_peak_mb()),
                },
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

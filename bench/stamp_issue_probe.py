"""Time issuing 10,000 serialized stamps with their PDF through the services (a probe, not a test).

Usage: python bench/stamp_issue_probe.py [-n 10000] [--database-url URL]
Compares (a) the raw qrcode library building the same 10,000 symbols with (b) issue_stamps
(DB inserts) + render_issue_sheet (labels + PDF), the whole `flask traceability stamps` pipeline.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import qrcode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import TestConfig
from storefront import create_app
from storefront.extensions import db
from traceability.stamps.qr import ERROR_CORRECTION


def main():
    """Build a batch in a scratch database, then time the raw QR baseline and the pipeline."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/probe.sqlite3"
    app = create_app(
        type(
            "ProbeConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "PUBLIC_BASE_URL": "https://ocop.example.vn"}
        )
    )
    with app.app_context():
        from tests.factories_traceability import make_traced_batch
        from traceability.stamps.services import issue_labels, issue_stamps, render_issue_sheet

        db.drop_all()
        db.create_all()
        batch = make_traced_batch(lot_code="L2026-01")
        db.session.commit()

        cpu = time.process_time()
        start = time.perf_counter()
        issue, _pins = issue_stamps(batch, count=args.n, actor=None)
        db.session.commit()
        t_issue = time.perf_counter() - start

        start = time.perf_counter()
        pdf = render_issue_sheet(issue)
        t_pdf = time.perf_counter() - start
        cpu_pipeline = time.process_time() - cpu

        urls = [label.url for label in issue_labels(issue)]
        cpu = time.process_time()
        start = time.perf_counter()
        for text in urls:
            code = qrcode.QRCode(error_correction=ERROR_CORRECTION)
            code.add_data(text)
            code.make()
        t_raw = time.perf_counter() - start
        cpu_raw = time.process_time() - cpu
        db.session.remove()  # end its transaction, or PostgreSQL's DROP waits for it forever
        db.drop_all()

    total = t_issue + t_pdf
    print(f"{args.n} stamps like {urls[0]} on {url.split(':')[0]}")
    print(f"issue_stamps (inserts + commit)  {t_issue:7.2f} s")
    print(f"render_issue_sheet (PDF {len(pdf) / 1e6:.1f} MB) {t_pdf:7.2f} s")
    print(f"pipeline total                   {total:7.2f} s")
    print(f"raw qrcode make() of same codes  {t_raw:7.2f} s")
    print(f"ratio pipeline / raw             {total / t_raw:7.2f}")
    # CPU seconds of this process: less distorted than wall time when the 2 cores are shared.
    print(f"CPU s: pipeline {cpu_pipeline:.2f}, raw {cpu_raw:.2f}, ratio {cpu_pipeline / cpu_raw:.2f}")


if __name__ == "__main__":
    main()

"""Time issuing stamps with their PDF sheet against the raw QR library (run as a child process).

Prints one JSON line: raw_qr_seconds, sheet and issue parts ({seconds, detail} or
{unavailable: reason}) and the process's peak RSS.
"""

import argparse
import json
import resource
import time
from datetime import date

from bench.stamp_render_probe import BASE_URL, raw_make


def time_issue(database_url: str, count: int, index_dir: str) -> tuple[dict, list[str]]:
    """Issue `count` serialized stamps on a bench batch and render their sheet; return (part, urls)."""
    try:
        from traceability.stamps.services import issue_labels, issue_stamps, render_issue_sheet
    except ImportError as exc:
        return {"unavailable": f"traceability.stamps.services lacks issue_stamps/render_issue_sheet ({exc})"}, []
    from sqlalchemy import select

    from bench.dataset import bench_config
    from storefront import create_app
    from storefront.accounts.models import Role, User
    from storefront.catalog.models import Product
    from storefront.extensions import db
    from traceability.models import Batch

    # The dataset's own search index: an empty one would be rebuilt by the after-commit hook.
    app = create_app(bench_config(database_url, PUBLIC_BASE_URL=BASE_URL, SEARCH_INDEX_DIR=index_dir))
    with app.app_context():
        batch = db.session.scalars(
            select(Batch)
            .join(Product)
            .where(Product.gtin.is_not(None), Batch.is_published.is_(True))
            .order_by(Batch.id)
        ).first()
        actor = db.session.scalars(select(User).where(User.role == Role.OFFICE)).first()
        started = time.perf_counter()
        issue, _pins = issue_stamps(batch, count=count, actor=actor)
        db.session.commit()
        pdf = render_issue_sheet(issue)
        seconds = time.perf_counter() - started
        urls = [label.url for label in issue_labels(issue)]
    return {
        "seconds": seconds,
        "detail": f"issue_stamps + commit + render_issue_sheet, PDF {len(pdf) / 1e6:.1f} MB",
    }, urls


def time_sheet(urls: list[str]) -> dict:
    """Render the labels' PDF with traceability.sheets alone (no database)."""
    try:
        from traceability.stamps.sheets import Label, render_sheet
    except ImportError as exc:
        return {"unavailable": f"traceability.sheets missing ({exc})"}
    labels = [
        Label(
            url=url,
            product_name="Chè Tân Cương",
            lot="L2026-01",
            expiry=date(2027, 12, 31),
            serial=url.rsplit("/", 1)[-1].split("?")[0],
            stars=4,
        )
        for url in urls
    ]
    started = time.perf_counter()
    pdf = render_sheet(labels)
    return {
        "seconds": time.perf_counter() - started,
        "detail": f"sheets.render_sheet only, PDF {len(pdf) / 1e6:.1f} MB",
    }


def fallback_urls(count: int) -> list[str]:
    from traceability.identifiers.codes import new_serial
    from traceability.identifiers.digital_link import DigitalLink

    return [
        DigitalLink("08934567890120", lot="L2026-01", serial=new_serial(), expiry=date(2027, 12, 31)).uri(BASE_URL)
        for _ in range(count)
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--search-index-dir", required=True)
    args = parser.parse_args()
    issue, urls = time_issue(args.database_url, args.count, args.search_index_dir)
    urls = urls or fallback_urls(args.count)
    sheet = time_sheet(urls)
    started = time.perf_counter()
    raw_make(urls)  # the same codes, made by qrcode alone
    raw_seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "count": args.count,
                "raw_qr_seconds": raw_seconds,
                "sheet": sheet,
                "issue": issue,
                "peak_rss_mb": peak_mb,
                "url_example": urls[0],
            }
        )
    )


if __name__ == "__main__":
    main()

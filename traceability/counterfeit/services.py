"""A consumer's 'suspected fake' report, saved for the office to handle."""

from __future__ import annotations

from storefront.extensions import db
from traceability.models import Batch, CounterfeitReport, Stamp


def report_counterfeit(
    *,
    batch: Batch | None,
    stamp: Stamp | None,
    scanned_code: str = "",
    message: str = "",
    where_bought: str = "",
    contact: str = "",
) -> CounterfeitReport:
    """Save a consumer's 'suspected fake' report for the office to handle."""
    report = CounterfeitReport(
        batch_id=batch.id if batch is not None else None,
        stamp_id=stamp.id if stamp is not None else None,
        scanned_code=(scanned_code or "")[:300],
        message=(message or "").strip(),
        where_bought=(where_bought or "").strip()[:300],
        contact=(contact or "").strip()[:200],
    )
    db.session.add(report)
    db.session.flush()
    return report

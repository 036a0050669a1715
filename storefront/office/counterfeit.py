"""'Suspected fake' reports that origin pages collect: the office's list and its decision on each."""

from sqlalchemy import select

from storefront.accounts.models import User
from storefront.audit.services import log_action
from storefront.extensions import db
from storefront.office.rules import OfficeError, require_reason
from traceability.models import CounterfeitReport, ReportStatus
from traceability.scans.unknown import UnknownCodeSummary, unknown_code_summaries


class ReportAlreadyHandled(OfficeError):
    pass


def counterfeit_reports(*, limit: int = 200) -> list:
    """Return reports, open ones first, newest first."""
    return db.session.scalars(
        select(CounterfeitReport)
        .order_by(CounterfeitReport.status != ReportStatus.OPEN, CounterfeitReport.created_at.desc())
        .limit(limit)
    ).all()


def find_counterfeit_report(report_id: int):
    return db.session.get(CounterfeitReport, report_id)


def handle_counterfeit_report(report, *, status, resolution: str, actor: User):
    """Close an open 'suspected fake' report as confirmed or dismissed (status given as enum or its value)."""
    resolution = require_reason(resolution)
    status = ReportStatus(getattr(status, "value", status))
    if report.status is not ReportStatus.OPEN:
        raise ReportAlreadyHandled()
    if status not in (ReportStatus.CONFIRMED, ReportStatus.DISMISSED):
        raise ValueError(status)
    before = {"status": report.status.value, "resolution": report.resolution}
    report.status, report.resolution, report.handled_by_id = status, resolution, actor.id
    db.session.flush()
    log_action(
        actor,
        f"report.{status.value}",
        report,
        before=before,
        after={"status": report.status.value, "resolution": report.resolution},
        reason=resolution,
    )
    return report


def unknown_codes(limit: int = 100) -> list[UnknownCodeSummary]:
    """Codes scanned under a known GTIN that no producer registered, most recent first (all producers)."""
    return unknown_code_summaries(limit=limit)

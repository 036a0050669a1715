"""Big stamp issues' PDF sheets made by a job (storefront/jobs) into the stamp storage, with progress."""

import tempfile
from pathlib import Path

from flask import current_app

from storefront import jobs
from storefront.extensions import db
from storefront.storage import storage
from traceability.models import StampIssue
from traceability.stamps.services import write_issue_sheet

#: Progress is reported every this many labels (a save to Redis each time).
PROGRESS_EVERY = 100


def sheet_name(issue_id: int) -> str:
    return f"issue-{issue_id}.pdf"


def sheet_job_id(issue_id: int) -> str:
    return f"stamp-sheet-{issue_id}"


def needs_job(issue: StampIssue) -> bool:
    """Is this issue big enough that its sheet is made by a job rather than drawn on download?"""
    return issue.count >= int(current_app.config.get("STAMP_JOB_THRESHOLD", 500))


def enqueue_sheet(issue: StampIssue):
    """Start making the issue's sheet; call after the commit that created the issue."""
    return jobs.enqueue(
        "traceability.stamps.jobs:render_sheet", issue.id, queue="stamps", job_id=sheet_job_id(issue.id)
    )


def render_sheet(issue_id: int) -> int:
    """Draw the issue's PDF sheet into a temporary file (reporting progress), store it; return its size in bytes.

    The labels are read and the pages written as they go (write_issue_sheet), so a season's issue
    of 100,000 stamps needs about the memory of 1,800 labels, not of the whole PDF.
    """
    issue = db.session.get(StampIssue, issue_id)
    if issue is None:
        raise LookupError(f"no stamp issue {issue_id}")
    total = issue.count
    every = max(PROGRESS_EVERY, total // 200)  # a season's issue: 200 saves, not 1,000

    def ticking(labels):
        for done, label in enumerate(labels, start=1):
            yield label
            if done % every == 0 or done == total:
                jobs.report_progress(done, total)

    with tempfile.TemporaryDirectory(prefix="stamp-sheet-") as folder:
        path = Path(folder) / sheet_name(issue_id)
        with path.open("wb") as out:
            write_issue_sheet(issue, out, wrap=ticking)
        storage("stamps").put_file(sheet_name(issue_id), path)
        return path.stat().st_size

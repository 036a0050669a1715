"""Traceability CLI commands (`flask traceability stamps`, `print-sheet`, `roll-up-scans`, `drain-scans`)."""

import csv
import io
import sys

import click

from storefront.extensions import db
from storefront.storage import storage
from traceability.blueprint import bp
from traceability.errors import TraceabilityError
from traceability.models import Batch, StampIssue
from traceability.stamps.services import MAX_STAMPS_PER_ISSUE, export_issue_zip, issue_stamps, render_issue_sheet


def _where(store, name: str) -> str:
    """Where a written file is, for the operator: a local path, or the area and name in the bucket."""
    folder = getattr(store, "folder", None)
    return str(folder / name) if folder is not None else f"{store.area}/{name} (object storage)"


def _label_size(ctx, param, value: str) -> tuple[float, float]:
    try:
        width, height = (float(part) for part in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter("use WIDTHxHEIGHT in millimetres, e.g. 30x40") from None
    return width, height


def _render(issue: StampIssue, label_size: tuple[float, float]) -> bytes:
    width, height = label_size
    with click.progressbar(length=issue.count, label="Rendering stamps", file=sys.stderr) as bar:

        def ticking(labels):
            for label in labels:
                yield label
                bar.update(1)

        return render_issue_sheet(issue, label_w_mm=width, label_h_mm=height, wrap=ticking)


@bp.cli.command("stamps")
@click.argument("batch_id", type=int)
@click.option(
    "--count",
    type=click.IntRange(1, MAX_STAMPS_PER_ISSUE),
    default=1,
    show_default=True,
    help="Serialized stamps to issue (or copies of the batch-level stamp).",
)
@click.option("--pin", "with_pin", is_flag=True, help="Give each stamp a scratch-off PIN (CSV written beside the PDF).")
@click.option("--batch-level", is_flag=True, help="One lot-level stamp without a serial, printed COUNT times.")
@click.option("--zip", "with_zip", is_flag=True, help="Also write a zip with one PNG and one SVG per stamp.")
@click.option(
    "--label-size", default="30x40", show_default=True, callback=_label_size, help="Label WIDTHxHEIGHT in mm."
)
def stamps_command(batch_id, count, with_pin, batch_level, with_zip, label_size):
    """Issue stamps for a batch and write their printable PDF into the stamp storage (STAMP_DIR by default)."""
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        raise click.ClickException(f"no batch {batch_id}")
    try:
        issue, pins = issue_stamps(batch, count=count, serialized=not batch_level, with_pin=with_pin, actor=None)
    except TraceabilityError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    # Files first, commit last: a failure here leaves neither stamps nor files half-made.
    store = storage("stamps")
    try:
        pdf = _render(issue, label_size)
    except ValueError as error:  # a label size that does not fit the page
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    files = {f"issue-{issue.id}.pdf": pdf}
    if with_zip:
        files[f"issue-{issue.id}.zip"] = export_issue_zip(issue)
    if pins:
        # Plain PINs exist only now, for the scratch-off printer; delete the file after printing.
        # (The stamp storage is private: a local file is readable by its owner only.)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["serial", "pin"])
        writer.writerows(sorted(pins.items()))
        files[f"issue-{issue.id}-pins.csv"] = buffer.getvalue().encode("utf-8")
    for name, data in files.items():
        store.put(name, data)
    db.session.commit()
    kind = "batch-level" if batch_level else "serialized"
    click.echo(f"Issued {count} {kind} stamps for batch {batch.id} (lot {batch.lot_code}) as issue {issue.id}.")
    for name in files:
        click.echo(f"Wrote {_where(store, name)}")


@bp.cli.command("print-sheet")
@click.argument("issue_id", type=int)
@click.option(
    "--label-size", default="30x40", show_default=True, callback=_label_size, help="Label WIDTHxHEIGHT in mm."
)
def print_sheet_command(issue_id, label_size):
    """Write the printable PDF of an existing stamp issue again (no new stamps)."""
    issue = db.session.get(StampIssue, issue_id)
    if issue is None:
        raise click.ClickException(f"no stamp issue {issue_id}")
    store = storage("stamps")
    name = f"issue-{issue.id}.pdf"
    store.put(name, _render(issue, label_size))
    click.echo(f"Wrote {_where(store, name)}")


@bp.cli.command("roll-up-scans")
@click.option("--days", type=int, help="Raw scans older than this many days (default SCAN_RAW_RETENTION_DAYS).")
def roll_up_scans_command(days):
    """Fold raw stamp scans past the retention into daily counts (the daily scan-rollup job; for cron without a queue)."""
    from traceability.scans.rollup import roll_up_scans

    click.echo(f"{roll_up_scans(days=days):,} raw scans rolled up into daily counts")


@bp.cli.command("drain-scans")
def drain_scans_command():
    """Write the scans waiting in the Redis stream now (the scan-drain job's work; before leaving SCAN_WRITE_MODE=queue)."""
    from flask import current_app

    from traceability.scans.stream import drain_scans

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: there is no scan stream to drain")
    total = 0
    while written := drain_scans():
        total += written
    click.echo(f"{total:,} scans written from the Redis stream")

"""Issuing stamps (serials, optional scratch-off PINs) and what is printed from an issue: labels, PDF sheets, QR zips."""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import quote

from flask_babel import lazy_gettext as _
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from storefront.catalog.services import valid_certificate
from storefront.clock import VIETNAM_TZ
from storefront.columns import utcnow
from storefront.extensions import db
from traceability.batches.services import check_in_programme
from traceability.errors import (
    BatchRecalled,
    InvalidStampRequest,
)
from traceability.identifiers import codes, digital_link
from traceability.models import Batch, Stamp, StampIssue
from traceability.stamps.pins import PIN_HASH_METHOD, new_pin
from traceability.stamps.urls import base_url, digital_link_url

if TYPE_CHECKING:  # the PDF (reportlab) and QR modules load when stamps are printed, not in every worker
    from traceability.stamps import sheets


#: Upper bound of one issue: a co-operative's season of labels; its PDF (~65 MB) is written as it is drawn.
MAX_STAMPS_PER_ISSUE = 100_000
#: PINs are hashed while issuing and shown once on the page that answers: a smaller run.
MAX_PIN_STAMPS_PER_ISSUE = 5_000
# Rows per executemany when inserting stamps: bounded memory, few round trips.
_STAMP_CHUNK = 2000


def issue_stamps(
    batch: Batch, *, count: int, serialized: bool = True, with_pin: bool = False, actor=None
) -> tuple[StampIssue, dict[str, str]]:
    """Issue count serialized stamps (or one batch-level stamp printed count times) in one transaction.

    Returns the issue and {serial: PIN} for printing; PINs exist in plain text only here.
    Stamps are inserted with executemany in chunks; on any error the caller rolls back and no
    serial survives.

    :raises InvalidStampRequest: for a bad count, a PIN on a batch-level stamp, or a recalled batch.
    :raises NotInProgramme: if the producer is not approved or the product is hidden.
    """
    check_in_programme(batch.product)
    if not 1 <= count <= MAX_STAMPS_PER_ISSUE:
        raise InvalidStampRequest(_("Số tem phải từ 1 đến %(n)s.", n=MAX_STAMPS_PER_ISSUE))
    if with_pin and not serialized:
        raise InvalidStampRequest(_("Mã PIN chỉ dùng cho tem có số sê-ri riêng."))
    if batch.recalled_at is not None:
        raise BatchRecalled(_("Lô hàng đã bị thu hồi, không thể in thêm tem."))
    issue = StampIssue(
        batch=batch,
        count=count,
        is_serialized=serialized,
        with_pin=with_pin,
        issued_by_id=actor.id if actor is not None else None,
    )
    db.session.add(issue)
    db.session.flush()
    pins: dict[str, str] = {}
    if not serialized:
        if lot_stamp(batch) is None:
            db.session.add(Stamp(batch_id=batch.id, issue_id=issue.id, serial=None))
            db.session.flush()
        return issue, pins

    taken = set(db.session.scalars(select(Stamp.serial).where(Stamp.batch_id == batch.id, Stamp.serial.is_not(None))))
    remaining = count
    while remaining:
        rows = []
        for _i in range(min(remaining, _STAMP_CHUNK)):
            serial = codes.new_serial()
            while serial in taken:  # 50 random bits: practically never, but unique per batch is a rule
                serial = codes.new_serial()
            taken.add(serial)
            pin_hash = None
            if with_pin:
                pins[serial] = new_pin()
                pin_hash = generate_password_hash(pins[serial], method=PIN_HASH_METHOD)
            rows.append(
                {"batch_id": batch.id, "issue_id": issue.id, "serial": serial, "pin_hash": pin_hash, "scan_count": 0}
            )
        # Core insert with a list: one executemany, no ORM unit-of-work per row.
        db.session.execute(insert(Stamp), rows)
        remaining -= len(rows)
    return issue, pins


def issue_stamps_list(issue: StampIssue) -> list[Stamp]:
    return list(db.session.scalars(select(Stamp).where(Stamp.issue_id == issue.id).order_by(Stamp.id)))


def _issue_day(issue: StampIssue) -> date:
    return (issue.issued_at or utcnow()).astimezone(VIETNAM_TZ).date()


#: Serials read per round trip when an issue's labels are streamed (a server-side cursor on PostgreSQL).
_LABEL_CHUNK = 2000


def issue_labels(issue: StampIssue) -> list[sheets.Label]:
    """Return one printable label per stamp of an issue (count copies for a batch-level issue)."""
    return list(iter_issue_labels(issue))


def iter_issue_labels(issue: StampIssue) -> Iterator[sheets.Label]:
    """Yield the issue's labels in printing order, reading serials in chunks (a season's issue is 100,000)."""
    from traceability.stamps import sheets

    batch, product = issue.batch, issue.batch.product
    # The OCOP mark may be printed only while the certificate is valid (36 months, not revoked).
    certificate = valid_certificate(product, _issue_day(issue))
    stars = certificate.stars if certificate is not None else None

    def label(url: str, serial: str | None) -> sheets.Label:
        return sheets.Label(
            url=url,
            product_name=product.name_vi,
            lot=batch.lot_code,
            expiry=batch.expiry_date,
            serial=serial,
            stars=stars,
        )

    if not issue.is_serialized:
        single = label(digital_link_url(batch), None)
        yield from itertools.repeat(single, issue.count)
        return
    base = base_url()
    if product.gtin:
        lot_link = digital_link.DigitalLink(gtin=product.gtin, lot=batch.lot_code, expiry=batch.expiry_date)
        # One lot-level link, then only the serial segment per stamp: no re-validation per row.
        prefix, query = base + lot_link.path + "/21/", lot_link.query
        suffix = f"?{query}" if query else ""
    else:
        prefix, suffix = base + codes.short_path(batch.short_code) + "/", ""
    serials = db.session.scalars(
        select(Stamp.serial)
        .where(Stamp.issue_id == issue.id)
        .order_by(Stamp.id)
        .execution_options(yield_per=_LABEL_CHUNK)
    )
    for serial in serials:
        yield label(f"{prefix}{serial}{suffix}", serial)


def render_issue_sheet(
    issue: StampIssue,
    *,
    label_w_mm: float = 30,
    label_h_mm: float = 40,
    wrap: Callable[[Iterable[sheets.Label]], Iterable[sheets.Label]] | None = None,
) -> bytes:
    """Return the issue's printable A4 PDF sheets; wrap may wrap the labels (a CLI progress bar)."""
    out = io.BytesIO()
    write_issue_sheet(issue, out, label_w_mm=label_w_mm, label_h_mm=label_h_mm, wrap=wrap)
    return out.getvalue()


def write_issue_sheet(
    issue: StampIssue,
    out: BinaryIO,
    *,
    label_w_mm: float = 30,
    label_h_mm: float = 40,
    wrap: Callable[[Iterable[sheets.Label]], Iterable[sheets.Label]] | None = None,
) -> None:
    """Write the issue's PDF sheets to a binary file as they are drawn (labels streamed from the database)."""
    from traceability.stamps import sheets

    labels = iter_issue_labels(issue)
    sheets.write_sheet(wrap(labels) if wrap else labels, out, label_w_mm=label_w_mm, label_h_mm=label_h_mm)


def export_issue_zip(issue: StampIssue) -> bytes:
    """Return a zip of one PNG and one SVG per stamp, named by serial (or by lot, batch-level)."""
    from traceability.stamps import qr

    out = io.BytesIO()
    labels = issue_labels(issue)
    if not issue.is_serialized:
        labels = labels[:1]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in labels:
            name = item.serial or "lot-" + quote(item.lot, safe="")
            archive.writestr(f"{name}.png", qr.qr_png(item.url))
            archive.writestr(f"{name}.svg", qr.qr_svg(item.url))
    return out.getvalue()


def lot_stamp(batch: Batch) -> Stamp | None:
    """The batch-level stamp (no serial), if one was issued: the lot-level URL's scans count on it."""
    return db.session.scalar(
        select(Stamp).where(Stamp.batch_id == batch.id, Stamp.serial.is_(None)).order_by(Stamp.id).limit(1)
    )


def parse_serials(text_value: str) -> list[tuple[str, str | None]]:
    """Split a producer's entry into serials and ranges: "A B", "A, B", "A-B" or "A..B" (first to last as printed).

    :raises InvalidStampRequest: for an empty entry or one past 500 items.
    """
    items = []
    for part in (text_value or "").replace(",", " ").replace(";", " ").split():
        first, sep, last = part.partition("..") if ".." in part else part.partition("-")
        items.append((first.strip(), last.strip() if sep else None))
    if not items or len(items) > 500:
        raise InvalidStampRequest(_("Hãy nhập từ 1 đến 500 số sê-ri hoặc khoảng sê-ri."))
    return items


def stamps_by_serials(batch: Batch, text_value: str) -> list[Stamp]:
    """Return the batch's stamps a producer named by serial or by range (in printing order, within one issue).

    :raises InvalidStampRequest: naming a serial the batch does not have, or a range across issues.
    """
    found: dict[int, Stamp] = {}
    for first, last in parse_serials(text_value):
        wanted = [first] if last is None else [first, last]
        stamps = {
            s.serial.upper(): s
            for s in db.session.scalars(
                select(Stamp).where(
                    Stamp.batch_id == batch.id, func.upper(Stamp.serial).in_([w.upper() for w in wanted])
                )
            )
        }
        missing = [w for w in wanted if w.upper() not in stamps]
        if missing:
            raise InvalidStampRequest(_("Lô này không có tem số sê-ri %(s)s.", s=", ".join(missing)))
        if last is None:
            stamp = stamps[first.upper()]
            found[stamp.id] = stamp
            continue
        start, end = stamps[first.upper()], stamps[last.upper()]
        if start.issue_id != end.issue_id:
            raise InvalidStampRequest(_("Một khoảng sê-ri phải nằm trong cùng một đợt phát hành tem."))
        low, high = sorted((start.id, end.id))
        for stamp in db.session.scalars(
            select(Stamp).where(Stamp.issue_id == start.issue_id, Stamp.id.between(low, high))
        ):
            found[stamp.id] = stamp
    return [found[key] for key in sorted(found)]

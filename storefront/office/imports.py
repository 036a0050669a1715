"""CSV import of a council decision's product list: every row is checked before anything is written."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select

from storefront.accounts.models import User
from storefront.catalog.models import Certificate, CriteriaSet, IssuingLevel, Product
from storefront.extensions import db
from storefront.office.register import certificate_errors, record_certificate
from storefront.text import clean_text

#: product = slug or GTIN-14; score and valid_until may be empty.
COLUMNS = ("product", "stars", "score", "valid_until")
#: Longest cell read: a slug, a GTIN, a number or a date is far shorter.
MAX_FIELD_CHARS = 1_000


@dataclass
class RowReport:
    line: int
    product_ref: str
    product: Product | None = None
    stars: int | None = None
    score: int | None = None
    valid_until: date | None = None
    errors: list[str] = field(default_factory=list)
    certificate: Certificate | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[RowReport]
    #: Errors about the file itself (header, encoding, emptiness).
    file_errors: list[str] = field(default_factory=list)
    written: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(row.ok for row in self.rows)


def parse_date(text: str) -> date:
    """Read 31/12/2025 or 2025-12-31."""
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _int_or_none(text: str, row: RowReport, message: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        row.errors.append(message)
        return None


def _find_product(ref: str) -> Product | None:
    return db.session.scalar(select(Product).where(or_(Product.slug == ref, Product.gtin == ref)))


def _rows(reader):
    """Yield the reader's rows, then None (and stop) if a line cannot be read."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield None
            return


def _too_long() -> str:
    return _("Dòng có một ô quá dài (tối đa %(n)s ký tự).", n=MAX_FIELD_CHARS)


def check_rows(
    data: str,
    *,
    criteria_set: CriteriaSet,
    issuing_level: IssuingLevel,
    decision_number: str,
    decision_date: date,
    today: date,
) -> ImportReport:
    """Parse and check every row against the register's rules; write nothing."""
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error:  # the header line itself has a cell past csv.field_size_limit (128 KB)
        return ImportReport(rows=[], file_errors=[_too_long()])
    missing = [name for name in ("product", "stars") if name not in header]
    if missing:
        return ImportReport(rows=[], file_errors=[_("Thiếu cột: %(cols)s.", cols=", ".join(missing))])
    reader.fieldnames = header
    rows, seen = [], set()
    for line, raw in enumerate(_rows(reader), start=2):
        if raw is None:  # a cell past csv.field_size_limit (128 KB): the rest of the file cannot be trusted
            rows.append(RowReport(line=line, product_ref="", errors=[_too_long()]))
            break
        raw = {key: clean_text(value or "") for key, value in raw.items() if key and isinstance(value or "", str)}
        row = RowReport(line=line, product_ref=raw.get("product", "").strip())
        if any(len(value) > MAX_FIELD_CHARS for value in raw.values()):
            row.product_ref = row.product_ref[:MAX_FIELD_CHARS]
            row.errors.append(_too_long())
            rows.append(row)
            continue
        row.product = _find_product(row.product_ref) if row.product_ref else None
        if row.product is None:
            row.errors.append(_('Không tìm thấy sản phẩm "%(ref)s".', ref=row.product_ref))
        elif row.product.id in seen:
            row.errors.append(_("Sản phẩm xuất hiện hai lần trong tệp."))
        else:
            seen.add(row.product.id)
            if db.session.scalar(
                select(Certificate.id).where(
                    Certificate.product_id == row.product.id, Certificate.decision_number == decision_number
                )
            ):
                row.errors.append(_("Sản phẩm đã có quyết định số %(n)s.", n=decision_number))
        row.stars = _int_or_none(raw.get("stars"), row, _("Số sao phải là số nguyên."))
        row.score = _int_or_none(raw.get("score"), row, _("Điểm phải là số nguyên."))
        if raw.get("valid_until", "").strip():
            try:
                row.valid_until = parse_date(raw["valid_until"])
            except ValueError:
                row.errors.append(_("Ngày hết hiệu lực không đúng dạng ngày/tháng/năm."))
        row.errors.extend(
            certificate_errors(
                stars=row.stars,
                score=row.score,
                criteria_set=criteria_set,
                issuing_level=issuing_level,
                decision_date=decision_date,
                valid_until=row.valid_until,
                today=today,
            ).values()
        )
        rows.append(row)
    if not rows:
        return ImportReport(rows=[], file_errors=[_("Tệp không có dòng sản phẩm nào.")])
    return ImportReport(rows=rows)


def import_council_decision(
    data: str,
    *,
    criteria_set: CriteriaSet,
    issuing_level: IssuingLevel,
    issuing_body: str,
    decision_number: str,
    decision_date: date,
    actor: User,
    today: date,
) -> ImportReport:
    """Record one certificate per row of a council decision, all of them or none."""
    report = check_rows(
        data,
        criteria_set=criteria_set,
        issuing_level=issuing_level,
        decision_number=decision_number,
        decision_date=decision_date,
        today=today,
    )
    if not report.ok:
        return report
    for row in report.rows:
        row.certificate = record_certificate(
            row.product,
            stars=row.stars,
            score=row.score,
            criteria_set=criteria_set,
            issuing_level=issuing_level,
            issuing_body=issuing_body,
            decision_number=decision_number,
            decision_date=decision_date,
            valid_until=row.valid_until,
            actor=actor,
            today=today,
        )
    report.written = len(report.rows)
    return report

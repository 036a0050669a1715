"""Bulk product import from CSV: a report per row, all-or-nothing unless valid rows are asked for."""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _

from storefront.catalog.editing import PRODUCT_FIELDS, InvalidProduct, clean_product_fields, create_product, gtin_taken
from storefront.catalog.gtins import gtin_refusal
from storefront.catalog.models import Producer, Product
from storefront.text import clean_text

MAX_ROWS = 1000
MAX_BYTES = 2_000_000
#: Longest cell read; the longest product field (a description) is far shorter.
MAX_FIELD_CHARS = 20_000
REQUIRED_COLUMNS = ("name_vi", "ocop_group", "price_vnd")
#: Template column order, friendlier than the model's; the same names as PRODUCT_FIELDS.
TEMPLATE_COLUMNS = [
    "name_vi",
    "name_en",
    "ocop_group",
    "ocop_subgroup",
    "price_vnd",
    "unit",
    "net_quantity",
    "gtin",
    "description_vi",
    "description_en",
    "ingredients",
    "usage",
    "storage",
]
EXAMPLE_ROW = {
    "name_vi": "Chè búp Tân Cương",
    "name_en": "Tan Cuong bud tea",
    "ocop_group": "1",
    "ocop_subgroup": "I.5.a",
    "price_vnd": "120.000",
    "unit": "hộp",
    "net_quantity": "200 g",
    "gtin": "",
    "description_vi": "Chè búp sao tay",
    "description_en": "",
    "ingredients": "100% búp chè",
    "usage": "Pha với nước 85–90 °C",
    "storage": "Nơi khô ráo, thoáng mát",
}


@dataclass
class RowError:
    #: Line in the file (the header is line 1).
    line: int
    field: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: list[Product] = field(default_factory=list)

    @property
    def bad_lines(self) -> set[int]:
        return {e.line for e in self.errors}


def template_csv() -> bytes:
    """Return the import template: UTF-8 with a BOM so Excel reads Vietnamese, one example row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TEMPLATE_COLUMNS)
    writer.writeheader()
    writer.writerow(EXAMPLE_ROW)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _read_rows(stream, report: ImportReport) -> list[tuple[int, dict]]:
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        report.errors.append(RowError(0, "", _("Tệp quá lớn (tối đa 2 MB).")))
        return []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(RowError(0, "", _("Tệp không phải UTF-8. Trong Excel hãy lưu dạng “CSV UTF-8”.")))
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        headers = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error:  # the header line itself has a cell past csv.field_size_limit (128 KB)
        report.errors.append(RowError(1, "", _("Dòng có một ô quá dài (tối đa %(n)s ký tự).", n=MAX_FIELD_CHARS)))
        return []
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    unknown = [h for h in headers if h and h not in PRODUCT_FIELDS]
    if missing or unknown:
        if missing:
            report.errors.append(RowError(1, ", ".join(missing), _("Thiếu cột bắt buộc.")))
        if unknown:
            report.errors.append(RowError(1, ", ".join(unknown), _("Cột không được hỗ trợ.")))
        return []
    reader.fieldnames = headers
    rows = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:  # a field past csv.field_size_limit (128 KB): the rest of the file cannot be trusted
            report.errors.append(
                RowError(reader.line_num, "", _("Dòng có một ô quá dài (tối đa %(n)s ký tự).", n=MAX_FIELD_CHARS))
            )
            break
        long_fields = [name for name, value in row.items() if name and len(value or "") > MAX_FIELD_CHARS]
        if long_fields:
            report.errors.append(
                RowError(
                    reader.line_num,
                    ", ".join(long_fields),
                    _("Dòng có một ô quá dài (tối đa %(n)s ký tự).", n=MAX_FIELD_CHARS),
                )
            )
            continue
        if None not in row:
            row = {name: clean_text(value) if isinstance(value, str) else value for name, value in row.items()}
        if len(rows) >= MAX_ROWS:
            report.errors.append(RowError(reader.line_num, "", _("Tối đa %(n)s dòng mỗi lần nhập.", n=MAX_ROWS)))
            break
        if None in row:
            report.errors.append(RowError(reader.line_num, "", _("Dòng có nhiều cột hơn tiêu đề.")))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue  # blank lines that spreadsheets leave at the end
        rows.append((reader.line_num, row))
    return rows


def import_products(producer: Producer, stream, *, valid_rows_only: bool = False) -> ImportReport:
    """Validate every row with the product form's rules; create products only if allowed.

    Nothing is created when any row (or the file) is wrong, unless ``valid_rows_only``.
    The caller commits when ``report.imported`` is not empty.
    """
    report = ImportReport()
    rows = _read_rows(stream, report)
    report.rows = len(rows)
    if report.errors and not rows:
        return report
    valid: list[dict] = []
    seen_gtins: dict[str, int] = {}
    for line, row in rows:
        try:
            values = clean_product_fields(row)
        except InvalidProduct as error:
            report.errors.extend(RowError(line, name, message) for name, message in error.errors.items())
            continue
        gtin = values["gtin"]
        refusal = gtin_refusal(producer.gs1_prefix, gtin)
        if refusal:
            report.errors.append(RowError(line, "gtin", refusal))
            continue
        if gtin and (gtin in seen_gtins or gtin_taken(gtin)):
            where = _("dòng %(n)s", n=seen_gtins[gtin]) if gtin in seen_gtins else _("sản phẩm khác")
            report.errors.append(RowError(line, "gtin", _("Mã GTIN trùng với %(where)s.", where=where)))
            continue
        if gtin:
            seen_gtins[gtin] = line
        valid.append(row)
    if report.errors and not valid_rows_only:
        return report
    report.imported = [create_product(producer, **row) for row in valid]
    return report

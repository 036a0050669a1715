"""A producer's numbers: sales by product and month, scans by batch and day, warnings, low stock."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.catalog.models import Producer, Product
from storefront.checkout.models import Order, OrderLine, OrderStatus
from storefront.clock import VIETNAM_TZ, today_vn, vietnam_midnight
from storefront.columns import utcnow
from storefront.experiences.hosting import host_months
from storefront.extensions import db
from storefront.producer.services import low_stock
from storefront.text import spreadsheet_cell

# Scan counts live in traceability; the producer dashboard is its UI (see views.py).
from traceability.models import Batch, Scan, ScanDailyCount, Stamp
from traceability.scans.copy_warnings import warning_stamps_clause
from traceability.scans.unknown import unknown_code_summaries

TABLES = ("sales", "visits", "scans", "warnings", "unknown_codes", "low_stock")

#: Orders that count as sales: placed and not cancelled, expired or refunded.
SOLD_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.CONFIRMED,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


@dataclass
class Table:
    title: str
    #: (key, heading) pairs, in column order.
    columns: list[tuple[str, str]]
    rows: list[dict]
    #: (label, value) pairs for the bar chart, or empty for no chart.
    chart: list[tuple[str, int]] = field(default_factory=list)
    chart_unit: str = ""


def sales_by_product_month(producer: Producer, *, months: int = 12) -> Table:
    """Sum units and đồng per product and Vietnam calendar month (grouped here: portable SQL)."""
    since = utcnow() - timedelta(days=31 * months)
    rows = db.session.execute(
        select(Order.created_at, OrderLine.product_name, OrderLine.quantity, OrderLine.line_total_vnd)
        .join(OrderLine.order)
        .where(OrderLine.producer_id == producer.id, Order.status.in_(SOLD_STATUSES), Order.created_at >= since)
    ).all()
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_month: dict[str, int] = defaultdict(int)
    for created_at, name, quantity, total in rows:
        month = created_at.astimezone(VIETNAM_TZ).strftime("%Y-%m")
        totals[(month, name)][0] += quantity
        totals[(month, name)][1] += total
        by_month[month] += total
    return Table(
        title=str(_l("Doanh số theo sản phẩm và tháng")),
        columns=[
            ("month", str(_l("Tháng"))),
            ("product", str(_l("Sản phẩm"))),
            ("units", str(_l("Số lượng"))),
            ("revenue_vnd", str(_l("Doanh thu (đồng)"))),
        ],
        rows=[
            {"month": m, "product": n, "units": u, "revenue_vnd": r}
            for (m, n), (u, r) in sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][1]), reverse=True)
        ],
        chart=sorted(by_month.items()),
        chart_unit="\u00a0₫",
    )


def scans_by_batch_day(producer: Producer, *, days: int = 30) -> Table:
    """Count stamp scans per batch and Vietnam calendar day over the last days (today and `days` before it),
    raw scans and those rolled up into daily counts alike."""
    since = today_vn() - timedelta(days=days)
    raw = db.session.execute(
        select(Scan.scanned_at, Batch.lot_code, Product.name_vi)
        .join(Batch, Batch.id == Scan.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(Product.producer_id == producer.id, Scan.scanned_at >= vietnam_midnight(since))
    ).all()
    rolled = db.session.execute(
        select(ScanDailyCount.day, Batch.lot_code, Product.name_vi, ScanDailyCount.count)
        .join(Batch, Batch.id == ScanDailyCount.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(Product.producer_id == producer.id, ScanDailyCount.day >= since)
    ).all()
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    by_day: dict[str, int] = defaultdict(int)
    days_and_counts = [(at.astimezone(VIETNAM_TZ).date(), lot, name, 1) for at, lot, name in raw] + rolled
    for scanned_on, lot_code, name, count in days_and_counts:
        day = scanned_on.strftime("%Y-%m-%d")
        counts[(day, lot_code, name)] += count
        by_day[day] += count
    return Table(
        title=str(_l("Lượt quét tem theo lô và ngày")),
        columns=[
            ("day", str(_l("Ngày"))),
            ("lot_code", str(_l("Lô"))),
            ("product", str(_l("Sản phẩm"))),
            ("scans", str(_l("Lượt quét"))),
        ],
        rows=[
            {"day": d, "lot_code": lot, "product": n, "scans": c}
            for (d, lot, n), c in sorted(counts.items(), reverse=True)
        ],
        chart=sorted(by_day.items()),
    )


def scan_warnings(producer: Producer, *, threshold: int) -> Table:
    """List stamps scanned suspiciously often (a copied code shows up as many scans)."""
    rows = db.session.execute(
        select(Stamp.serial, Stamp.scan_count, Stamp.first_scanned_at, Batch.lot_code, Product.name_vi)
        .join(Batch, Batch.id == Stamp.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(Product.producer_id == producer.id, warning_stamps_clause(threshold))
        .order_by((Stamp.device_count - Stamp.devices_at_clear).desc(), Stamp.id)
        .limit(200)
    ).all()
    return Table(
        title=str(_l("Cảnh báo: tem bị quét nhiều lần")),
        columns=[
            ("lot_code", str(_l("Lô"))),
            ("product", str(_l("Sản phẩm"))),
            ("serial", str(_l("Sê-ri"))),
            ("scans", str(_l("Lượt quét"))),
            ("first_scanned", str(_l("Quét lần đầu"))),
        ],
        rows=[
            {
                "lot_code": lot,
                "product": name,
                "serial": serial or "",
                "scans": count,
                "first_scanned": first.astimezone(VIETNAM_TZ).strftime("%Y-%m-%d %H:%M") if first else "",
            }
            for serial, count, first, lot, name in rows
        ],
    )


def unknown_codes_table(producer: Producer) -> Table:
    """Codes scanned under the producer's GTINs that it never registered (the resolver's walk-up)."""

    def when(moment):
        return moment.astimezone(VIETNAM_TZ).strftime("%Y-%m-%d %H:%M")

    return Table(
        title=str(_l("Cảnh báo: mã lô hoặc sê-ri không do cơ sở đăng ký")),
        columns=[
            ("code", str(_l("Mã đã quét"))),
            ("product", str(_l("Sản phẩm"))),
            ("scans", str(_l("Lượt quét"))),
            ("first_scanned", str(_l("Quét lần đầu"))),
            ("last_scanned", str(_l("Quét lần cuối"))),
        ],
        rows=[
            {
                "code": row.scanned_code,
                "product": row.product_name,
                "scans": row.count,
                "first_scanned": when(row.first_at),
                "last_scanned": when(row.last_at),
            }
            for row in unknown_code_summaries(producer_id=producer.id, limit=200)
        ],
    )


def low_stock_table(producer: Producer, *, threshold: int) -> Table:
    return Table(
        title=str(_l("Sắp hết hàng")),
        columns=[("product", str(_l("Sản phẩm"))), ("available", str(_l("Còn có thể bán")))],
        rows=[
            {"product": p.name_vi, "available": available} for p, available in low_stock(producer, threshold=threshold)
        ],
    )


def visits_by_month(producer: Producer) -> Table:
    """Experience bookings (tourism, group 6) by the month of the session."""
    rows = host_months(producer)
    return Table(
        title=_l("Khách tham quan theo tháng"),
        columns=[
            ("month", _l("Tháng")),
            ("bookings", _l("Đặt chỗ")),
            ("guests", _l("Khách")),
            ("checked_in", _l("Đã đến")),
            ("no_show", _l("Không đến")),
            ("total_vnd", _l("Tiền đặt chỗ")),
        ],
        rows=rows,
        chart=[(row["month"], row["guests"]) for row in rows],
    )


def all_tables(producer: Producer, *, low_stock_threshold: int, scan_threshold: int) -> dict[str, Table]:
    return {
        "sales": sales_by_product_month(producer),
        "visits": visits_by_month(producer),
        "scans": scans_by_batch_day(producer),
        "warnings": scan_warnings(producer, threshold=scan_threshold),
        "unknown_codes": unknown_codes_table(producer),
        "low_stock": low_stock_table(producer, threshold=low_stock_threshold),
    }


def to_csv(table: Table) -> bytes:
    """Return the table as UTF-8 CSV with a BOM, so Excel opens Vietnamese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading for _key, heading in table.columns])
    for row in table.rows:
        writer.writerow([spreadsheet_cell(row[key]) for key, _heading in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

"""Programme figures for the office dashboard: certified products, targets, sales, scans, warnings."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from storefront.addresses import ward_name
from storefront.catalog.groups import group_name
from storefront.catalog.models import Certificate, Product
from storefront.checkout.models import Order, OrderStatus
from storefront.clock import vietnam_midnight
from storefront.extensions import db
from traceability.models import Batch, CounterfeitReport, ReportStatus, Scan, ScanDailyCount, Stamp
from traceability.scans.copy_warnings import warning_stamps_clause

#: Thái Nguyên scheme (Decision 3485/QĐ-UBND, 2019): ≥50 certified by 2020, ≥70 more in 2021–2025, ≥5 five-star.
TARGETS = {"by_2020": 50, "in_2021_2025": 70, "five_star": 5}
#: Orders that count as sales: money taken or cash on delivery confirmed.
SOLD_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.CONFIRMED,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


def certified_products(today: date) -> list[tuple[Product, Certificate]]:
    """Return each product with its best certificate valid today (3–5★, not revoked, in validity)."""
    certificates = db.session.scalars(
        select(Certificate)
        .options(joinedload(Certificate.product).joinedload(Product.producer))
        .where(
            Certificate.is_revoked.is_(False),
            Certificate.stars >= 3,
            Certificate.decision_date <= today,
            Certificate.valid_until >= today,
        )
    ).all()
    best = {}
    for certificate in certificates:
        current = best.get(certificate.product_id)
        if current is None or (certificate.stars, certificate.decision_date) > (current.stars, current.decision_date):
            best[certificate.product_id] = certificate
    return sorted(((c.product, c) for c in best.values()), key=lambda pair: (-pair[1].stars, pair[0].name_vi))


def ward_label(producer) -> str:
    """Name the post-2025 ward, with the legacy district for records from before the merger."""
    name = ward_name(producer.ward_code) or _("Chưa rõ xã/phường")
    if not producer.legacy_district:
        return name
    return _("%(ward)s (trước 2025: %(district)s)", ward=name, district=producer.legacy_district)


def breakdowns(pairs) -> dict[str, list[tuple[str, int]]]:
    """Count certified products by stars, group and ward."""
    by_stars = Counter(cert.stars for _product, cert in pairs)
    by_group = Counter(product.ocop_group for product, _cert in pairs)
    by_ward = Counter(ward_label(product.producer) for product, _cert in pairs)
    return {
        "stars": [(f"{n}★", by_stars.get(n, 0)) for n in (3, 4, 5)],
        "group": [(group_name(code), count) for code, count in sorted(by_group.items())],
        "ward": sorted(by_ward.items(), key=lambda item: (-item[1], item[0])),
    }


@dataclass(frozen=True)
class Target:
    label: str
    value: int
    goal: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.value / self.goal)) if self.goal else 100

    @property
    def is_met(self) -> bool:
        return self.value >= self.goal


def target_progress() -> list[Target]:
    """Measure the scheme's targets from every certificate that was not revoked."""
    rows = db.session.execute(
        select(Certificate.product_id, func.min(Certificate.decision_date), func.max(Certificate.stars))
        .where(Certificate.is_revoked.is_(False), Certificate.stars >= 3)
        .group_by(Certificate.product_id)
    ).all()
    first_dates = [first for _id, first, _stars in rows]
    return [
        Target(
            _("Sản phẩm được chứng nhận đến hết 2020"),
            sum(1 for d in first_dates if d <= date(2020, 12, 31)),
            TARGETS["by_2020"],
        ),
        Target(
            _("Sản phẩm mới được chứng nhận 2021–2025"),
            sum(1 for d in first_dates if date(2021, 1, 1) <= d <= date(2025, 12, 31)),
            TARGETS["in_2021_2025"],
        ),
        Target(_("Sản phẩm 5 sao"), sum(1 for *_x, stars in rows if stars == 5), TARGETS["five_star"]),
    ]


def last_months(today: date, count: int = 12) -> list[date]:
    """Return the first days of the last `count` months, oldest first, ending with this month."""
    months = []
    year, month = today.year, today.month
    for _i in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def monthly_sums(column, value, months: list[date], *where, dates: bool = False) -> list[tuple[str, int]]:
    """Sum `value` per Vietnam-time month of `column` (a UTC moment, or a Vietnam date with dates=True) in one
    portable query."""
    edges = months + [_next_month(months[-1])]
    if not dates:
        edges = [vietnam_midnight(m) for m in edges]
    sums = [
        func.coalesce(func.sum(case((and_(column >= start, column < end), value), else_=0)), 0)
        for start, end in zip(edges, edges[1:])
    ]
    row = db.session.execute(select(*sums).where(column >= edges[0], column < edges[-1], *where)).one()
    return [(m.strftime("%m/%Y"), int(total)) for m, total in zip(months, row)]


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def sales_per_month(months: list[date]) -> list[tuple[str, int]]:
    return monthly_sums(Order.created_at, Order.total_vnd, months, Order.status.in_(SOLD_STATUSES))


def scans_per_month(months: list[date]) -> list[tuple[str, int]]:
    """Stamp scans per month: raw rows plus those rolled up into daily counts (traceability/scans/rollup.py)."""
    raw = monthly_sums(Scan.scanned_at, 1, months)
    rolled = monthly_sums(ScanDailyCount.day, ScanDailyCount.count, months, dates=True)
    return [(month, count + more) for (month, count), (_month, more) in zip(raw, rolled)]


def stamp_warnings(threshold: int, limit: int = 20):
    """Return stamps scanned from more distinct devices than `threshold` since any clearing (likely copied)."""
    return db.session.execute(
        select(Stamp, Batch, Product)
        .join(Batch, Stamp.batch_id == Batch.id)
        .join(Product, Batch.product_id == Product.id)
        .where(warning_stamps_clause(threshold))
        .order_by((Stamp.device_count - Stamp.devices_at_clear).desc(), Stamp.id)
        .limit(limit)
    ).all()


def open_reports_count() -> int:
    return db.session.scalar(
        select(func.count(CounterfeitReport.id)).where(CounterfeitReport.status == ReportStatus.OPEN)
    )

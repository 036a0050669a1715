"""The office dashboard: programme figures and what needs attention."""

from datetime import timedelta

from flask import current_app, render_template

from storefront.clock import today_vn
from storefront.experiences.hosting import guests_per_month_per_ward
from storefront.office import (
    bp,
    dashboard,
    exports,
)
from storefront.office.forms import (
    ReasonForm,
)


@bp.route("/")
def index():
    today = today_vn()
    pairs = dashboard.certified_products(today)
    months = dashboard.last_months(today)
    return render_template(
        "office/index.html",
        total=len(pairs),
        breakdowns=dashboard.breakdowns(pairs),
        targets=dashboard.target_progress(),
        sales=dashboard.sales_per_month(months),
        scans=dashboard.scans_per_month(months),
        warnings=dashboard.stamp_warnings(current_app.config.get("SCAN_WARNING_THRESHOLD", 20)),
        clear_form=ReasonForm(),
        open_reports=dashboard.open_reports_count(),
        visits=guests_per_month_per_ward(months[0], today + timedelta(days=60)),
    )


@bp.route("/certified.csv")
def certified_csv():
    rows = [
        (
            p.name_vi,
            p.producer.name,
            p.ocop_group,
            dashboard.ward_label(p.producer),
            c.stars,
            c.decision_number,
            c.decision_date.isoformat(),
            c.valid_until.isoformat(),
        )
        for p, c in dashboard.certified_products(today_vn())
    ]
    header = ["product", "producer", "ocop_group", "ward", "stars", "decision_number", "decision_date", "valid_until"]
    return exports.csv_response("ocop-certified.csv", header, rows)


@bp.route("/figures.csv")
def figures_csv():
    months = dashboard.last_months(today_vn())
    sales, scans = dashboard.sales_per_month(months), dashboard.scans_per_month(months)
    rows = [(month, sold, scanned) for (month, sold), (_m, scanned) in zip(sales, scans)]
    return exports.csv_response("ocop-figures-by-month.csv", ["month", "sales_vnd", "scans"], rows)

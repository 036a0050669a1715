"""Analytics pages and their CSV downloads."""

from flask import abort, current_app, render_template

from storefront.accounts.decorators import producer_required
from storefront.producer import analytics, bp
from storefront.producer.views.common import (
    current_producer,
    low_stock_threshold,
)


@bp.route("/analytics")
@producer_required
def analytics_index():
    producer = current_producer()
    return render_template(
        "producer/analytics.html",
        tables=analytics.all_tables(
            producer,
            low_stock_threshold=low_stock_threshold(),
            scan_threshold=current_app.config.get("SCAN_WARNING_THRESHOLD", 20),
        ),
    )


@bp.route("/analytics/<name>.csv")
@producer_required
def analytics_csv(name):
    if name not in analytics.TABLES:
        abort(404)
    producer = current_producer()
    table = analytics.all_tables(
        producer,
        low_stock_threshold=low_stock_threshold(),
        scan_threshold=current_app.config.get("SCAN_WARNING_THRESHOLD", 20),
    )[name]
    return current_app.response_class(
        analytics.to_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}.csv"},
    )

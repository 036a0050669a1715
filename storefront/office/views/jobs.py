"""Background jobs that failed after their retries (storefront/jobs): listed for the office, put back on request."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from storefront import jobs
from storefront.office import bp

#: Job targets the office reads as plain words.
TARGET_LABELS = {
    "storefront.outbox.jobs:deliver": _l("Gửi thư"),
    "storefront.outbox.jobs:send_pending": _l("Gửi thư"),
    "storefront.catalog.indexing:reindex_ids": _l("Cập nhật chỉ mục tìm kiếm"),
    "storefront.catalog.indexing:reindex_all": _l("Cập nhật chỉ mục tìm kiếm"),
    "storefront.checkout.orders:expire_lapsed_orders": _l("Trả hàng của đơn quá hạn"),
    "traceability.stamps.jobs:render_sheet": _l("Tạo tờ tem PDF"),
    "storefront.catalog.images:make_derivatives": _l("Tạo các cỡ ảnh"),
}


@bp.route("/jobs")
def failed_jobs():
    return render_template(
        "office/jobs.html",
        queued=jobs.connection() is not None,
        failed=jobs.failed_jobs(),
        labels={target: str(label) for target, label in TARGET_LABELS.items()},
    )


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
def failed_job_retry(job_id):
    if len(job_id) > 100 or not jobs.requeue_failed(job_id):
        abort(404)
    flash(_("Đã đưa việc trở lại hàng đợi."), "success")
    return redirect(url_for("office.failed_jobs"))

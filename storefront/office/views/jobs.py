"""Background jobs for the office: the scan queue's backlog (SCAN_WRITE_MODE=queue) and the jobs that failed after their retries."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from storefront import jobs
from storefront.office import bp
from traceability.scans.stream import read_backlog

#: Job targets the office reads as plain words.
TARGET_LABELS = {
    "storefront.outbox.jobs:deliver": _l("Gửi thư"),
    "storefront.outbox.jobs:send_pending": _l("Gửi thư"),
    "storefront.catalog.indexing:reindex_ids": _l("Cập nhật chỉ mục tìm kiếm"),
    "storefront.catalog.indexing:reindex_all": _l("Cập nhật chỉ mục tìm kiếm"),
    "storefront.checkout.orders:expire_lapsed_orders": _l("Trả hàng của đơn quá hạn"),
    "traceability.stamps.jobs:render_sheet": _l("Tạo tờ tem PDF"),
    "storefront.catalog.images:make_derivatives": _l("Tạo các cỡ ảnh"),
    "traceability.scans.stream:drain_scans": _l("Ghi lượt quét từ hàng đợi"),
}


@bp.route("/jobs")
def failed_jobs():
    queue_mode = current_app.config.get("SCAN_WRITE_MODE") == "queue"
    return render_template(
        "office/jobs.html",
        queued=jobs.connection() is not None,
        failed=jobs.failed_jobs(),
        labels={target: str(label) for target, label in TARGET_LABELS.items()},
        scan_queue_mode=queue_mode,
        backlog=read_backlog() if queue_mode else None,
        age=age_words,
    )


def age_words(seconds: float) -> str:
    """Say how long ago, in the largest whole unit: seconds under 2 minutes, minutes under 2 hours, else hours."""
    if seconds < 120:
        return ngettext("%(num)d giây", "%(num)d giây", int(seconds))
    if seconds < 7200:
        return ngettext("%(num)d phút", "%(num)d phút", int(seconds // 60))
    return ngettext("%(num)d giờ", "%(num)d giờ", int(seconds // 3600))


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
def failed_job_retry(job_id):
    if len(job_id) > 100 or not jobs.requeue_failed(job_id):
        abort(404)
    flash(_("Đã đưa việc trở lại hàng đợi."), "success")
    return redirect(url_for("office.failed_jobs"))

"""Batches and stamps: create, trace events, publish, recall, stamp issues, sheets, copy warnings."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront import jobs
from storefront.accounts.decorators import producer_required
from storefront.audit.services import clear_copy_warning, mark_display_stamps
from storefront.clock import VIETNAM_TZ
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.producer import bp
from storefront.producer.forms import (
    ActionForm,
    BatchForm,
    ClearWarningForm,
    DisplayStampsForm,
    RecallForm,
    StampForm,
    TraceEventForm,
)
from storefront.producer.services import (
    own_batches,
    own_products,
)
from storefront.producer.views.common import (
    current_producer,
    get_own_batch_or_404,
    get_own_product_or_404,
    get_own_stamp_issue_or_404,
    get_own_stamp_or_404,
    post_action,
    refusal_message,
)
from storefront.storage import storage
from traceability.batches.services import (
    add_trace_event,
    batch_missing_fields,
    create_batch,
    publish_batch,
    recall_batch,
)
from traceability.scans import copy_warnings
from traceability.stamps import jobs as stamp_jobs
from traceability.stamps.services import export_issue_zip, issue_stamps, render_issue_sheet


@bp.route("/batches")
@producer_required
def batches():
    producer = current_producer()
    return render_template("producer/batches.html", batches=own_batches(producer), products=own_products(producer))


@bp.route("/products/<int:product_id>/batches/new", methods=["GET", "POST"])
@producer_required
def batch_new(product_id):
    product = get_own_product_or_404(product_id)
    if product.is_visit:
        flash(_("Sản phẩm tham quan không có lô hàng hay tồn kho: khách đặt chỗ theo lịch tham quan."), "info")
        return redirect(url_for("producer.experience_edit", tourism_product_id=product.id))
    form = BatchForm()
    if form.validate_on_submit():
        try:
            batch = create_batch(product, **form.batch_fields(), actor=current_user._get_current_object())
        except DomainError as error:
            db.session.rollback()
            form.lot_code.errors.append(refusal_message(error))
        else:
            db.session.commit()
            flash(_("Đã tạo lô hàng; số lượng đã cộng vào tồn kho."), "success")
            return redirect(url_for("producer.batch", batch_id=batch.id))
    return render_template("producer/batch_new.html", form=form, product=product)


@bp.route("/batches/<int:batch_id>")
@producer_required
def batch(batch_id):
    item = get_own_batch_or_404(batch_id)
    return render_template(
        "producer/batch.html",
        batch=item,
        missing=batch_missing_fields(item),
        event_form=TraceEventForm(read_point=item.growing_area_code),
        recall_form=RecallForm(),
        stamp_form=StampForm(),
        action_form=ActionForm(),
        display_form=DisplayStampsForm(),
        clear_form=ClearWarningForm(),
        warning_stamps=copy_warnings.batch_warning_stamps(
            item, threshold=current_app.config.get("SCAN_WARNING_THRESHOLD", 20)
        ),
        display_stamps=copy_warnings.batch_display_stamps(item),
    )


@bp.route("/batches/<int:batch_id>/display-stamps", methods=["POST"])
@producer_required
def batch_display_stamps(batch_id):
    item = get_own_batch_or_404(batch_id)
    return post_action(
        url_for("producer.batch", batch_id=item.id),
        lambda form: mark_display_stamps(
            item,
            form.serials.data,
            is_display=form.action.data == "mark",
            reason=form.reason.data,
            actor=current_user._get_current_object(),
        ),
        _("Đã cập nhật tem trưng bày; lý do được ghi vào nhật ký."),
        form_class=DisplayStampsForm,
        invalid_message=_("Hãy nhập số sê-ri hoặc khoảng sê-ri và lý do."),
    )


@bp.route("/stamps/<int:stamp_id>/clear-warning", methods=["POST"])
@producer_required
def stamp_clear_warning(stamp_id):
    stamp = get_own_stamp_or_404(stamp_id)
    return post_action(
        url_for("producer.batch", batch_id=stamp.batch_id),
        lambda form: clear_copy_warning(stamp, reason=form.reason.data, actor=current_user._get_current_object()),
        _("Đã gỡ cảnh báo sao chép của tem; lý do được ghi vào nhật ký."),
        form_class=ClearWarningForm,
        invalid_message=_("Hãy ghi lý do gỡ cảnh báo."),
    )


@bp.route("/batches/<int:batch_id>/events", methods=["POST"])
@producer_required
def batch_event_add(batch_id):
    item = get_own_batch_or_404(batch_id)
    return post_action(
        url_for("producer.batch", batch_id=item.id),
        lambda form: add_trace_event(
            item,
            biz_step=form.biz_step.data,
            event_time=form.event_time.data.replace(tzinfo=VIETNAM_TZ),
            location_name=form.location_name.data or "",
            read_point=form.read_point.data or "",
            description=form.description.data or "",
        ),
        _("Đã thêm công đoạn."),
        form_class=TraceEventForm,
        invalid_message=_("Chọn công đoạn và thời điểm."),
    )


@bp.route("/batches/<int:batch_id>/publish", methods=["POST"])
@producer_required
def batch_publish(batch_id):
    item = get_own_batch_or_404(batch_id)
    return post_action(
        url_for("producer.batch", batch_id=item.id),
        lambda form: publish_batch(item),
        _("Lô hàng đã công khai trên trang truy xuất."),
    )


@bp.route("/batches/<int:batch_id>/recall", methods=["POST"])
@producer_required
def batch_recall(batch_id):
    item = get_own_batch_or_404(batch_id)
    return post_action(
        url_for("producer.batch", batch_id=item.id),
        lambda form: recall_batch(item, reason=form.reason.data, actor=current_user._get_current_object()),
        _("Đã thu hồi lô hàng; người quét tem sẽ thấy cảnh báo."),
        form_class=RecallForm,
        category="warning",
        invalid_message=_("Cần ghi lý do thu hồi."),
    )


@bp.route("/batches/<int:batch_id>/stamps", methods=["POST"])
@producer_required
def stamp_issue(batch_id):
    item = get_own_batch_or_404(batch_id)
    form = StampForm()
    if not form.validate_on_submit():
        flash(next((error for errors in form.errors.values() for error in errors), _("Số tem không hợp lệ.")), "error")
        return redirect(url_for("producer.batch", batch_id=item.id))
    try:
        issue, pins = issue_stamps(
            item,
            count=form.count.data,
            serialized=form.serialized.data,
            with_pin=form.with_pin.data,
            actor=current_user._get_current_object(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(refusal_message(error), "error")
        return redirect(url_for("producer.batch", batch_id=item.id))
    db.session.commit()
    if stamp_jobs.needs_job(issue):  # after the commit: the worker must see the issue
        stamp_jobs.enqueue_sheet(issue)
    flash(_("Đã phát hành %(n)s tem.", n=issue.count), "success")
    if pins:
        # PINs exist only now (hashes are stored): show them once instead of redirecting.
        return render_template("producer/stamp_pins.html", issue=issue, pins=pins)
    return redirect(url_for("producer.batch", batch_id=item.id))


@bp.route("/stamp-issues/<int:issue_id>/sheet.pdf")
@producer_required
def stamp_sheet(issue_id):
    issue = get_own_stamp_issue_or_404(issue_id)
    if stamp_jobs.needs_job(issue):
        return _stored_sheet(issue)
    return current_app.response_class(
        render_issue_sheet(issue),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=tem-{issue.batch.lot_code}-{issue.id}.pdf"},
    )


def _stored_sheet(issue):
    """A big issue's sheet, made by a job: the file when ready, else a page showing how far it got."""
    store = storage("stamps")
    name = stamp_jobs.sheet_name(issue.id)
    download_name = f"tem-{issue.batch.lot_code}-{issue.id}.pdf"
    if store.exists(name):
        direct = store.url(name, download_name=download_name)
        response = redirect(direct, 302) if direct else store.send(name, max_age=0, download_name=download_name)
        response.cache_control.no_store = True
        return response
    job = jobs.fetch(stamp_jobs.sheet_job_id(issue.id))
    if job is None or job.get_status(refresh=False) in ("canceled", "stopped", "finished"):
        # Lost (expired; no queue and it failed; finished but its file is gone): start again.
        job = stamp_jobs.enqueue_sheet(issue)
        if job is None and store.exists(name):
            return _stored_sheet(issue)
    failed = job is None or job.is_failed
    done, total = (job.meta.get("progress") if job is not None else None) or (0, issue.count)
    response = current_app.make_response(
        render_template("producer/stamp_progress.html", issue=issue, done=done, total=total, failed=failed)
    )
    response.status_code = 202 if not failed else 503
    response.cache_control.no_store = True
    return response


@bp.route("/stamp-issues/<int:issue_id>/codes.zip")
@producer_required
def stamp_zip(issue_id):
    issue = get_own_stamp_issue_or_404(issue_id)
    return current_app.response_class(
        export_issue_zip(issue),
        mimetype="application/zip",
        headers={"Content-Disposition": f"attachment; filename=tem-{issue.batch.lot_code}-{issue.id}.zip"},
    )

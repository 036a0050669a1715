"""Producer registrations: the queue, one producer, approve, reject, suspend, reinstate."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from storefront.addresses import format_address
from storefront.catalog.models import Producer, ProducerStatus
from storefront.extensions import db
from storefront.office import (
    approvals,
    bp,
    moderation,
)
from storefront.office.forms import (
    ConfirmForm,
    Gs1PrefixForm,
    ReasonForm,
)
from storefront.office.views.common import (
    act,
    me,
)


@bp.route("/producers")
def producers():
    status = request.args.get("status", ProducerStatus.PENDING.value)
    if status not in {s.value for s in ProducerStatus}:
        abort(404)
    items = approvals.producers_in_status(ProducerStatus(status))
    return render_template("office/producers.html", producers=items, status=status, statuses=ProducerStatus)


@bp.route("/producers/<int:producer_id>")
def producer(producer_id):
    item = db.get_or_404(Producer, producer_id)
    return render_template(
        "office/producer.html",
        producer=item,
        reason_form=ReasonForm(),
        confirm=ConfirmForm(),
        prefix_form=Gs1PrefixForm(gs1_prefix=item.gs1_prefix),
        outside_prefix=approvals.gtins_outside_prefix(item),
        address=format_address(item.street, item.ward_code, item.province_code),
    )


@bp.post("/producers/<int:producer_id>/gs1-prefix")
def producer_gs1_prefix(producer_id):
    """Record the GS1 company prefix from the producer's licence (its GTINs must lie under it)."""
    item = db.get_or_404(Producer, producer_id)
    back = redirect(url_for("office.producer", producer_id=item.id) + "#gs1-prefix")
    form = Gs1PrefixForm()
    if not form.validate_on_submit():
        flash(_("Mã doanh nghiệp GS1 gồm 6 đến 12 chữ số (ở Việt Nam bắt đầu bằng 893)."), "error")
        return back
    try:
        changed = approvals.record_gs1_prefix(item, form.gs1_prefix.data or "", actor=me())
    except approvals.PrefixRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    if not changed:
        flash(_("Mã doanh nghiệp GS1 không thay đổi."), "info")
        return back
    db.session.commit()
    flash(_("Đã ghi mã doanh nghiệp GS1.") if item.gs1_prefix else _("Đã xoá mã doanh nghiệp GS1."), "success")
    return back


@bp.post("/producers/<int:producer_id>/approve")
def producer_approve(producer_id):
    return act(Producer, producer_id, approvals.approve_producer, needs_reason=False, message=_("Đã duyệt cơ sở."))


@bp.post("/producers/<int:producer_id>/reject")
def producer_reject(producer_id):
    return act(Producer, producer_id, approvals.reject_producer, needs_reason=True, message=_("Đã từ chối hồ sơ."))


@bp.post("/producers/<int:producer_id>/suspend")
def producer_suspend(producer_id):
    return act(
        Producer,
        producer_id,
        approvals.suspend_producer,
        needs_reason=True,
        message=_("Đã tạm ngừng cơ sở; sản phẩm của cơ sở không còn hiển thị."),
    )


@bp.post("/producers/<int:producer_id>/reinstate")
def producer_reinstate(producer_id):
    return act(
        Producer, producer_id, approvals.reinstate_producer, needs_reason=False, message=_("Cơ sở được bán trở lại.")
    )


@bp.post("/producers/<int:producer_id>/story/hide")
def story_hide(producer_id):
    return act(Producer, producer_id, moderation.hide_story, needs_reason=True, message=_("Đã ẩn câu chuyện."))


@bp.post("/producers/<int:producer_id>/story/unhide")
def story_unhide(producer_id):
    return act(
        Producer, producer_id, moderation.unhide_story, needs_reason=False, message=_("Câu chuyện hiển thị trở lại.")
    )

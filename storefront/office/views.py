"""OCOP office pages under /office: dashboard, producers, register, scoresheets, moderation, audit log."""

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from storefront.accounts.decorators import office_required
from storefront.accounts.models import User
from storefront.addresses import format_address
from storefront.audit import services as audit_log
from storefront.audit.services import clear_copy_warning
from storefront.catalog.models import Certificate, CriteriaSet, IssuingLevel, Producer, ProducerStatus, Product
from storefront.checkout.models import Order, Payment
from storefront.checkout.services import PaymentTooLate, payments_needing_attention
from storefront.clock import today_vn
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.office import (
    approvals,
    bp,
    counterfeit,
    dashboard,
    documents,
    exports,
    imports,
    moderation,
    order_actions,
    register,
    scoring,
    users,
)
from storefront.office.forms import (
    CertificateForm,
    CertifyForm,
    ConfirmForm,
    EvaluationForm,
    ImportForm,
    ReasonForm,
    ReportForm,
    choices,
    scoresheet_form,
)
from storefront.office.models import CriteriaSetDefinition, Evaluation
from storefront.office.register import certificate_state
from storefront.request_input import request_page
from traceability.models import Stamp


@bp.before_request
@office_required
def require_office():
    """Every /office route is for office users only (login redirect, else 403)."""


@bp.context_processor
def inject_names():
    return {
        "status_names": PRODUCER_STATUS_NAMES,
        "legal_names": LEGAL_TYPE_NAMES,
        "state_names": STATE_NAMES,
        "level_names": register.LEVEL_NAMES,
    }


PRODUCER_STATUS_NAMES = {
    "pending": _l("Chờ duyệt"),
    "approved": _l("Đã duyệt"),
    "rejected": _l("Bị từ chối"),
    "suspended": _l("Tạm ngừng"),
}
LEGAL_TYPE_NAMES = {
    "htx": _l("Hợp tác xã"),
    "tht": _l("Tổ hợp tác"),
    "enterprise": _l("Doanh nghiệp nhỏ và vừa"),
    "household": _l("Hộ kinh doanh"),
}
STATE_NAMES = {
    "valid": _l("Còn hiệu lực"),
    "expiring": _l("Sắp hết hạn (90 ngày)"),
    "expired": _l("Hết hiệu lực"),
    "revoked": _l("Đã thu hồi"),
    "not_certified": _l("Dưới 3 sao"),
}


def _me():
    """Return the signed-in user itself (not the proxy) to hand to services and relationships."""
    return current_user._get_current_object()


def _act(model, object_id, service, *, needs_reason, message, back=None):
    """Run one office service on an object from a POSTed (reason) form, then go back (PRG)."""
    item = db.get_or_404(model, object_id)
    back = back or (lambda producer: url_for("office.producer", producer_id=producer.id))
    form = ReasonForm() if needs_reason else ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Cần nhập lý do."), "error")
        return redirect(back(item))
    try:
        service(item, actor=_me(), **({"reason": form.reason.data} if needs_reason else {}))
    except DomainError as error:
        db.session.rollback()
        flash(_refusal_message(error), "error")
        return redirect(back(item))
    db.session.commit()
    flash(message, "success")
    return redirect(back(item))


def _refusal_message(error: DomainError) -> str:
    if isinstance(error, PaymentTooLate):
        return _(
            "Đơn đã hết thời gian giữ hàng và sản phẩm đã bán hết: không thể nhận tiền cho đơn này; "
            "hãy hoàn tiền cho khách."
        )
    return _("Không thể thực hiện thao tác này ở trạng thái hiện tại.")


# --- dashboard -------------------------------------------------------------------------


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
        bar_chart=dashboard.bar_chart,
        warnings=dashboard.stamp_warnings(current_app.config.get("SCAN_WARNING_THRESHOLD", 20)),
        clear_form=ReasonForm(),
        open_reports=dashboard.open_reports_count(),
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


# --- producers -------------------------------------------------------------------------


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
        address=format_address(item.street, item.ward_code, item.province_code),
    )


@bp.post("/producers/<int:producer_id>/approve")
def producer_approve(producer_id):
    return _act(Producer, producer_id, approvals.approve_producer, needs_reason=False, message=_("Đã duyệt cơ sở."))


@bp.post("/producers/<int:producer_id>/reject")
def producer_reject(producer_id):
    return _act(Producer, producer_id, approvals.reject_producer, needs_reason=True, message=_("Đã từ chối hồ sơ."))


@bp.post("/producers/<int:producer_id>/suspend")
def producer_suspend(producer_id):
    return _act(
        Producer,
        producer_id,
        approvals.suspend_producer,
        needs_reason=True,
        message=_("Đã tạm ngừng cơ sở; sản phẩm của cơ sở không còn hiển thị."),
    )


@bp.post("/producers/<int:producer_id>/reinstate")
def producer_reinstate(producer_id):
    return _act(
        Producer, producer_id, approvals.reinstate_producer, needs_reason=False, message=_("Cơ sở được bán trở lại.")
    )


@bp.post("/producers/<int:producer_id>/story/hide")
def story_hide(producer_id):
    return _act(Producer, producer_id, moderation.hide_story, needs_reason=True, message=_("Đã ẩn câu chuyện."))


@bp.post("/producers/<int:producer_id>/story/unhide")
def story_unhide(producer_id):
    return _act(
        Producer, producer_id, moderation.unhide_story, needs_reason=False, message=_("Câu chuyện hiển thị trở lại.")
    )


# --- moderation ------------------------------------------------------------------------


@bp.route("/products")
def products():
    pagination = moderation.products_page(request.args.get("q", "")[:100], page=request_page(), per_page=50)
    return render_template(
        "office/products.html", pagination=pagination, reason_form=ReasonForm(), confirm=ConfirmForm()
    )


@bp.post("/products/<int:product_id>/hide")
def product_hide(product_id):
    return _act(
        Product,
        product_id,
        moderation.hide_product,
        needs_reason=True,
        message=_("Đã ẩn sản phẩm."),
        back=lambda item: url_for("office.products"),
    )


@bp.post("/products/<int:product_id>/unhide")
def product_unhide(product_id):
    return _act(
        Product,
        product_id,
        moderation.unhide_product,
        needs_reason=False,
        message=_("Sản phẩm hiển thị trở lại."),
        back=lambda item: url_for("office.products"),
    )


@bp.post("/stamps/<int:stamp_id>/clear-warning")
def stamp_clear_warning(stamp_id):
    return _act(
        Stamp,
        stamp_id,
        clear_copy_warning,
        needs_reason=True,
        message=_("Đã gỡ cảnh báo sao chép của tem; lý do được ghi vào nhật ký."),
        back=lambda item: url_for("office.index"),
    )


@bp.route("/reports")
def reports():
    return render_template("office/reports.html", reports=counterfeit.counterfeit_reports(), form=ReportForm())


@bp.post("/reports/<int:report_id>")
def report_handle(report_id):
    report = counterfeit.find_counterfeit_report(report_id) or abort(404)
    form = ReportForm()
    if not form.validate_on_submit():
        flash(_("Cần chọn kết luận và ghi cách xử lý."), "error")
        return redirect(url_for("office.reports"))
    try:
        counterfeit.handle_counterfeit_report(
            report, status=form.status.data, resolution=form.resolution.data, actor=_me()
        )
    except counterfeit.ReportAlreadyHandled:
        flash(_("Báo cáo này đã được xử lý."), "info")
        return redirect(url_for("office.reports"))
    db.session.commit()
    flash(_("Đã xử lý báo cáo."), "success")
    return redirect(url_for("office.reports"))


# --- orders and payments ---------------------------------------------------------------


def _back_to_order(order):
    return url_for("office.order", order_id=order.id)


@bp.route("/orders")
def orders():
    code = request.args.get("code", "").strip().upper()[:16]
    found = order_actions.orders_with_code(code)
    return render_template(
        "office/orders.html",
        refunds=payments_needing_attention(),
        transfers=order_actions.bank_transfers_awaiting(),
        found=found,
        code=code,
        reason_form=ReasonForm(),
    )


@bp.route("/orders/<int:order_id>")
def order(order_id):
    item = db.get_or_404(Order, order_id)
    return render_template(
        "office/order.html",
        order=item,
        entries=audit_log.entries_about(item),
        reason_form=ReasonForm(),
        confirm=ConfirmForm(),
    )


@bp.post("/orders/<int:order_id>/payment-received")
def order_payment_received(order_id):
    return _act(
        Order,
        order_id,
        order_actions.confirm_payment_received,
        needs_reason=False,
        message=_("Đã xác nhận nhận tiền; đơn hàng chuyển sang đã thanh toán."),
        back=_back_to_order,
    )


@bp.post("/orders/<int:order_id>/cancel")
def order_cancel(order_id):
    return _act(
        Order,
        order_id,
        order_actions.cancel_order,
        needs_reason=True,
        message=_("Đã huỷ đơn hàng; khách hàng được báo lý do."),
        back=_back_to_order,
    )


@bp.post("/payments/<int:payment_id>/refunded")
def payment_refunded(payment_id):
    return _act(
        Payment,
        payment_id,
        order_actions.record_refund,
        needs_reason=True,
        message=_("Đã ghi nhận hoàn tiền."),
        back=lambda payment: url_for("office.orders"),
    )


# --- certificate register --------------------------------------------------------------


@bp.route("/certificates")
def certificates():
    today, status = today_vn(), request.args.get("status", "all")
    if status not in register.REGISTER_FILTERS:
        abort(404)
    pagination = register.register_page(status, today, page=request_page(), per_page=50)
    return render_template(
        "office/certificates.html",
        pagination=pagination,
        status=status,
        today=today,
        state_of=lambda c: certificate_state(c, today),
        filters=register.REGISTER_FILTERS,
    )


@bp.route("/certificates.csv")
def certificates_csv():
    today, status = today_vn(), request.args.get("status", "all")
    if status not in register.REGISTER_FILTERS:
        abort(404)
    items = register.register_entries(status, today)
    header = [
        "product",
        "producer",
        "stars",
        "score",
        "criteria_set",
        "issuing_level",
        "issuing_body",
        "decision_number",
        "decision_date",
        "valid_until",
        "status",
    ]
    rows = [
        (
            c.product.name_vi,
            c.producer_name or c.product.producer.name,
            c.stars,
            c.score,
            c.criteria_set.value,
            c.issuing_level.value,
            c.issuing_body,
            c.decision_number,
            c.decision_date.isoformat(),
            c.valid_until.isoformat(),
            certificate_state(c, today).value,
        )
        for c in items
    ]
    return exports.csv_response(f"ocop-certificates-{status}.csv", header, rows)


def _product_choices():
    return choices((pid, f"{name} – {producer}") for pid, name, producer in register.product_names())


def _apply_errors(form, errors):
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


@bp.route("/certificates/new", methods=["GET", "POST"])
def certificate_new():
    form = CertificateForm(product_id=request.args.get("product_id", type=int))
    form.product_id.choices = _product_choices()
    if form.validate_on_submit():
        product = db.get_or_404(Product, form.product_id.data)
        try:
            certificate = register.record_certificate(
                product,
                stars=form.stars.data,
                score=form.score.data,
                criteria_set=CriteriaSet(form.criteria_set.data),
                issuing_level=IssuingLevel(form.issuing_level.data),
                issuing_body=form.issuing_body.data,
                decision_number=form.decision_number.data,
                decision_date=form.decision_date.data,
                valid_until=form.valid_until.data,
                document=form.document.data or None,
                actor=_me(),
            )
        except register.CertificateInvalid as error:
            _apply_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("Đã ghi chứng nhận vào sổ; huy hiệu trên sàn cập nhật ngay."), "success")
            return redirect(url_for("office.certificate", certificate_id=certificate.id))
    return render_template("office/certificate_new.html", form=form)


@bp.route("/certificates/<int:certificate_id>")
def certificate(certificate_id):
    item = db.get_or_404(Certificate, certificate_id)
    return render_template(
        "office/certificate.html",
        certificate=item,
        state=certificate_state(item, today_vn()),
        form=ReasonForm(),
        entries=audit_log.entries_about(item),
    )


@bp.post("/certificates/<int:certificate_id>/revoke")
def certificate_revoke(certificate_id):
    item = db.get_or_404(Certificate, certificate_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Cần nhập lý do thu hồi."), "error")
    else:
        try:
            register.revoke_certificate(item, reason=form.reason.data, actor=_me())
        except register.CertificateAlreadyRevoked:
            flash(_("Chứng nhận này đã bị thu hồi."), "info")
        else:
            db.session.commit()
            flash(_("Đã thu hồi chứng nhận; sản phẩm không còn hiển thị sao OCOP."), "success")
    return redirect(url_for("office.certificate", certificate_id=item.id))


@bp.route("/certificates/<int:certificate_id>/document")
def certificate_document(certificate_id):
    item = db.get_or_404(Certificate, certificate_id)
    if not item.document_filename:
        abort(404)
    extension = item.document_filename.rsplit(".", 1)[-1]
    return documents.send_scan(item.document_filename, f"quyet-dinh-{item.id}.{extension}")


@bp.route("/certificates/import", methods=["GET", "POST"])
def certificate_import():
    form, report = ImportForm(), None
    if form.validate_on_submit():
        try:
            data = form.file.data.read(2 * 1024 * 1024).decode("utf-8")
        except UnicodeDecodeError:
            form.file.errors.append(_("Tệp CSV phải được lưu với mã UTF-8."))
        else:
            report = imports.import_council_decision(
                data,
                criteria_set=CriteriaSet(form.criteria_set.data),
                issuing_level=IssuingLevel(form.issuing_level.data),
                issuing_body=form.issuing_body.data,
                decision_number=form.decision_number.data.strip(),
                decision_date=form.decision_date.data,
                actor=_me(),
                today=today_vn(),
            )
            if report.ok:
                db.session.commit()
                flash(_("Đã ghi %(n)s chứng nhận.", n=report.written), "success")
            else:
                db.session.rollback()
    return render_template("office/certificate_import.html", form=form, report=report)


# --- digital scoresheet ----------------------------------------------------------------


@bp.route("/evaluations")
def evaluations():
    items = scoring.recent_evaluations()
    return render_template("office/evaluations.html", evaluations=items, result_of=scoring.evaluation_result)


@bp.route("/evaluations/new", methods=["GET", "POST"])
def evaluation_new():
    sets = scoring.ensure_criteria_sets()
    form = EvaluationForm(chair_id=current_user.id)
    form.product_id.choices = _product_choices()
    form.criteria_set_id.choices = choices((c.id, c.label) for c in sets if c.is_active)
    form.chair_id.choices = choices((u.id, u.full_name or u.email) for u in users.office_users())
    if form.validate_on_submit():
        evaluation = scoring.open_evaluation(
            db.get_or_404(Product, form.product_id.data),
            criteria_set=db.get_or_404(CriteriaSetDefinition, form.criteria_set_id.data),
            chair=db.get_or_404(User, form.chair_id.data),
            actor=_me(),
        )
        db.session.commit()
        return redirect(url_for("office.evaluation", evaluation_id=evaluation.id))
    db.session.commit()  # keeps the criteria sets ensure_criteria_sets may have added
    return render_template("office/evaluation_new.html", form=form)


def _sheet_form(evaluation, **kwargs):
    mine = next((s for s in evaluation.sheets if s.member_id == current_user.id), None)
    data = {}
    if mine:
        data = {f"part_{line.part.code}": line.points for line in mine.lines}
        data.update(fails_mandatory=mine.fails_mandatory, note=mine.note)
    return scoresheet_form(evaluation.criteria_set.parts, data=data or None, **kwargs)


@bp.route("/evaluations/<int:evaluation_id>", methods=["GET", "POST"])
def evaluation(evaluation_id):
    item = db.get_or_404(Evaluation, evaluation_id)
    form = _sheet_form(item)
    if form.validate_on_submit():
        points = {part.code: getattr(form, f"part_{part.code}").data for part in item.criteria_set.parts}
        try:
            scoring.submit_scoresheet(
                item, member=_me(), points=points, fails_mandatory=form.fails_mandatory.data, note=form.note.data or ""
            )
        except scoring.ScoresheetInvalid as error:
            _apply_errors(form, {f"part_{code}": message for code, message in error.errors.items()})
        except scoring.EvaluationClosed:
            flash(_("Hội đồng đã kết luận; không thể chấm thêm."), "error")
        else:
            db.session.commit()
            flash(_("Đã lưu phiếu chấm."), "success")
            return redirect(url_for("office.evaluation", evaluation_id=item.id))
    return render_template(
        "office/evaluation.html",
        evaluation=item,
        form=form,
        result=scoring.evaluation_result(item),
        certify_form=CertifyForm(),
        is_chair=item.chair_id == current_user.id,
    )


@bp.post("/evaluations/<int:evaluation_id>/certify")
def evaluation_certify(evaluation_id):
    item = db.get_or_404(Evaluation, evaluation_id)
    form = CertifyForm()
    if item.chair_id != current_user.id:
        abort(403)
    if form.validate_on_submit():
        try:
            certificate = scoring.certify_evaluation(
                item,
                decision_number=form.decision_number.data,
                decision_date=form.decision_date.data,
                issuing_level=IssuingLevel(form.issuing_level.data),
                issuing_body=form.issuing_body.data,
                valid_until=form.valid_until.data,
                document=form.document.data or None,
                actor=_me(),
            )
        except register.CertificateInvalid as error:
            _apply_errors(form, error.errors)
        except (scoring.NotCertifiable, scoring.EvaluationClosed):
            flash(_("Kết quả này không thể cấp chứng nhận OCOP."), "error")
        else:
            db.session.commit()
            flash(_("Đã cấp chứng nhận theo kết quả hội đồng."), "success")
            return redirect(url_for("office.certificate", certificate_id=certificate.id))
    return render_template(
        "office/evaluation.html",
        evaluation=item,
        form=_sheet_form(item),
        result=scoring.evaluation_result(item),
        certify_form=form,
        is_chair=True,
    ), 400


# --- audit log -------------------------------------------------------------------------

AUDIT_FILTERS = ("action", "object_type", "actor")


@bp.route("/audit")
def audit():
    args = {name: request.args.get(name, "").strip()[:100] for name in (*AUDIT_FILTERS, "from", "to")}
    pagination = audit_log.entries_page(
        action=args["action"],
        object_type=args["object_type"],
        actor=args["actor"],
        since=_parse_day(args["from"]),
        until=_parse_day(args["to"]),
        page=request_page(),
        per_page=50,
    )
    return render_template("office/audit.html", pagination=pagination, args=args)


def _parse_day(text):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else None
    except ValueError:
        return None

"""The certificate register: list, CSV, record, revoke, decision scans."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from storefront.audit import services as audit_log
from storefront.catalog.models import Certificate, CriteriaSet, IssuingLevel, Product
from storefront.clock import today_vn
from storefront.extensions import db
from storefront.office import (
    bp,
    documents,
    exports,
    imports,
    register,
)
from storefront.office.forms import (
    CertificateForm,
    ImportForm,
    ReasonForm,
)
from storefront.office.register import certificate_state
from storefront.office.views.common import (
    apply_errors,
    me,
    product_choices,
)
from storefront.request_input import request_page


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
            # A decision the sources date only by year is exported as that year (ISO 8601 reduced precision).
            c.decision_date.isoformat() if c.decision_day_known else str(c.decision_date.year),
            c.valid_until.isoformat() if c.decision_day_known else str(c.valid_until.year),
            certificate_state(c, today).value,
        )
        for c in items
    ]
    return exports.csv_response(f"ocop-certificates-{status}.csv", header, rows)


@bp.route("/certificates/new", methods=["GET", "POST"])
def certificate_new():
    form = CertificateForm(product_id=request.args.get("product_id", type=int))
    form.product_id.choices = product_choices()
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
                actor=me(),
            )
        except register.CertificateInvalid as error:
            apply_errors(form, error.errors)
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
            register.revoke_certificate(item, reason=form.reason.data, actor=me())
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


#: A council decision's CSV: a few hundred lines; the same bound as the producer's product import.
IMPORT_MAX_BYTES = 2_000_000


@bp.route("/certificates/import", methods=["GET", "POST"])
def certificate_import():
    form, report = ImportForm(), None
    if form.validate_on_submit():
        raw, data = form.file.data.read(IMPORT_MAX_BYTES + 1), None
        if len(raw) > IMPORT_MAX_BYTES:  # refused whole: its first 2 MB alone would leave decisions unrecorded
            form.file.errors.append(_("Tệp quá lớn (tối đa 2 MB)."))
        else:
            try:
                data = raw.decode("utf-8")
            except UnicodeDecodeError:
                form.file.errors.append(_("Tệp CSV phải được lưu với mã UTF-8."))
        if data is not None:
            report = imports.import_council_decision(
                data,
                criteria_set=CriteriaSet(form.criteria_set.data),
                issuing_level=IssuingLevel(form.issuing_level.data),
                issuing_body=form.issuing_body.data,
                decision_number=form.decision_number.data.strip(),
                decision_date=form.decision_date.data,
                actor=me(),
                today=today_vn(),
            )
            if report.ok:
                db.session.commit()
                flash(_("Đã ghi %(n)s chứng nhận.", n=report.written), "success")
            else:
                db.session.rollback()
    return render_template("office/certificate_import.html", form=form, report=report)

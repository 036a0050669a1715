"""The digital scoresheet: evaluations, members' sheets, certifying a result."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.models import User
from storefront.catalog.models import IssuingLevel, Product
from storefront.extensions import db
from storefront.office import (
    bp,
    register,
    scoring,
    users,
)
from storefront.office.forms import (
    CertifyForm,
    EvaluationForm,
    choices,
    scoresheet_form,
)
from storefront.office.models import CriteriaSetDefinition, Evaluation
from storefront.office.views.common import (
    apply_errors,
    me,
    product_choices,
)


@bp.route("/evaluations")
def evaluations():
    items = scoring.recent_evaluations()
    return render_template("office/evaluations.html", evaluations=items, result_of=scoring.evaluation_result)


@bp.route("/evaluations/new", methods=["GET", "POST"])
def evaluation_new():
    sets = scoring.ensure_criteria_sets()
    form = EvaluationForm(chair_id=current_user.id)
    form.product_id.choices = product_choices()
    form.criteria_set_id.choices = choices((c.id, c.label) for c in sets if c.is_active)
    form.chair_id.choices = choices((u.id, u.full_name or u.email) for u in users.office_users())
    if form.validate_on_submit():
        evaluation = scoring.open_evaluation(
            db.get_or_404(Product, form.product_id.data),
            criteria_set=db.get_or_404(CriteriaSetDefinition, form.criteria_set_id.data),
            chair=db.get_or_404(User, form.chair_id.data),
            actor=me(),
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
                item, member=me(), points=points, fails_mandatory=form.fails_mandatory.data, note=form.note.data or ""
            )
        except scoring.ScoresheetInvalid as error:
            apply_errors(form, {f"part_{code}": message for code, message in error.errors.items()})
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
                actor=me(),
            )
        except register.CertificateInvalid as error:
            apply_errors(form, error.errors)
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

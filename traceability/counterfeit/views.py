"""Forms an origin page links to: report a suspected fake, check a scratch-off PIN (valid once), and the outcome."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from storefront.clock import VIETNAM_TZ, today_vn
from storefront.extensions import db, limiter
from traceability.blueprint import bp
from traceability.counterfeit.services import report_counterfeit
from traceability.errors import NotRegistered
from traceability.forms import PinForm, ReportForm
from traceability.resolver.lookup import find_by_code
from traceability.stamps.pins import count_wrong_pin, pin_checks_locked, verify_pin
from traceability.stamps.urls import ORIGIN_PREFIX


@bp.route("/trace/report", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("RATELIMIT_REPORT", "20 per hour"), methods=["POST"])
def report():
    """Report a suspected counterfeit, from an origin page or an unregistered-code page."""
    form = ReportForm(code=request.args.get("code", "")[:300]) if request.method == "GET" else ReportForm()
    if form.validate_on_submit():
        try:
            batch, stamp = find_by_code(form.code.data or "")
        except NotRegistered:
            batch = stamp = None
        report_counterfeit(
            batch=batch,
            stamp=stamp,
            scanned_code=form.code.data or "",
            message=form.message.data,
            where_bought=form.where_bought.data,
            contact=form.contact.data,
        )
        db.session.commit()
        flash(_("Cảm ơn bạn. Văn phòng OCOP đã nhận báo cáo và sẽ kiểm tra."), "success")
        return redirect(url_for("traceability.done", next=form.code.data or None))
    return render_template("traceability/report.html", report_form=form)


@bp.route("/trace/pin", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("RATELIMIT_PIN", "10 per minute"))
def pin():
    """Check the scratch-off PIN of a serialized stamp (valid once)."""
    form = PinForm()
    if not form.validate_on_submit():
        flash(" ".join(str(error) for error in form.pin.errors) or _("Mã PIN không hợp lệ."), "error")
        return redirect(url_for("traceability.done", next=form.code.data or None))
    try:
        _batch, stamp = find_by_code(form.code.data)
    except NotRegistered:
        abort(404)
    if stamp is None or stamp.pin_hash is None:
        abort(404)
    if stamp.pin_verified_at is None and pin_checks_locked(stamp):
        # Refused before the PIN is compared: a guesser learns nothing more, the right PIN included.
        flash(
            _(
                "Tem này đã bị nhập sai mã PIN nhiều lần nên tạm khoá kiểm tra PIN. Hãy thử lại vào ngày mai, "
                "hoặc báo cho Văn phòng OCOP nếu bạn nghi ngờ."
            ),
            "error",
        )
        return redirect(url_for("traceability.done", next=form.code.data))
    result = verify_pin(stamp, form.pin.data)
    if result == "wrong":
        count_wrong_pin(stamp)
    db.session.commit()
    if result == "valid":
        flash(
            _("Mã PIN đúng: đây là sản phẩm chính hãng. Mã đã được ghi nhận, lần kiểm tra sau sẽ báo đã dùng."),
            "success",
        )
    elif result == "used":
        flash(
            _(
                "Mã PIN này đã được kiểm tra ngày %(d)s. Nếu không phải bạn kiểm tra, sản phẩm có thể không chính hãng.",
                d=stamp.pin_verified_at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y"),
            ),
            "error",
        )
    else:
        flash(_("Mã PIN không đúng. Hãy kiểm tra lại các chữ số dưới lớp cào."), "error")
    return redirect(url_for("traceability.done", next=form.code.data))


@bp.route("/trace/done")
def done():
    """Show the outcome of a report or PIN check, with a way back to the origin page."""
    back = request.args.get("next", "")
    if not back.startswith(("/01/", ORIGIN_PREFIX + "/01/", "/t/")):
        back = None
    return render_template("traceability/done.html", back=back, today=today_vn())

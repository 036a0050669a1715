"""The host's side of experiences: details, calendar of sessions, guest lists, check-in, stays to declare.

Every route loads through a get_own_… helper: another producer's experience, session or booking is a 404.
"""

from datetime import timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.decorators import producer_required
from storefront.clock import today_vn
from storefront.experiences import availability, bookings, hosting, stays
from storefront.experiences.forms import (
    ActionForm,
    BlackoutForm,
    CheckInForm,
    ExperienceForm,
    HostCancelForm,
    RuleForm,
    SessionForm,
)
from storefront.experiences.models import Booking, Experience
from storefront.extensions import db
from storefront.producer import bp
from storefront.producer.views.common import current_producer, get_own_product_or_404
from storefront.security_headers import PERMISSIONS_POLICY

CALENDAR_DAYS = 60


def get_own_experience_or_404(experience_id: int) -> Experience:
    experience = db.get_or_404(Experience, experience_id)
    if experience.product.producer_id != current_producer().id:
        abort(404)
    return experience


def get_own_session_or_404(session_id: int):
    session = hosting.session_with_bookings(session_id)
    if session is None or hosting.session_owner_id(session) != current_producer().id:
        abort(404)
    return session


def get_own_booking_or_404(booking_id: int) -> Booking:
    booking = db.get_or_404(Booking, booking_id)
    if booking.producer_id != current_producer().id:
        abort(404)
    return booking


def _refused(error: Exception) -> None:
    db.session.rollback()
    messages = {
        bookings.CannotCheckIn: _(
            "Không thể ghi nhận: đặt chỗ chưa xác nhận, đã huỷ, đã ghi nhận hoặc không phải hôm nay."
        ),
        bookings.CannotCancel: _("Không thể huỷ: đặt chỗ đã đóng hoặc thiếu lý do."),
        availability.AvailabilityError: _(
            "Không thể lưu: ngày đã qua, trùng giờ, ngày nghỉ hoặc ngày đã có khách đặt."
        ),
    }
    flash(next((text for kind, text in messages.items() if isinstance(error, kind)), str(error)), "error")


@bp.route("/experiences")
@producer_required
def experiences_index():
    producer = current_producer()
    return render_template(
        "producer/experiences.html",
        products=hosting.tourism_products(producer),
        experiences=hosting.experiences_by_product(producer),
        figures=hosting.host_figures(producer, since=today_vn() - timedelta(days=30)),
        stays=stays.stays_to_declare(producer, today=today_vn()),
    )


@bp.route("/tourism/<int:tourism_product_id>/experience", methods=["GET", "POST"])
@producer_required
def experience_edit(tourism_product_id):
    """Describe (or edit) the experience of one of the producer's tourism products (OCOP group 6)."""
    product = get_own_product_or_404(tourism_product_id)
    if not product.is_visit:
        abort(404)
    experience = availability.experience_of(product)
    form = ExperienceForm(obj=experience).setup()
    if form.validate_on_submit():
        try:
            hosting.save_experience(product, form.values())
        except hosting.ExperienceInvalid as error:
            db.session.rollback()
            messages = {
                "meeting_ward_code": _("Chọn xã / phường trong tỉnh Thái Nguyên."),
                "max_guests": _("Số khách tối đa không được nhỏ hơn số khách tối thiểu."),
                "latitude": _("Nhập cả vĩ độ và kinh độ của một điểm trong tỉnh Thái Nguyên, hoặc bỏ trống cả hai."),
            }
            for name in error.errors:
                field = getattr(form, name, form.meeting_ward_code)
                field.errors.append(messages.get(name, _("Giá trị không hợp lệ.")))
        else:
            db.session.commit()
            flash(_("Đã lưu thông tin trải nghiệm."), "success")
            return redirect(
                url_for("producer.experience_sessions", experience_id=availability.experience_of(product).id)
            )
    return render_template("producer/experience_form.html", form=form, product=product, experience=experience)


@bp.route("/experiences/<int:experience_id>/sessions")
@producer_required
def experience_sessions(experience_id):
    experience = get_own_experience_or_404(experience_id)
    return render_template(
        "producer/experience_sessions.html",
        experience=experience,
        sessions=availability.host_sessions([experience.id], start=today_vn(), days=CALENDAR_DAYS),
        rule_form=RuleForm(),
        session_form=SessionForm(),
        blackout_form=BlackoutForm(),
    )


#: The host's three calendar changes, one view: the form posted, the change it makes, what the host is told
#: when it is made and when the form is incomplete.
CALENDAR_CHANGES = {
    "rule": (
        RuleForm,
        lambda experience, form: availability.add_rule(
            experience, weekday=form.weekday.data, start_time=form.start_time.data, capacity=form.capacity.data
        ),
        lambda form: _("Đã thêm lịch lặp lại và mở các buổi trong 60 ngày tới."),
        lambda: _("Vui lòng chọn ngày, giờ và số chỗ."),
    ),
    "session": (
        SessionForm,
        lambda experience, form: availability.add_session(
            experience, day=form.day.data, start_time=form.start_time.data, capacity=form.capacity.data
        ),
        lambda form: _("Đã mở buổi mới."),
        lambda: _("Vui lòng chọn ngày, giờ và số chỗ."),
    ),
    "blackout": (
        BlackoutForm,
        lambda experience, form: availability.add_blackout(
            experience, day=form.day.data, reason=form.reason.data or ""
        ),
        lambda form: _("Đã đóng ngày %(d)s.", d=form.day.data.strftime("%d/%m/%Y")),
        lambda: _("Vui lòng chọn ngày nghỉ."),
    ),
}


@bp.post("/experiences/<int:experience_id>/rules", endpoint="experience_rule_add", defaults={"kind": "rule"})
@bp.post(
    "/experiences/<int:experience_id>/sessions/new", endpoint="experience_session_add", defaults={"kind": "session"}
)
@bp.post(
    "/experiences/<int:experience_id>/blackouts", endpoint="experience_blackout_add", defaults={"kind": "blackout"}
)
@producer_required
def experience_calendar_change(experience_id, kind):
    """Add a repeating rule, a single session or a closed day: refuse it with a message, or commit."""
    experience = get_own_experience_or_404(experience_id)
    form_class, change, done, missing = CALENDAR_CHANGES[kind]
    form = form_class()
    if not form.validate_on_submit():
        flash(missing(), "error")
    else:
        try:
            change(experience, form)
        except availability.AvailabilityError as error:
            _refused(error)
        else:
            db.session.commit()
            flash(done(form), "success")
    return redirect(url_for("producer.experience_sessions", experience_id=experience.id))


@bp.route("/sessions/<int:session_id>")
@producer_required
def session_guests(session_id):
    session = get_own_session_or_404(session_id)
    return render_template(
        "producer/session_guests.html",
        session=session,
        bookings=[b for b in session.bookings if b.status.value not in ("expired",)],
        action_form=ActionForm(),
        cancel_form=HostCancelForm(),
    )


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@producer_required
def session_cancel(session_id):
    session = get_own_session_or_404(session_id)
    form = HostCancelForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng ghi lý do huỷ để báo cho khách."), "error")
        return redirect(url_for("producer.session_guests", session_id=session.id))
    count = bookings.cancel_session(session, reason=form.reason.data, actor=current_user)
    db.session.commit()
    flash(_("Đã huỷ buổi; %(n)s đặt chỗ được huỷ, hoàn tiền và báo cho khách.", n=count), "success")
    return redirect(url_for("producer.session_guests", session_id=session.id))


def _booking_action(booking_id, action, done: str):
    booking = get_own_booking_or_404(booking_id)
    form = HostCancelForm() if action is bookings.cancel_by_host else ActionForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng ghi lý do huỷ để báo cho khách."), "error")
    else:
        try:
            if action is bookings.cancel_by_host:
                action(booking, reason=form.reason.data, actor=current_user)
            else:
                action(booking)
        except bookings.BookingError as error:
            _refused(error)
        else:
            db.session.commit()
            flash(done, "success")
    target = request.form.get("next") == "check-in"
    return redirect(
        url_for("producer.check_in_page", code=booking.code)
        if target
        else url_for("producer.session_guests", session_id=booking.session_id)
    )


@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@producer_required
def booking_check_in(booking_id):
    return _booking_action(booking_id, bookings.check_in, _("Đã ghi nhận khách đến."))


@bp.route("/bookings/<int:booking_id>/no-show", methods=["POST"])
@producer_required
def booking_no_show(booking_id):
    return _booking_action(booking_id, bookings.mark_no_show, _("Đã ghi nhận khách không đến."))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@producer_required
def booking_cancel(booking_id):
    return _booking_action(booking_id, bookings.cancel_by_host, _("Đã huỷ đặt chỗ, hoàn tiền và báo cho khách."))


@bp.route("/check-in")
@producer_required
def check_in_page():
    """Scan the voucher's QR (camera: BarcodeDetector, or the vendored jsQR) or type its code; GET only looks."""
    form = CheckInForm(request.args, meta={"csrf": False})
    booking = None
    if request.args.get("code"):
        booking = bookings.booking_for_host(current_producer(), request.args["code"])
        if booking is None:
            form.code.errors = [_("Không tìm thấy đặt chỗ mã này trong các trải nghiệm của cơ sở.")]
    response = make_response(
        render_template("producer/check_in.html", form=form, booking=booking, action_form=ActionForm())
    )
    # This page alone may use the camera (the site's policy turns it off everywhere else).
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")
    return response


@bp.route("/stays")
@producer_required
def stays_index():
    return render_template("producer/stays.html", stays=stays.stays_to_declare(current_producer(), today=today_vn()))

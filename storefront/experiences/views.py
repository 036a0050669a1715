"""Public pages: the experience part of a product page, the booking form, the guest's voucher."""

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from storefront.experiences import bp
from storefront.experiences.availability import bookable_session, calendar, experience_of
from storefront.experiences.bookings import (
    BadGuests,
    CannotCancel,
    Contact,
    Guests,
    NotEnoughPlaces,
    PayAtVenueNotOffered,
    SessionClosed,
    book,
    booking_by_code,
    cancel_by_guest,
    free_cancel_until,
    guest_can_cancel,
    release_booking,
)
from storefront.experiences.forms import BookingForm, CancelBookingForm, StayDetailsForm
from storefront.experiences.jsonld import experience_jsonld
from storefront.experiences.labels import booking_status_label, vn_datetime, weekday_name, weekday_name_of
from storefront.experiences.mail import booking_ics, meeting_place
from storefront.experiences.models import BookingStatus
from storefront.experiences.ordering import CART_KEY, cart_codes, cart_visits, order_bookings
from storefront.experiences.stays import StayDetailsInvalid, StayGuestInput, needs_stay_details, save_stay_guests
from storefront.experiences.tokens import check_in_url, token_matches, voucher_path
from storefront.extensions import db, limiter

PAY_AT_VENUE, PAY_NOW = "venue", "now"


def _qr_png(text: str) -> bytes:
    """The voucher's QR code; qrcode loads on the first voucher, not in every web worker."""
    from traceability.stamps.qr import qr_png

    return qr_png(text, box_size=8)


@bp.app_template_global()
def product_experience(product):
    """The experience of a tourism product (for its page), or None; looked up once per request."""
    found = g.setdefault("product_experiences", {})
    if product.id not in found:
        found[product.id] = experience_of(product)
    return found[product.id]


@bp.app_template_global()
def experience_calendar(experience):
    return calendar(experience)


bp.add_app_template_global(experience_jsonld)
bp.add_app_template_global(meeting_place, "experience_meeting_place")
bp.add_app_template_global(booking_status_label)
bp.add_app_template_global(weekday_name)
bp.add_app_template_global(weekday_name_of)
bp.add_app_template_filter(vn_datetime)


bp.add_app_template_global(cart_visits)


def _payment_choices(experience) -> list[SelectChoice]:
    choices = []
    if experience.allow_pay_at_venue:
        choices.append(SelectChoice(PAY_AT_VENUE, _("Thanh toán tại điểm tham quan")))
    choices.append(SelectChoice(PAY_NOW, _("Thanh toán ngay (chuyển khoản, thẻ, ví) qua giỏ hàng")))
    return choices


@bp.route("/experiences/sessions/<int:session_id>/book", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_BOOKING"], methods=["POST"])
def book_session(session_id):
    slot = bookable_session(session_id)
    if slot is None:
        abort(404)
    experience = slot.experience
    form = BookingForm()
    english = str(get_locale()) == "en"
    form.extras.choices = [
        SelectChoice(extra.id, extra.name_en if english and extra.name_en else extra.name_vi)
        for extra in experience.extras
    ]
    form.payment.choices = _payment_choices(experience)
    if request.method == "GET":
        form.payment.data = form.payment.choices[0].value
        if current_user.is_authenticated:
            form.contact_name.data = form.contact_name.data or current_user.full_name
    if form.validate_on_submit():
        guests = Guests(form.adults.data, form.children.data, list(form.extras.data or []))
        contact = Contact(form.contact_name.data, form.phone.data, form.email.data, str(get_locale()))
        try:
            booking = book(
                slot,
                guests,
                contact,
                pay_at_venue=form.payment.data == PAY_AT_VENUE,
                user=current_user if current_user.is_authenticated else None,
            )
        except BadGuests:
            db.session.rollback()
            form.adults.errors.append(
                _(
                    "Số khách từ %(min)s đến %(max)s người; trẻ em đi cùng người lớn.",
                    min=experience.min_guests,
                    max=experience.max_guests,
                )
            )
        except NotEnoughPlaces as error:
            db.session.rollback()
            form.adults.errors.append(_("Buổi này chỉ còn %(n)s chỗ.", n=error.left))
        except (SessionClosed, PayAtVenueNotOffered):
            db.session.rollback()
            flash(_("Buổi này không còn nhận đặt chỗ."), "error")
            return redirect(url_for("catalog.product", slug=experience.product.slug))
        else:
            db.session.commit()
            if booking.pay_at_venue:
                flash(_("Đã đặt chỗ. Hãy lưu phiếu đặt chỗ này."), "success")
                return redirect(voucher_path(booking.code))
            session[CART_KEY] = [*[code for code in cart_codes() if code != booking.code][-9:], booking.code]
            flash(_("Đã giữ chỗ trong giỏ hàng; hãy thanh toán để xác nhận."), "success")
            return redirect(url_for("cart.view"))
    return render_template("experiences/book.html", form=form, slot=slot, experience=experience)


def _booking_or_404(code: str, token: str):
    booking = booking_by_code(code)
    if booking is None or booking.code != code or not token_matches(code, token):
        abort(404)
    return booking


@bp.route("/bookings/<code>/<token>")
def voucher(code, token):
    booking = _booking_or_404(code, token)
    stay_form = None
    if needs_stay_details(booking):
        stay_form = StayDetailsForm()
        while len(stay_form.guests) < booking.guests:
            stay_form.guests.append_entry()
    return render_template(
        "experiences/voucher.html",
        booking=booking,
        token=token,
        can_cancel=guest_can_cancel(booking),
        free_until=free_cancel_until(booking),
        cancel_form=CancelBookingForm(),
        stay_form=stay_form,
    )


@bp.route("/bookings/<code>/<token>/qr.png")
def voucher_qr(code, token):
    """The voucher's QR code: the host's check-in link with the code, which a phone camera opens."""
    booking = _booking_or_404(code, token)
    return (
        _qr_png(check_in_url(booking.code)),
        200,
        {
            "Content-Type": "image/png",
            "Cache-Control": "private, max-age=3600",
        },
    )


@bp.route("/bookings/<code>/<token>/booking.ics")
def voucher_ics(code, token):
    booking = _booking_or_404(code, token)
    return (
        booking_ics(booking),
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{booking.code}.ics"',
        },
    )


@bp.route("/bookings/<code>/<token>/cancel", methods=["POST"])
def voucher_cancel(code, token):
    booking = _booking_or_404(code, token)
    form = CancelBookingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        cancel_by_guest(booking, reason=form.reason.data or "")
    except CannotCancel:
        db.session.rollback()
        flash(_("Đã quá thời hạn huỷ miễn phí hoặc đặt chỗ không còn mở; vui lòng liên hệ chủ nhà."), "error")
    else:
        db.session.commit()
        flash(_("Đã huỷ đặt chỗ."), "success")
    return redirect(voucher_path(booking.code))


@bp.route("/bookings/<code>/<token>/stay", methods=["POST"])
def voucher_stay(code, token):
    booking = _booking_or_404(code, token)
    if not needs_stay_details(booking):
        abort(404)
    form = StayDetailsForm()
    if form.validate_on_submit():
        rows = [
            StayGuestInput(row.full_name.data, row.birth_date.data, row.id_number.data, row.nationality.data)
            for row in form.guests
        ]
        try:
            save_stay_guests(booking, rows)
        except StayDetailsInvalid as error:
            db.session.rollback()
            flash(_("Dòng %(n)s: thông tin chưa hợp lệ; mỗi khách một dòng.", n=error.row), "error")
        else:
            db.session.commit()
            flash(_("Đã gửi thông tin lưu trú cho chủ nhà."), "success")
    else:
        flash(_("Vui lòng điền đủ thông tin của từng khách và đồng ý mục đích sử dụng."), "error")
    return redirect(voucher_path(booking.code))


@bp.route("/cart/visits/<code>/remove", methods=["POST"])
def cart_visit_remove(code):
    """Take a held booking out of the cart: its places go back at once."""
    booking = next((b for b in cart_visits() if b.code == code), None)
    if booking is None:
        abort(404)
    release_booking(booking, BookingStatus.CANCELLED, by="guest", reason="removed from the cart")
    db.session.commit()
    session[CART_KEY] = [c for c in cart_codes() if c != code]
    flash(_("Đã bỏ lịch tham quan khỏi giỏ hàng."), "info")
    return redirect(url_for("cart.view"))


@bp.app_template_global()
def order_visits(order) -> list:
    """The visits an order pays for (its page lists them with their vouchers)."""
    return order_bookings(order)


@bp.app_template_global()
def voucher_link(booking) -> str:
    return voucher_path(booking.code)

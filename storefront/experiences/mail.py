"""Mail to guests: confirmation with an iCalendar (.ics) event, cancellation, the reminder the day before."""

from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from storefront.addresses import format_address
from storefront.checkout.labels import PAYMENT_METHOD_LABELS
from storefront.checkout.models import OrderStatus
from storefront.clock import VIETNAM_TZ
from storefront.columns import utcnow
from storefront.experiences.models import Booking, BookingStatus, ExperienceSession
from storefront.experiences.paying import refund_key
from storefront.experiences.tokens import voucher_url
from storefront.extensions import db
from storefront.filters import vnd
from storefront.outbox.services import queue_mail
from storefront.text import display_phone


def meeting_place(experience) -> str:
    return format_address(experience.meeting_address, experience.meeting_ward_code, 19)


def booking_ics(booking: Booking) -> str:
    """One VEVENT for the session (RFC 5545), with the meeting place and the voucher link."""
    from icalendar import Calendar, Event, vGeo  # on first use: a web worker rarely needs it

    session = booking.session
    experience = session.experience
    calendar = Calendar()
    calendar.add("prodid", "-//OCOP Thai Nguyen//experiences//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{booking.code}@ocop-thainguyen")
    event.add("dtstamp", utcnow())
    # UTC ("…Z"): every calendar shows it in its own zone; a fixed +07:00 has no TZID they all know.
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.starts_at + timedelta(minutes=experience.duration_minutes))
    event.add("summary", f"{booking.experience_name} ({booking.code})")
    event.add("location", meeting_place(experience))
    if experience.latitude is not None:
        event.add("geo", vGeo((experience.latitude, experience.longitude)))
    event.add("description", _summary_text(booking))
    event.add("url", voucher_url(booking))
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def _summary_text(booking: Booking) -> str:
    session = booking.session
    lines = [
        str(_l("Mã đặt chỗ: %(code)s", code=booking.code)),
        str(
            _l(
                "Ngày %(day)s, bắt đầu %(time)s",
                day=session.day.strftime("%d/%m/%Y"),
                time=session.start_time.strftime("%H:%M"),
            )
        ),
        str(_l("Điểm hẹn: %(place)s", place=meeting_place(session.experience))),
        str(_l("Khách: %(adults)s người lớn, %(children)s trẻ em", adults=booking.adults, children=booking.children)),
    ]
    for extra in booking.extras or []:
        lines.append(f"+ {extra['name']}: {vnd(extra['price_vnd'])}")
    lines.append(str(_l("Tổng cộng: %(total)s", total=vnd(booking.total_vnd))))
    lines.append(
        str(_l("Thanh toán tại điểm tham quan")) if booking.pay_at_venue else str(_l("Đã thanh toán trực tuyến"))
    )
    return "\n".join(lines)


def _send(booking: Booking, subject, body: str, *, ics: bool = False) -> None:
    if not booking.email:
        return
    text = body + "\n\n" + str(_l("Phiếu đặt chỗ (mã QR cho chủ nhà quét): %(url)s", url=voucher_url(booking)))
    attachment = (f"{booking.code}.ics", "text/calendar", booking_ics(booking)) if ics else None
    queue_mail(booking.email, str(subject), text, attachment=attachment)


def send_confirmation(booking: Booking) -> None:
    with force_locale(booking.language or "vi"):
        body = "\n".join(
            [
                str(_l("Cảm ơn bạn đã đặt chỗ tham quan tại OCOP Thái Nguyên.")),
                "",
                booking.experience_name,
                _summary_text(booking),
                str(
                    _l(
                        "Huỷ miễn phí trước %(hours)s giờ so với giờ bắt đầu.",
                        hours=booking.session.experience.free_cancel_hours,
                    )
                ),
            ]
        )
        _send(booking, _l("Xác nhận đặt chỗ %(code)s", code=booking.code), body, ics=True)


def send_cancelled(booking: Booking) -> None:
    """One mail per cancelled visit; when that ended its unpaid visits-only order, the mail says so too."""
    order = booking.order
    order_cancelled = order is not None and order.status is OrderStatus.CANCELLED
    with force_locale(booking.language or "vi"):
        lines = [str(_l("Đặt chỗ %(code)s đã được huỷ.", code=booking.code)), "", booking.experience_name]
        if booking.cancelled_by == "host":
            lines.append(str(_l("Chủ nhà huỷ vì: %(reason)s", reason=booking.cancel_reason)))
        elif booking.cancelled_by == "office":
            lines.append(
                str(_l("Văn phòng OCOP tạm ngừng chuyến tham quan này vì: %(reason)s", reason=booking.cancel_reason))
            )
        if booking.refunded_vnd:
            lines.append(str(_l("Số tiền hoàn lại: %(amount)s", amount=vnd(booking.refunded_vnd))))
            if method := _refunded_through(booking):
                lines.append(
                    str(
                        _l(
                            "Hoàn qua %(method)s; tiền về tài khoản của bạn tuỳ thời gian xử lý của ngân hàng.",
                            method=method,
                        )
                    )
                )
        if order_cancelled:
            lines += [
                "",
                str(
                    _l(
                        "Đơn hàng %(code)s chưa thanh toán nên cũng đã được huỷ: bạn không cần thanh toán.",
                        code=order.code,
                    )
                ),
            ]
            subject = _l("Đặt chỗ %(code)s và đơn hàng %(order)s đã huỷ", code=booking.code, order=order.code)
        else:
            subject = _l("Đặt chỗ %(code)s đã huỷ", code=booking.code)
        _send(booking, subject, "\n".join(lines))


def _refunded_through(booking: Booking) -> str | None:
    """The payment method that gave this booking's share back (its refund's label), if one did."""
    key = refund_key(booking)
    for payment in booking.order.payments if booking.order is not None else []:
        if any(refund.request_key == key for refund in payment.refunds):
            return str(PAYMENT_METHOD_LABELS[payment.method])
    return None


def send_reminders(now: datetime | None = None) -> int:
    """Remind the guests of tomorrow's sessions (Vietnam dates) once each; periodic job, commits."""
    now = now or utcnow()
    tomorrow = now.astimezone(VIETNAM_TZ).date() + timedelta(days=1)
    due = db.session.scalars(
        select(Booking)
        .join(ExperienceSession, Booking.session_id == ExperienceSession.id)
        .where(
            ExperienceSession.day == tomorrow,
            ExperienceSession.is_cancelled.is_(False),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminded_at.is_(None),
        )
    ).all()
    sent = 0
    for booking in due:
        # Claimed by a guarded update: two schedulers never remind one booking twice.
        claimed = db.session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        with force_locale(booking.language or "vi"):
            experience = booking.session.experience
            lines = [
                str(_l("Nhắc lịch: ngày mai bạn có lịch tham quan.")),
                "",
                booking.experience_name,
                _summary_text(booking),
            ]
            if experience.bring_vi:
                bring = experience.bring_en if booking.language == "en" and experience.bring_en else experience.bring_vi
                lines.append(str(_l("Nên mang theo: %(items)s", items=bring)))
            producer = experience.product.producer
            if producer.phone:
                lines.append(str(_l("Liên hệ chủ nhà: %(phone)s", phone=display_phone(producer.phone))))
            _send(booking, _l("Nhắc lịch tham quan ngày mai (%(code)s)", code=booking.code), "\n".join(lines))
        sent += 1
    db.session.commit()
    return sent

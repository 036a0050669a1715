"""Words pages and mail use for bookings: status names, weekday names, Vietnam times."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from storefront.clock import VIETNAM_TZ
from storefront.experiences.forms import WEEKDAYS
from storefront.experiences.models import BookingStatus

STATUS_LABELS = {
    BookingStatus.HELD: _l("Đang giữ chỗ"),
    BookingStatus.CONFIRMED: _l("Đã xác nhận"),
    BookingStatus.CHECKED_IN: _l("Đã đến"),
    BookingStatus.NO_SHOW: _l("Không đến"),
    BookingStatus.CANCELLED: _l("Đã huỷ"),
    BookingStatus.EXPIRED: _l("Hết hạn giữ chỗ"),
}


def booking_status_label(status: BookingStatus) -> str:
    return str(STATUS_LABELS[status])


def weekday_name(day: date) -> str:
    return str(dict(WEEKDAYS)[day.weekday()])


def vn_datetime(moment: datetime) -> str:
    """ "14/12/2026 08:00" in Vietnam time."""
    return moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")


def weekday_name_of(weekday: int) -> str:
    return str(dict(WEEKDAYS)[weekday])

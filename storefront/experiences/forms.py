"""Forms of the booking page, the voucher (cancel, stay details) and the host's pages."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from storefront.accounts.forms import validate_vn_phone
from storefront.forms import BaseForm as FlaskForm

WEEKDAYS = [
    (0, _l("Thứ Hai")),
    (1, _l("Thứ Ba")),
    (2, _l("Thứ Tư")),
    (3, _l("Thứ Năm")),
    (4, _l("Thứ Sáu")),
    (5, _l("Thứ Bảy")),
    (6, _l("Chủ Nhật")),
]


class BookingForm(FlaskForm):
    adults = IntegerField(_l("Người lớn"), default=2, validators=[InputRequired(), NumberRange(min=0, max=500)])
    children = IntegerField(_l("Trẻ em"), default=0, validators=[InputRequired(), NumberRange(min=0, max=500)])
    extras = SelectMultipleField(
        _l("Dịch vụ thêm"),
        coerce=int,
        validate_choice=True,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    contact_name = StringField(_l("Họ và tên người đặt"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Số điện thoại di động"), validators=[DataRequired(), validate_vn_phone])
    email = EmailField(_l("Email (nhận phiếu đặt chỗ và lịch)"), validators=[Optional(), Email(), Length(max=254)])
    payment = RadioField(_l("Thanh toán"), validators=[DataRequired()])


class CancelBookingForm(FlaskForm):
    reason = TextAreaField(_l("Lý do huỷ"), validators=[Optional(), Length(max=300)])


class HostCancelForm(FlaskForm):
    reason = TextAreaField(_l("Lý do huỷ (gửi cho khách)"), validators=[DataRequired(), Length(max=300)])


class StayGuestForm(FlaskForm):
    class Meta:
        csrf = False

    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    birth_date = DateField(_l("Ngày sinh"), validators=[DataRequired()])
    id_number = StringField(_l("Số CCCD / hộ chiếu"), validators=[DataRequired(), Length(max=20)])
    nationality = StringField(
        _l("Quốc tịch (mã 2 chữ, ví dụ VN)"), default="VN", validators=[DataRequired(), Length(2, 2)]
    )


class StayDetailsForm(FlaskForm):
    guests = FieldList(FormField(StayGuestForm), min_entries=1)
    consent = BooleanField(
        _l(
            "Tôi đồng ý cung cấp các thông tin này chỉ để chủ nhà khai báo lưu trú; sàn xoá chúng sau khi kết thúc chuyến đi."
        ),
        validators=[DataRequired()],
    )


class CheckInForm(FlaskForm):
    code = StringField(_l("Mã đặt chỗ"), validators=[DataRequired(), Length(max=24)])


class RuleForm(FlaskForm):
    weekday = SelectField(_l("Ngày trong tuần"), coerce=int, choices=WEEKDAYS)
    start_time = TimeField(_l("Giờ bắt đầu"), validators=[DataRequired()])
    capacity = IntegerField(_l("Số chỗ"), validators=[InputRequired(), NumberRange(min=1, max=10_000)])


class SessionForm(FlaskForm):
    day = DateField(_l("Ngày"), validators=[DataRequired()])
    start_time = TimeField(_l("Giờ bắt đầu"), validators=[DataRequired()])
    capacity = IntegerField(_l("Số chỗ"), validators=[InputRequired(), NumberRange(min=1, max=10_000)])


class BlackoutForm(FlaskForm):
    day = DateField(_l("Ngày nghỉ"), validators=[DataRequired()])
    reason = StringField(_l("Lý do (không bắt buộc)"), validators=[Optional(), Length(max=200)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""

"""Forms of the booking page, the voucher (cancel, stay details) and the host's pages."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
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
    weekday = SelectField(_l("Ngày trong tuần"), coerce=int, choices=[SelectChoice(v, label) for v, label in WEEKDAYS])
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


LANGUAGES = [("vi", _l("Tiếng Việt")), ("en", _l("Tiếng Anh"))]


class ExperienceForm(FlaskForm):
    """The host's details of an experience; the rules (ward in the province, coordinates) are in hosting.py."""

    duration_minutes = IntegerField(
        _l("Thời lượng (phút)"), default=240, validators=[InputRequired(), NumberRange(1, 7 * 24 * 60)]
    )
    nights = IntegerField(
        _l("Số đêm (0 nếu đi trong ngày)"), default=0, validators=[InputRequired(), NumberRange(0, 30)]
    )
    meeting_ward_code = SelectField(_l("Điểm hẹn: xã / phường (tỉnh Thái Nguyên)"), coerce=int)
    meeting_address = StringField(_l("Điểm hẹn: địa chỉ"), validators=[DataRequired(), Length(max=300)])
    latitude = FloatField(_l("Vĩ độ (không bắt buộc)"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Kinh độ (không bắt buộc)"), validators=[Optional(), NumberRange(-180, 180)])
    languages = SelectMultipleField(
        _l("Ngôn ngữ hướng dẫn"),
        choices=[SelectChoice(code, label) for code, label in LANGUAGES],
        default=["vi"],
        validators=[DataRequired()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    included_vi = TextAreaField(_l("Đã bao gồm"), validators=[Optional(), Length(max=2000)])
    included_en = TextAreaField(_l("Đã bao gồm (tiếng Anh)"), validators=[Optional(), Length(max=2000)])
    bring_vi = TextAreaField(_l("Nên mang theo"), validators=[Optional(), Length(max=2000)])
    bring_en = TextAreaField(_l("Nên mang theo (tiếng Anh)"), validators=[Optional(), Length(max=2000)])
    min_guests = IntegerField(
        _l("Số khách tối thiểu mỗi lần đặt"), default=1, validators=[InputRequired(), NumberRange(1, 500)]
    )
    max_guests = IntegerField(
        _l("Số khách tối đa mỗi lần đặt"), default=10, validators=[InputRequired(), NumberRange(1, 500)]
    )
    child_max_age = IntegerField(
        _l("Giá trẻ em cho trẻ đến (tuổi)"), default=11, validators=[InputRequired(), NumberRange(0, 17)]
    )
    min_age = IntegerField(
        _l("Tuổi tối thiểu (0: mọi lứa tuổi)"), default=0, validators=[InputRequired(), NumberRange(0, 99)]
    )
    adult_price_vnd = IntegerField(
        _l("Giá người lớn (đồng)"), validators=[InputRequired(), NumberRange(0, 100_000_000)]
    )
    child_price_vnd = IntegerField(_l("Giá trẻ em (đồng)"), validators=[InputRequired(), NumberRange(0, 100_000_000)])
    free_cancel_hours = IntegerField(
        _l("Khách huỷ miễn phí đến trước giờ bắt đầu (giờ)"),
        default=24,
        validators=[InputRequired(), NumberRange(0, 720)],
    )
    allow_pay_at_venue = BooleanField(_l("Nhận thanh toán tại điểm tham quan"), default=True)

    def setup(self):
        from storefront.addresses import THAI_NGUYEN, wards

        self.meeting_ward_code.choices = [SelectChoice(0, _l("– Chọn xã / phường –"))] + [
            SelectChoice(code, name) for code, name in wards(THAI_NGUYEN)
        ]
        if self.languages.data and isinstance(self.languages.data, str):
            self.languages.data = self.languages.data.split(",")
        return self

    def values(self) -> dict:
        names = [
            "duration_minutes", "nights", "meeting_ward_code", "meeting_address", "latitude", "longitude",
            "included_vi", "included_en", "bring_vi", "bring_en", "min_guests", "max_guests", "child_max_age",
            "min_age", "adult_price_vnd", "child_price_vnd", "free_cancel_hours", "allow_pay_at_venue",
        ]  # fmt: skip
        values = {name: getattr(self, name).data for name in names}
        values["languages"] = ",".join(code for code, _label in LANGUAGES if code in (self.languages.data or []))
        for name in ("included_vi", "included_en", "bring_vi", "bring_en", "meeting_address"):
            values[name] = (values[name] or "").strip()
        return values

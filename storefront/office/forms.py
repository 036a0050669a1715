"""Office forms: reasons, certificates, council decision import, scoresheets, reports."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from storefront.catalog.models import CriteriaSet, IssuingLevel
from storefront.forms import BaseForm as FlaskForm  # Flask-WTF, its messages translated
from storefront.office.register import LEVEL_NAMES


def choices(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into SelectField choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


CRITERIA_CHOICES = choices((c.value, c.value) for c in reversed(CriteriaSet))
LEVEL_CHOICES = choices((level.value, LEVEL_NAMES[level]) for level in IssuingLevel)
STAR_CHOICES = choices((n, f"{n} ★") for n in range(5, 0, -1))


class ConfirmForm(FlaskForm):
    """A POST with only its CSRF token (approve, reinstate, unhide)."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Lý do"), validators=[DataRequired(), Length(max=500)])


class Gs1PrefixForm(FlaskForm):
    """The GS1 company prefix of a producer's licence, as the office reads it off the licence."""

    gs1_prefix = StringField(_l("Mã doanh nghiệp GS1"), validators=[Length(max=40)], render_kw={"inputmode": "numeric"})


class HideProductForm(ReasonForm):
    """Hide a product; for an experience, optionally cancel its bookings not yet started."""

    cancel_bookings = BooleanField(_l("Huỷ các đặt chỗ sắp tới, hoàn tiền và báo khách"))


class RefundForm(FlaskForm):
    """A refund through the payment provider: how much (whole đồng) and why."""

    amount_vnd = IntegerField(_l("Số tiền hoàn (đồng)"), validators=[InputRequired(), NumberRange(min=1)])
    reason = TextAreaField(_l("Lý do"), validators=[DataRequired(), Length(max=300)])
    #: One per rendered form, sent to the provider: the same form submitted twice refunds once.
    request_key = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9]{8,24}$")])


class DecisionFields(FlaskForm):
    """What a recognition decision says, shared by the register, the import and the chair."""

    issuing_level = SelectField(_l("Cấp công nhận"), choices=LEVEL_CHOICES, default=IssuingLevel.PROVINCE.value)
    issuing_body = StringField(
        _l("Cơ quan ban hành"), default="UBND tỉnh Thái Nguyên", validators=[DataRequired(), Length(max=200)]
    )
    decision_number = StringField(_l("Số quyết định"), validators=[DataRequired(), Length(max=60)])
    decision_date = DateField(_l("Ngày quyết định"), validators=[DataRequired()])


class CertifyForm(DecisionFields):
    valid_until = DateField(_l("Hiệu lực đến (để trống: 36 tháng)"), validators=[Optional()])
    document = FileField(_l("Bản quét quyết định (PDF, JPEG, PNG)"))


class CertificateForm(CertifyForm):
    product_id = SelectField(_l("Sản phẩm"), coerce=int, validators=[DataRequired()])
    stars = SelectField(_l("Số sao"), choices=STAR_CHOICES, coerce=int, default=4)
    score = IntegerField(_l("Điểm (nếu công bố)"), validators=[Optional(), NumberRange(0, 100)])
    criteria_set = SelectField(_l("Bộ tiêu chí"), choices=CRITERIA_CHOICES)


class ImportForm(DecisionFields):
    criteria_set = SelectField(_l("Bộ tiêu chí"), choices=CRITERIA_CHOICES)
    file = FileField(_l("Danh sách sản phẩm (CSV: product, stars, score, valid_until)"), validators=[FileRequired()])


class EvaluationForm(FlaskForm):
    product_id = SelectField(_l("Sản phẩm dự thi"), coerce=int, validators=[DataRequired()])
    criteria_set_id = SelectField(_l("Bộ tiêu chí"), coerce=int, validators=[DataRequired()])
    chair_id = SelectField(_l("Chủ tịch hội đồng"), coerce=int, validators=[DataRequired()])


def scoresheet_form(parts, **kwargs) -> FlaskForm:
    """Build a scoresheet form with one bounded field per criteria part."""

    class ScoresheetForm(FlaskForm):
        fails_mandatory = BooleanField(_l("Không đáp ứng yêu cầu bắt buộc (không đạt)"))
        note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000)])

    for part in parts:
        setattr(
            ScoresheetForm,
            f"part_{part.code}",
            IntegerField(
                f"{part.code}. {part.label} (0–{part.max_points})",
                validators=[
                    InputRequired(),
                    NumberRange(
                        0,
                        part.max_points,
                        message=_l("Phần %(code)s chấm từ 0 đến %(max)s điểm.", code=part.code, max=part.max_points),
                    ),
                ],
            ),
        )
    return ScoresheetForm(**kwargs)


class ReportForm(FlaskForm):
    status = SelectField(
        _l("Kết luận"), choices=choices([("confirmed", _l("Xác nhận hàng giả")), ("dismissed", _l("Không có cơ sở"))])
    )
    resolution = TextAreaField(_l("Cách xử lý"), validators=[DataRequired(), Length(max=500)])

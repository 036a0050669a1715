"""Forms on the origin page: counterfeit report and scratch-off PIN check."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from storefront.forms import BaseForm as FlaskForm  # Flask-WTF, its messages translated
from traceability.stamps.pins import PIN_DIGITS


class ReportForm(FlaskForm):
    #: The scanned path (/01/… or /t/…), resolved again on submit rather than trusting ids.
    code = HiddenField(validators=[Length(max=300)])
    message = TextAreaField(_l("Điều bạn thấy bất thường"), validators=[DataRequired(), Length(max=2000)])
    where_bought = StringField(_l("Nơi mua (cửa hàng, địa chỉ, trang web)"), validators=[Optional(), Length(max=300)])
    contact = StringField(
        _l("Số điện thoại hoặc email để liên hệ (không bắt buộc)"), validators=[Optional(), Length(max=200)]
    )


class PinForm(FlaskForm):
    code = HiddenField(validators=[DataRequired(), Length(max=300)])
    pin = StringField(
        _l("Mã PIN dưới lớp cào"),
        validators=[
            DataRequired(),
            Regexp(rf"^\s*[0-9]{{{PIN_DIGITS}}}\s*$", message=_l("Mã PIN gồm %(n)s chữ số.", n=PIN_DIGITS)),
        ],
    )

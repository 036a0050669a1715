"""Sign-in, sign-up and password reset forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from storefront.text import PhoneError, normalize_phone


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(message=_l("Địa chỉ email không hợp lệ.")), Length(max=254)]
    )
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))


def validate_vn_phone(form, field):
    """WTForms validator: a Vietnamese mobile number, stored as E.164."""
    if not field.data:
        return
    try:
        field.data = normalize_phone(field.data)
    except PhoneError as exc:
        raise ValidationError(_l("Số điện thoại di động Việt Nam không hợp lệ (10 số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).")) from exc


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), validate_vn_phone])
    password = PasswordField(
        _l("Mật khẩu"), validators=[DataRequired(), Length(min=8, max=200, message=_l("Mật khẩu cần từ 8 ký tự trở lên."))]
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"), validators=[DataRequired(), EqualTo("password", message=_l("Mật khẩu không khớp."))]
    )
    accept_privacy = BooleanField(
        _l("Tôi đồng ý với chính sách bảo vệ dữ liệu cá nhân"), validators=[DataRequired(message=_l("Bạn cần đồng ý để tiếp tục."))]
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Mật khẩu mới"), validators=[DataRequired(), Length(min=8, max=200, message=_l("Mật khẩu cần từ 8 ký tự trở lên."))]
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"), validators=[DataRequired(), EqualTo("password", message=_l("Mật khẩu không khớp."))]
    )

"""Sign-in, sign-up and password reset forms."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from storefront.accounts.passwords import contains_personal_words, is_guessable
from storefront.forms import BaseForm as FlaskForm  # Flask-WTF, its messages translated
from storefront.text import PhoneError, normalize_phone


def strong_password(form, field):
    """WTForms validator: refuse passwords zxcvbn finds guessable or that hold the e-mail or name.

    The e-mail and name come from the form's own fields, else from ``form.account`` (the user
    whose password this is, set by the view).
    """
    if not field.data or len(field.data) < 8:
        return  # Length says so
    account = getattr(form, "account", None)
    email = form.email.data if "email" in form and form.email.data else getattr(account, "email", "")
    full_name = (
        form.full_name.data if "full_name" in form and form.full_name.data else getattr(account, "full_name", "")
    )
    if contains_personal_words(field.data, email=email or "", full_name=full_name or ""):
        raise ValidationError(_l("Mật khẩu không được chứa email hay tên của bạn."))
    if is_guessable(field.data, email=email or "", full_name=full_name or ""):
        raise ValidationError(
            _l(
                "Mật khẩu này dễ bị đoán. Hãy dùng 3–4 từ không liên quan ghép lại, hoặc từ 12 ký tự trở lên; "
                "tránh dãy số, chữ lặp lại, ngày sinh, tên hay email."
            )
        )


def new_password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(min=8, max=200, message=_l("Mật khẩu cần từ 8 ký tự trở lên.")),
            strong_password,
        ],
    )


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
        raise ValidationError(
            _l("Số điện thoại di động Việt Nam không hợp lệ (10 số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).")
        ) from exc


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), validate_vn_phone])
    password = new_password_field(_l("Mật khẩu"))
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"), validators=[DataRequired(), EqualTo("password", message=_l("Mật khẩu không khớp."))]
    )
    accept_privacy = BooleanField(
        _l("Tôi đồng ý với chính sách bảo vệ dữ liệu cá nhân"),
        validators=[DataRequired(message=_l("Bạn cần đồng ý để tiếp tục."))],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("Mật khẩu mới"))
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"), validators=[DataRequired(), EqualTo("password", message=_l("Mật khẩu không khớp."))]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(), Length(max=200)])
    password = new_password_field(_l("Mật khẩu mới"))
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"), validators=[DataRequired(), EqualTo("password", message=_l("Mật khẩu không khớp."))]
    )

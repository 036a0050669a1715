"""Checkout steps and the guest order look-up form."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from storefront.accounts.forms import validate_vn_phone
from storefront.addresses import provinces, wards
from storefront.forms import BaseForm as FlaskForm  # Flask-WTF, its messages translated
from storefront.forms import FixedListSelect

EMAIL_FOR_VOUCHER = _l("Vui lòng nhập email để nhận phiếu đặt chỗ.")


class BookingContactForm(FlaskForm):
    """Who books: all a cart of visits only needs (no address: nothing is shipped)."""

    contact_name = StringField(_l("Họ và tên người đặt"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Số điện thoại di động"), validators=[DataRequired(), validate_vn_phone])
    email = EmailField(
        _l("Email (nhận phiếu đặt chỗ)"),
        validators=[DataRequired(message=EMAIL_FOR_VOUCHER), Email(), Length(max=254)],
    )


class ContactForm(BookingContactForm):
    """Who receives the goods, and where."""

    contact_name = StringField(_l("Họ và tên người nhận"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("Email (không bắt buộc khi thanh toán khi nhận hàng)"), validators=[Optional(), Email(), Length(max=254)]
    )
    province_code = SelectField(
        _l("Tỉnh / thành phố"), coerce=int, validators=[DataRequired()], widget=FixedListSelect()
    )
    ward_code = SelectField(
        _l("Phường / xã"),
        coerce=int,
        validate_choice=False,
        widget=FixedListSelect(),
        validators=[DataRequired(message=_l("Vui lòng chọn phường / xã."))],
    )
    street = StringField(_l("Số nhà, đường, thôn / xóm"), validators=[DataRequired(), Length(max=200)])

    def fill_choices(self, province_code) -> None:
        """Offer every province and the wards of the chosen one (Thái Nguyên by default)."""
        self.province_code.choices = provinces()
        self.wards_province = province_code or provinces()[0][0]
        self.ward_code.choices = [(0, _l("— Chọn phường / xã —"))] + wards(self.wards_province)


class OptionsForm(FlaskForm):
    delivery_method = RadioField(_l("Hình thức giao hàng"), validators=[DataRequired()])
    payment_method = RadioField(_l("Phương thức thanh toán"), validators=[DataRequired()])
    note = TextAreaField(_l("Ghi chú cho người bán (không bắt buộc)"), validators=[Optional(), Length(max=500)])


class PlaceOrderForm(FlaskForm):
    idempotency_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    #: The total the review page showed; the order is only made at that total. Not signed:
    #: it never sets a price, it only stops the order when the server's total differs.
    reviewed_total_vnd = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0)])


class CancelOrderForm(FlaskForm):
    reason = TextAreaField(_l("Lý do huỷ (không bắt buộc)"), validators=[Optional(), Length(max=500)])


class LookupForm(FlaskForm):
    code = StringField(
        _l("Mã đơn hàng"),
        validators=[
            DataRequired(),
            Length(max=16),
            Regexp(
                r"^\s*[Tt][Nn]-?[0-9A-Za-z]{6}\s*$", message=_l("Mã đơn gồm TN- và 6 chữ hoặc số, ví dụ TN-7F3K9Q.")
            ),
        ],
    )
    phone = StringField(_l("Số điện thoại đặt hàng"), validators=[DataRequired(), validate_vn_phone])

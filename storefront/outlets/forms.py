"""The point-of-sale form the office and producers fill in, and the public list's filters."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from storefront.addresses import THAI_NGUYEN, wards
from storefront.forms import BaseForm, CheckboxesField
from storefront.outlets.models import OutletKind
from storefront.outlets.services import OutletInput

KIND_NAMES = {
    OutletKind.PROVINCIAL_CENTRE: _l("Trung tâm OCOP tỉnh"),
    OutletKind.SHOWROOM: _l("Phòng trưng bày"),
    OutletKind.TOURIST_SHOP: _l("Cửa hàng tại điểm du lịch"),
    OutletKind.SUPERMARKET: _l("Siêu thị"),
    OutletKind.CONVENIENCE_STORE: _l("Cửa hàng tiện lợi"),
    OutletKind.MARKET_STALL: _l("Quầy hàng tại chợ"),
}


def kind_name(kind: OutletKind):
    return KIND_NAMES[kind]


class OutletForm(BaseForm):
    name = StringField(_l("Tên điểm bán"), validators=[Length(max=200)])
    kind = SelectField(_l("Loại điểm bán"))
    ward_code = SelectField(_l("Xã / phường (tỉnh Thái Nguyên)"), coerce=int)
    street = StringField(_l("Số nhà, đường, thôn / xóm"), validators=[Length(max=200)])
    latitude = FloatField(_l("Vĩ độ (ví dụ 21.5942)"), validators=[Optional()])
    longitude = FloatField(_l("Kinh độ (ví dụ 105.8482)"), validators=[Optional()])
    opening_hours = StringField(
        _l("Giờ mở cửa"), validators=[Length(max=200)], render_kw={"placeholder": "7:30–21:00 hằng ngày"}
    )
    phone = StringField(_l("Điện thoại"), validators=[Length(max=30)], render_kw={"inputmode": "tel"})
    product_ids = CheckboxesField(_l("Sản phẩm có bán tại đây"), coerce=int)
    is_active = BooleanField(_l("Đang hoạt động"), default=True)

    def setup(self, products, *, office: bool):
        kinds = [k for k in OutletKind if office or k is not OutletKind.PROVINCIAL_CENTRE]
        self.kind.choices = [SelectChoice(k.value, KIND_NAMES[k]) for k in kinds]
        self.ward_code.choices = [SelectChoice(0, _l("– Chọn xã / phường –"))] + [
            SelectChoice(code, name) for code, name in wards(THAI_NGUYEN)
        ]
        self.product_ids.choices = [SelectChoice(p.id, f"{p.name_vi} – {p.producer.name}") for p in products]
        return self

    def to_input(self) -> OutletInput:
        return OutletInput(
            name=self.name.data or "",
            kind=self.kind.data or "",
            ward_code=self.ward_code.data or None,
            street=self.street.data or "",
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            opening_hours=self.opening_hours.data or "",
            phone=self.phone.data or "",
            product_ids=tuple(self.product_ids.data or ()),
            is_active=bool(self.is_active.data),
        )

    def fill_from(self, outlet) -> None:
        self.product_ids.data = [p.id for p in outlet.products]
        self.kind.data = outlet.kind.value

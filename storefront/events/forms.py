"""The office's event form."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FloatField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from storefront.addresses import THAI_NGUYEN, wards
from storefront.events.models import EventLevel
from storefront.events.services import EventInput
from storefront.forms import BaseForm, CheckboxesField

LEVEL_NAMES = {
    EventLevel.NATIONAL: _l("Cấp quốc gia"),
    EventLevel.REGIONAL: _l("Cấp vùng"),
    EventLevel.PROVINCE: _l("Cấp tỉnh"),
    EventLevel.COMMUNE: _l("Cấp xã"),
}


def level_name(level: EventLevel):
    return LEVEL_NAMES[level]


class EventForm(BaseForm):
    name = StringField(_l("Tên hội chợ, sự kiện"), validators=[Length(max=200)])
    level = SelectField(_l("Cấp tổ chức"))
    starts_on = DateField(_l("Ngày bắt đầu"), validators=[Optional()])
    ends_on = DateField(_l("Ngày kết thúc"), validators=[Optional()])
    venue = StringField(_l("Địa điểm (tên)"), validators=[Length(max=200)])
    ward_code = SelectField(_l("Xã / phường (tỉnh Thái Nguyên)"), coerce=int)
    street = StringField(_l("Số nhà, đường, thôn / xóm"), validators=[Length(max=200)])
    latitude = FloatField(_l("Vĩ độ (ví dụ 21.5942)"), validators=[Optional()])
    longitude = FloatField(_l("Kinh độ (ví dụ 105.8482)"), validators=[Optional()])
    description = TextAreaField(_l("Giới thiệu"), validators=[Length(max=5000)])
    producer_ids = CheckboxesField(_l("Chủ thể tham gia"), coerce=int)
    product_ids = CheckboxesField(_l("Sản phẩm trưng bày"), coerce=int)

    def setup(self, producers, products):
        self.level.choices = [SelectChoice(k.value, name) for k, name in LEVEL_NAMES.items()]
        self.ward_code.choices = [SelectChoice(0, _l("– Chọn xã / phường –"))] + [
            SelectChoice(code, name) for code, name in wards(THAI_NGUYEN)
        ]
        self.producer_ids.choices = [SelectChoice(p.id, p.name) for p in producers]
        self.product_ids.choices = [SelectChoice(p.id, f"{p.name_vi} – {p.producer.name}") for p in products]
        return self

    def to_input(self) -> EventInput:
        return EventInput(
            name=self.name.data or "",
            level=self.level.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            ward_code=self.ward_code.data or None,
            venue=self.venue.data or "",
            street=self.street.data or "",
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            description=self.description.data or "",
            producer_ids=tuple(self.producer_ids.data or ()),
            product_ids=tuple(self.product_ids.data or ()),
        )

    def fill_from(self, event) -> None:
        self.level.data = event.level.value
        self.producer_ids.data = [p.id for p in event.producers]
        self.product_ids.data = [p.id for p in event.products]

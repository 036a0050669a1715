"""Producer dashboard forms; they carry input, the rules live in storefront.catalog.editing."""

from flask_babel import LazyString, format_number
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from storefront.accounts.forms import new_password_field, validate_vn_phone
from storefront.addresses import THAI_NGUYEN, wards
from storefront.catalog.groups import GROUPS
from storefront.catalog.marketplaces import MARKETPLACES
from storefront.catalog.models import LegalType
from storefront.forms import BaseForm as FlaskForm  # Flask-WTF, its messages translated
from traceability.stamps.services import MAX_PIN_STAMPS_PER_ISSUE, MAX_STAMPS_PER_ISSUE


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


LEGAL_TYPES = _choices(
    [
        (LegalType.COOPERATIVE.value, _l("Hợp tác xã (HTX)")),
        (LegalType.COOP_GROUP.value, _l("Tổ hợp tác (THT)")),
        (LegalType.ENTERPRISE.value, _l("Doanh nghiệp nhỏ và vừa")),
        (LegalType.HOUSEHOLD.value, _l("Hộ kinh doanh có đăng ký")),
    ]
)

#: CBV business steps offered when adding a trace event (GS1 Core Business Vocabulary).
BIZ_STEPS = _choices(
    [
        ("growing", _l("Canh tác")),
        ("harvesting", _l("Thu hoạch")),
        ("receiving", _l("Nhận nguyên liệu")),
        ("commissioning", _l("Sản xuất, chế biến")),
        ("inspecting", _l("Kiểm tra chất lượng")),
        ("packing", _l("Đóng gói")),
        ("storing", _l("Lưu kho")),
        ("shipping", _l("Xuất hàng")),
    ]
)


#: Fulfilment status -> what the producer reads.
FULFILMENT_LABELS = {
    "pending": _l("Chờ đóng gói"),
    "packed": _l("Đã đóng gói"),
    "shipped": _l("Đang giao"),
    "delivered": _l("Đã giao"),
    "cancelled": _l("Đã huỷ"),
}


def ward_choices():
    return _choices([("", _l("— Chọn xã/phường —"))] + [(str(code), name) for code, name in wards(THAI_NGUYEN)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class ProducerDetailsForm(FlaskForm):
    name = StringField(
        _l("Tên cơ sở (HTX, tổ hợp tác, doanh nghiệp, hộ kinh doanh)"), validators=[DataRequired(), Length(max=200)]
    )
    legal_type = SelectField(_l("Loại hình"), choices=LEGAL_TYPES, validators=[DataRequired()])
    business_reg_no = StringField(
        _l("Số giấy chứng nhận đăng ký kinh doanh"), validators=[DataRequired(), Length(max=30)]
    )
    business_reg_date = DateField(_l("Ngày cấp"), validators=[Optional()])
    business_reg_place = StringField(_l("Nơi cấp"), validators=[Optional(), Length(max=200)])
    tax_code = StringField(_l("Mã số thuế"), validators=[Optional(), Length(max=20)])
    phone = StringField(_l("Số điện thoại di động"), validators=[DataRequired(), validate_vn_phone])
    representative = StringField(_l("Người đại diện"), validators=[Optional(), Length(max=120)])
    ward_code = SelectField(_l("Xã/phường (tỉnh Thái Nguyên, từ 01/7/2025)"), validators=[DataRequired()])
    street = StringField(_l("Thôn, xóm, số nhà, đường"), validators=[DataRequired(), Length(max=200)])
    legacy_address = StringField(_l("Địa chỉ cũ (trên giấy tờ trước 7/2025)"), validators=[Optional(), Length(max=300)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ward_code.choices = ward_choices()

    def producer_fields(self) -> dict:
        return {
            name: getattr(self, name).data
            for name in (
                "name",
                "legal_type",
                "business_reg_no",
                "business_reg_date",
                "business_reg_place",
                "tax_code",
                "phone",
                "representative",
                "ward_code",
                "street",
                "legacy_address",
            )
        }


class RegisterProducerForm(ProducerDetailsForm):
    full_name = StringField(_l("Họ và tên người quản lý tài khoản"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email đăng nhập"), validators=[DataRequired(), Email(), Length(max=254)])
    password = new_password_field(_l("Mật khẩu"))
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"), validators=[DataRequired(), EqualTo("password", message=_l("Mật khẩu không khớp."))]
    )
    consent = BooleanField(
        _l("Tôi cam kết thông tin là đúng và đồng ý với điều khoản, chính sách bảo vệ dữ liệu cá nhân"),
        validators=[DataRequired(message=_l("Bạn cần đồng ý để tiếp tục."))],
    )


class ShopperRegisterProducerForm(ProducerDetailsForm):
    """The same details for a signed-in shopper, whose account becomes the producer's."""

    consent = RegisterProducerForm.consent


class ProfileForm(FlaskForm):
    phone = StringField(_l("Số điện thoại di động"), validators=[DataRequired(), validate_vn_phone])
    email = EmailField(_l("Email liên hệ"), validators=[Optional(), Email(), Length(max=254)])
    representative = StringField(_l("Người đại diện"), validators=[Optional(), Length(max=120)])
    ward_code = SelectField(_l("Xã/phường"), validators=[DataRequired()])
    street = StringField(_l("Thôn, xóm, số nhà, đường"), validators=[DataRequired(), Length(max=200)])
    legacy_address = StringField(_l("Địa chỉ cũ"), validators=[Optional(), Length(max=300)])
    story_md = TextAreaField(
        _l("Câu chuyện sản phẩm (Markdown)"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 14}
    )
    website = StringField(
        _l("Website của cơ sở"),
        validators=[Optional(), Length(max=300)],
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ward_code.choices = ward_choices()

    def producer_fields(self) -> dict:
        return {
            name: getattr(self, name).data
            for name in (
                "phone",
                "email",
                "representative",
                "ward_code",
                "street",
                "legacy_address",
                "story_md",
                "website",
            )
        }


class ProductForm(FlaskForm):
    name_vi = StringField(_l("Tên sản phẩm (tiếng Việt)"))
    name_en = StringField(_l("Tên tiếng Anh"))
    ocop_group = SelectField(
        _l("Nhóm sản phẩm OCOP"),
        choices=_choices(
            [("", _l("— Chọn nhóm —"))] + [(str(k), LazyString("{}. {}".format, k, v)) for k, v in GROUPS.items()]
        ),
    )
    ocop_subgroup = StringField(_l("Phân nhóm (ví dụ I.5.a)"))
    price_vnd = StringField(_l("Giá bán (đồng, đã gồm thuế)"), render_kw={"inputmode": "numeric"})
    unit = StringField(_l("Đơn vị bán (hộp, gói, chai…)"))
    net_quantity = StringField(_l("Khối lượng/thể tích tịnh (ví dụ 200 g)"))
    gtin = StringField(_l("Mã vạch GTIN (nếu có)"), render_kw={"inputmode": "numeric"})
    description_vi = TextAreaField(_l("Mô tả (tiếng Việt)"))
    description_en = TextAreaField(_l("Mô tả tiếng Anh"))
    ingredients = TextAreaField(_l("Thành phần"))
    usage = TextAreaField(_l("Hướng dẫn sử dụng"))
    storage = TextAreaField(_l("Hướng dẫn bảo quản"))
    image = FileField(
        _l("Ảnh sản phẩm (JPEG, PNG hoặc WebP, tối đa 5 MB)"), render_kw={"accept": "image/jpeg,image/png,image/webp"}
    )

    TEXT_FIELDS = (
        "name_vi",
        "name_en",
        "ocop_group",
        "ocop_subgroup",
        "price_vnd",
        "unit",
        "net_quantity",
        "gtin",
        "description_vi",
        "description_en",
        "ingredients",
        "usage",
        "storage",
    )

    def product_fields(self) -> dict:
        return {name: getattr(self, name).data or "" for name in self.TEXT_FIELDS}


class ImageForm(FlaskForm):
    """One new photo and what it shows (its alt text, read aloud to blind shoppers)."""

    image = FileField(
        _l("Thêm ảnh (JPEG, PNG hoặc WebP, tối đa 5 MB)"),
        validators=[DataRequired(_l("Chọn một tệp ảnh."))],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    alt = StringField(_l("Ảnh cho thấy gì (tiếng Việt)"), validators=[Optional(), Length(max=200)])
    alt_en = StringField(_l("Ảnh cho thấy gì (tiếng Anh, không bắt buộc)"), validators=[Optional(), Length(max=200)])


class ImageEditForm(FlaskForm):
    """Alt texts of a stored photo plus which button was pressed: save, up, down or delete."""

    alt = StringField(_l("Ảnh cho thấy gì (tiếng Việt)"), validators=[Optional(), Length(max=200)])
    alt_en = StringField(_l("Ảnh cho thấy gì (tiếng Anh, không bắt buộc)"), validators=[Optional(), Length(max=200)])
    action = RadioField(
        choices=_choices([(a, a) for a in ("save", "up", "down", "delete")]), validators=[DataRequired()]
    )


class ImportForm(FlaskForm):
    file = FileField(_l("Tệp CSV (UTF-8)"), validators=[DataRequired()], render_kw={"accept": ".csv,text/csv"})
    mode = RadioField(
        _l("Khi có dòng lỗi"),
        default="all",
        choices=_choices(
            [
                ("all", _l("Không nhập gì cả (sửa tệp rồi tải lại)")),
                ("valid", _l("Nhập các dòng hợp lệ, bỏ qua dòng lỗi")),
            ]
        ),
    )


class BatchForm(FlaskForm):
    lot_code = StringField(_l("Mã lô"), validators=[DataRequired(), Length(max=20)])
    harvest_date = DateField(_l("Ngày thu hoạch"), validators=[Optional()])
    production_date = DateField(_l("Ngày sản xuất"), validators=[Optional()])
    packing_date = DateField(_l("Ngày đóng gói"), validators=[Optional()])
    expiry_date = DateField(_l("Hạn sử dụng"), validators=[Optional()])
    quantity = IntegerField(
        _l("Số lượng (cộng vào tồn kho)"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    growing_area_code = StringField(_l("Mã số vùng trồng"), validators=[Optional(), Length(max=40)])
    standards = StringField(_l("Tiêu chuẩn áp dụng (VietGAP, TCVN, hữu cơ…)"), validators=[Optional(), Length(max=300)])

    def batch_fields(self) -> dict:
        values = {
            name: getattr(self, name).data
            for name in ("lot_code", "harvest_date", "production_date", "packing_date", "expiry_date", "quantity")
        }
        return {
            **values,
            "growing_area_code": self.growing_area_code.data or "",
            "standards": self.standards.data or "",
        }


class TraceEventForm(FlaskForm):
    biz_step = SelectField(_l("Công đoạn"), choices=BIZ_STEPS, validators=[DataRequired()])
    event_time = DateTimeLocalField(_l("Thời điểm"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    location_name = StringField(_l("Địa điểm"), validators=[Optional(), Length(max=200)])
    read_point = StringField(_l("Mã địa điểm (mã vùng trồng, GLN…)"), validators=[Optional(), Length(max=120)])
    description = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})

    def validate_event_time(self, field):
        # Year 1 in Vietnam time is before year 1 in UTC: storing it raised OverflowError (a 500).
        if field.data is not None and field.data.year < 1900:
            raise StopValidation(_l("Chọn một thời điểm từ năm 1900 trở đi."))


class RecallForm(FlaskForm):
    reason = StringField(_l("Lý do thu hồi"), validators=[DataRequired(), Length(max=500)])


class StampForm(FlaskForm):
    """Up to a season's labels (100,000) in one issue: its PDF is made by a job (traceability/stamps/jobs.py)."""

    count = IntegerField(
        _l("Số tem"),
        default=20,
        validators=[InputRequired(_l("Hãy nhập số tem."))],
        render_kw={"min": 1, "max": MAX_STAMPS_PER_ISSUE},
    )
    serialized = BooleanField(_l("Tem riêng từng sản phẩm (số sê-ri)"), default=True)
    with_pin = BooleanField(_l("Kèm mã PIN cào"))

    def validate_count(self, field):
        if field.data is None:
            return  # not a whole number ("1e3", "1.5"): the field's own error says so
        if not 1 <= field.data <= MAX_STAMPS_PER_ISSUE:
            raise StopValidation(_l("Số tem phải từ 1 đến %(n)s.", n=format_number(MAX_STAMPS_PER_ISSUE)))
        # PINs are hashed in the request and shown once on the page that answers it.
        if self.with_pin.data and field.data > MAX_PIN_STAMPS_PER_ISSUE:
            raise StopValidation(
                _l("Tem kèm mã PIN: tối đa %(n)s tem mỗi lần phát hành.", n=format_number(MAX_PIN_STAMPS_PER_ISSUE))
            )


class DisplayStampsForm(FlaskForm):
    serials = TextAreaField(
        _l("Số sê-ri hoặc khoảng sê-ri (ví dụ: A1B2C3D4E5 hoặc A1B2C3D4E5-F6G7H8J9K0)"),
        validators=[DataRequired(), Length(max=20000)],
    )
    action = RadioField(
        _l("Thao tác"),
        choices=_choices([("mark", _l("Đánh dấu là tem trưng bày")), ("unmark", _l("Bỏ đánh dấu trưng bày"))]),
        default="mark",
        validators=[InputRequired()],
    )
    reason = StringField(
        _l("Lý do (ví dụ: trưng bày tại hội chợ OCOP Thái Nguyên 2026)"), validators=[DataRequired(), Length(max=500)]
    )


class ClearWarningForm(FlaskForm):
    reason = StringField(_l("Lý do gỡ cảnh báo"), validators=[DataRequired(), Length(max=500)])


class ShipForm(FlaskForm):
    carrier = StringField(_l("Đơn vị vận chuyển"), validators=[DataRequired(), Length(max=80)])
    tracking_number = StringField(_l("Mã vận đơn"), validators=[DataRequired(), Length(max=80)])


class ListingForm(FlaskForm):
    """A link to the product's page on another marketplace or the producer's own site."""

    marketplace = SelectField(_l("Sàn / website"))
    url = StringField(
        _l("Địa chỉ trang sản phẩm"),
        validators=[DataRequired(_l("Nhập địa chỉ trang sản phẩm.")), Length(max=500)],
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )

    def setup(self, names):
        self.marketplace.choices = [SelectChoice(value, label) for value, label in names]
        return self


class VideoForm(FlaskForm):
    """A YouTube or Facebook clip of a 3–5★ product."""

    url = StringField(
        _l("Đường dẫn video (YouTube hoặc Facebook)"),
        validators=[DataRequired(_l("Dán đường dẫn video.")), Length(max=500)],
        render_kw={"inputmode": "url", "placeholder": "https://www.youtube.com/watch?v=…"},
    )
    title = StringField(_l("Tiêu đề video"), validators=[Optional(), Length(max=200)])


def video_form() -> VideoForm:
    return VideoForm(prefix="video")


def listing_form() -> ListingForm:
    """The add-a-link form on a product's edit page, its choices the accepted marketplaces."""
    return ListingForm(prefix="listing").setup(
        (marketplace.value, name) for marketplace, (name, _domains) in MARKETPLACES.items()
    )

"""The article form (office), the story form (producer) and the scheduling form."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from storefront.addresses import THAI_NGUYEN, wards
from storefront.articles.services import MAX_BODY, MAX_SUMMARY, MAX_TITLE, ArticleInput
from storefront.forms import BaseForm

STATUS_NAMES = {
    "draft": _l("Bản nháp"),
    "submitted": _l("Chờ duyệt"),
    "rejected": _l("Bị từ chối"),
    "scheduled": _l("Hẹn giờ đăng"),
    "published": _l("Đã đăng"),
}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StoryForm(BaseForm):
    """What a producer writes about itself; the office's form adds English text, producers and wards."""

    title = StringField(_l("Tiêu đề"), validators=[Length(max=MAX_TITLE)])
    summary = TextAreaField(_l("Tóm tắt (hiện trong danh sách và khi chia sẻ)"), validators=[Length(max=MAX_SUMMARY)])
    body = TextAreaField(
        _l("Nội dung (Markdown: **đậm**, *nghiêng*, [liên kết](https://…), dòng bắt đầu bằng - là danh sách)"),
        validators=[Length(max=MAX_BODY)],
        render_kw={"rows": 14},
    )
    cover = FileField(
        _l("Ảnh bìa (JPEG, PNG hoặc WebP, tối đa 5 MB; không bắt buộc)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    cover_alt = StringField(_l("Ảnh bìa cho thấy gì (tiếng Việt)"), validators=[Optional(), Length(max=200)])
    product_ids = CheckboxesField(_l("Sản phẩm được nói tới"), coerce=int)

    def setup(self, products, producers=(), *, office: bool = False):
        self.product_ids.choices = [
            SelectChoice(p.id, f"{p.name_vi} – {p.producer.name}" if office else p.name_vi) for p in products
        ]
        return self

    def to_input(self) -> ArticleInput:
        return ArticleInput(
            title=self.title.data or "",
            summary=self.summary.data or "",
            body=self.body.data or "",
            product_ids=tuple(self.product_ids.data or ()),
        )

    def fill_from(self, article) -> None:
        self.product_ids.data = [p.id for p in article.products]


class ArticleForm(StoryForm):
    title_en = StringField(_l("Tiêu đề tiếng Anh (không bắt buộc)"), validators=[Length(max=MAX_TITLE)])
    summary_en = TextAreaField(_l("Tóm tắt tiếng Anh (không bắt buộc)"), validators=[Length(max=MAX_SUMMARY)])
    body_en = TextAreaField(
        _l("Nội dung tiếng Anh (không bắt buộc)"), validators=[Length(max=MAX_BODY)], render_kw={"rows": 8}
    )
    cover_alt_en = StringField(_l("Ảnh bìa cho thấy gì (tiếng Anh)"), validators=[Optional(), Length(max=200)])
    producer_ids = CheckboxesField(_l("Chủ thể được nói tới"), coerce=int)
    ward_codes = SelectMultipleField(_l("Xã / phường được nói tới (giữ Ctrl để chọn nhiều)"), coerce=int)

    def setup(self, products, producers=(), *, office: bool = True):
        super().setup(products, office=True)
        self.producer_ids.choices = [SelectChoice(p.id, p.name) for p in producers]
        self.ward_codes.choices = [SelectChoice(code, name) for code, name in wards(THAI_NGUYEN)]
        return self

    def to_input(self) -> ArticleInput:
        data = super().to_input()
        data.title_en = self.title_en.data or ""
        data.summary_en = self.summary_en.data or ""
        data.body_en = self.body_en.data or ""
        data.producer_ids = tuple(self.producer_ids.data or ())
        data.ward_codes = tuple(self.ward_codes.data or ())
        return data

    def fill_from(self, article) -> None:
        super().fill_from(article)
        self.producer_ids.data = [p.id for p in article.producers]
        self.ward_codes.data = article.ward_codes


class ScheduleForm(BaseForm):
    publish_at = DateTimeLocalField(
        _l("Đăng lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("Chọn ngày giờ đăng."))]
    )

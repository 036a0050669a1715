"""The buyer's review form and the producer's reply form."""

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from storefront.forms import BaseForm
from storefront.reviews.services import MAX_BODY, MAX_REPLY

STAR_CHOICES = [
    SelectChoice(5, _l("5 sao – Rất hài lòng")),
    SelectChoice(4, _l("4 sao – Hài lòng")),
    SelectChoice(3, _l("3 sao – Bình thường")),
    SelectChoice(2, _l("2 sao – Chưa hài lòng")),
    SelectChoice(1, _l("1 sao – Rất không hài lòng")),
]


class ReviewForm(BaseForm):
    stars = RadioField(
        _l("Bạn chấm sản phẩm mấy sao?"),
        choices=STAR_CHOICES,
        coerce=int,
        validators=[InputRequired(_l("Chọn số sao (1–5)."))],
    )
    body = TextAreaField(
        _l("Nhận xét của bạn"),
        validators=[Length(max=MAX_BODY)],
        render_kw={"rows": 5, "maxlength": MAX_BODY},
    )
    photos = MultipleFileField(
        _l("Ảnh thực tế (tối đa 3 ảnh JPEG, PNG hoặc WebP, mỗi ảnh tối đa 5 MB)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp", "multiple": True},
    )


class ReplyForm(BaseForm):
    body = TextAreaField(
        _l("Trả lời của cơ sở"),
        validators=[DataRequired(_l("Nhập nội dung trả lời.")), Length(max=MAX_REPLY)],
        render_kw={"rows": 3, "maxlength": MAX_REPLY},
    )

"""Review moderation: hide a review with a reason (audited), or show it again."""

from flask import render_template, request, url_for
from flask_babel import gettext as _

from storefront.office import bp
from storefront.office.forms import ConfirmForm, ReasonForm
from storefront.office.views.common import act
from storefront.request_input import request_page
from storefront.reviews import services as reviews
from storefront.reviews.models import Review


@bp.route("/reviews")
def reviews_index():
    hidden_only = request.args.get("hidden") == "1"
    pagination = reviews.office_reviews_page(hidden_only=hidden_only, page=request_page(), per_page=50)
    return render_template(
        "office/reviews.html",
        pagination=pagination,
        hidden_only=hidden_only,
        reason_form=ReasonForm(),
        confirm=ConfirmForm(),
    )


@bp.post("/reviews/<int:review_id>/hide")
def review_hide(review_id):
    return act(
        Review,
        review_id,
        reviews.hide_review,
        needs_reason=True,
        message=_("Đã ẩn đánh giá; lý do được ghi vào nhật ký."),
        back=lambda item: url_for("office.reviews_index", _anchor=f"review-{item.id}"),
    )


@bp.post("/reviews/<int:review_id>/unhide")
def review_unhide(review_id):
    return act(
        Review,
        review_id,
        reviews.unhide_review,
        needs_reason=False,
        message=_("Đánh giá hiển thị trở lại."),
        back=lambda item: url_for("office.reviews_index", _anchor=f"review-{item.id}"),
    )

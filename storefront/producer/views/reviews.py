"""Reviews of the producer's products, each answerable once."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.decorators import producer_required
from storefront.extensions import db
from storefront.producer import bp
from storefront.producer.views.common import current_producer
from storefront.request_input import request_page
from storefront.reviews import services as reviews
from storefront.reviews.forms import ReplyForm
from storefront.reviews.models import Review


def get_own_review_or_404(review_id: int) -> Review:
    review = db.get_or_404(Review, review_id)
    if review.product.producer_id != current_producer().id:
        abort(404)  # another producer's review, as for products
    return review


@bp.route("/reviews")
@producer_required
def reviews_index():
    pagination = reviews.producer_reviews_page(current_producer(), page=request_page(), per_page=20)
    return render_template("producer/reviews.html", pagination=pagination, form=ReplyForm())


@bp.post("/reviews/<int:review_id>/reply")
@producer_required
def review_reply(review_id):
    review = get_own_review_or_404(review_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(_("Nhập nội dung trả lời (tối đa %(n)s ký tự).", n=reviews.MAX_REPLY), "error")
        return redirect(url_for("producer.reviews_index", _anchor=f"review-{review.id}"))
    try:
        reviews.reply_to_review(
            review, producer=current_producer(), body=form.body.data, actor=current_user._get_current_object()
        )
    except reviews.AlreadyReplied:
        db.session.rollback()
        flash(_("Cơ sở đã trả lời đánh giá này; mỗi đánh giá chỉ trả lời một lần."), "error")
    except reviews.ReviewError:
        db.session.rollback()
        flash(_("Nhập nội dung trả lời (tối đa %(n)s ký tự).", n=reviews.MAX_REPLY), "error")
    else:
        db.session.commit()
        flash(_("Đã đăng trả lời."), "success")
    return redirect(url_for("producer.reviews_index", _anchor=f"review-{review.id}"))

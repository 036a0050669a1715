"""Review pages: write a review of a delivered product, a product's reviews (paged), my reviews."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from storefront.catalog.images import ImageRejected, delete_files
from storefront.catalog.jsonld import rating_jsonld
from storefront.catalog.services import product_for_page
from storefront.extensions import db, limiter
from storefront.request_input import request_page
from storefront.reviews import bp, services
from storefront.reviews.forms import ReviewForm
from storefront.storage import storage

#: Newest reviews on the product page; the rest are on the product's reviews page.
ON_PRODUCT_PAGE = 5
PER_PAGE = 10


def _review_limit() -> str:
    return current_app.config["RATELIMIT_REVIEW"]


def _review_limit_key() -> str:
    # Per account, not per address: many phones share one address behind carrier-grade NAT.
    return f"review-user/{current_user.get_id() or '-'}"


def _product_or_404(slug: str):
    product = product_for_page(slug) if slug.isascii() and len(slug) <= 160 else None
    if product is None:
        abort(404)
    return product


@bp.app_template_global()
def product_reviews(product) -> dict:
    """What the product page's reviews section shows: summary, newest visible reviews, may the viewer write one."""
    summary = services.rating_summary(product)
    newest = services.visible_reviews_page(product, page=1, per_page=ON_PRODUCT_PAGE) if summary.count else None
    return {
        "summary": summary,
        "reviews": newest.items if newest else [],
        "more": bool(newest and newest.pages > 1),
        "can_write": current_user.is_authenticated and services.can_review(current_user, product),
    }


bp.add_app_template_global(services.written_on, "review_day")


@bp.app_template_global()
def with_rating_jsonld(jsonld: dict, reviews: dict) -> dict:
    """Return the product's JSON-LD with aggregateRating and review from its visible reviews (none: unchanged)."""
    return {**jsonld, **rating_jsonld(reviews["summary"].count, reviews["summary"].average, reviews["reviews"])}


@bp.route("/products/<slug>/reviews")
def index(slug):
    product = _product_or_404(slug)
    pagination = services.visible_reviews_page(product, page=request_page(), per_page=PER_PAGE)
    if pagination.page > max(pagination.pages, 1):
        abort(404)
    return render_template(
        "reviews/index.html", product=product, pagination=pagination, summary=services.rating_summary(product)
    )


@bp.route("/products/<slug>/review", methods=["GET", "POST"])
@login_required
@limiter.limit(_review_limit, key_func=_review_limit_key, methods=["POST"])
def write(slug):
    product = _product_or_404(slug)
    if services.review_by(current_user, product) is not None:
        flash(_("Bạn đã đánh giá sản phẩm này."), "info")
        return redirect(url_for("reviews.mine"))
    if services.delivered_line(current_user, product) is None:
        return render_template("reviews/not_eligible.html", product=product), 403
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            review = services.write_review(
                current_user._get_current_object(),
                product,
                stars=form.stars.data,
                body=form.body.data or "",
                language=str(get_locale()),
                photos=form.photos.data or [],
                store=storage("media"),
            )
        except ImageRejected as error:
            db.session.rollback()
            form.photos.errors = [*form.photos.errors, _photo_refusal(error)]
        except services.AlreadyReviewed:
            db.session.rollback()
            flash(_("Bạn đã đánh giá sản phẩm này."), "info")
            return redirect(url_for("reviews.mine"))
        except services.NotEligible:
            db.session.rollback()
            return render_template("reviews/not_eligible.html", product=product), 403
        else:
            try:
                db.session.commit()
            except IntegrityError:  # a second submit that raced this one past the check
                photos = [image.filename for image in review.images]
                db.session.rollback()
                for filename in photos:
                    delete_files(storage("media"), filename)
                flash(_("Bạn đã đánh giá sản phẩm này."), "info")
                return redirect(url_for("reviews.mine"))
            flash(_("Cảm ơn bạn! Đánh giá đã được đăng."), "success")
            return redirect(url_for("catalog.product", slug=product.slug, _anchor="reviews-h"))
    return render_template("reviews/write.html", product=product, form=form)


def _photo_refusal(error: ImageRejected) -> str:
    if isinstance(error, services.TooManyPhotos):
        return _("Tối đa %(n)s ảnh cho một đánh giá.", n=services.MAX_PHOTOS)
    return _("Ảnh không được chấp nhận: %(reason)s", reason=error.message)


@bp.route("/account/reviews")
@login_required
def mine():
    return render_template(
        "reviews/mine.html",
        to_review=services.lines_to_review(current_user),
        reviews=services.reviews_of_user(current_user),
    )

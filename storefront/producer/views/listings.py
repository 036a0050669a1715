"""A product's links to its pages on other marketplaces and the producer's own site, and its video clips."""

from flask import abort, url_for
from flask_babel import gettext as _

from storefront.accounts.decorators import producer_required
from storefront.catalog import marketplaces, videos
from storefront.catalog.models import ProductListing, ProductVideo
from storefront.extensions import db
from storefront.producer import bp
from storefront.producer.forms import ActionForm, listing_form, video_form
from storefront.producer.views.common import get_own_product_or_404, post_action


def _back(product) -> str:
    return url_for("producer.product_edit", product_id=product.id, _anchor="lien-ket")


@bp.post("/products/<int:product_id>/listings")
@producer_required
def listing_add(product_id):
    product = get_own_product_or_404(product_id)
    return post_action(
        _back(product),
        lambda form: marketplaces.add_listing(product, marketplace=form.marketplace.data, url=form.url.data),
        _("Đã thêm liên kết."),
        form_class=listing_form,
        invalid_message=_("Chọn sàn và nhập địa chỉ trang sản phẩm."),
    )


@bp.post("/products/<int:product_id>/listings/<int:listing_id>/delete")
@producer_required
def listing_delete(product_id, listing_id):
    product = get_own_product_or_404(product_id)
    listing = db.get_or_404(ProductListing, listing_id)
    if listing.product_id != product.id:
        abort(404)
    return post_action(
        _back(product), lambda form: marketplaces.remove_listing(listing), _("Đã xoá liên kết."), form_class=ActionForm
    )


def _back_to_videos(product) -> str:
    return url_for("producer.product_edit", product_id=product.id, _anchor="video")


@bp.post("/products/<int:product_id>/videos")
@producer_required
def video_add(product_id):
    product = get_own_product_or_404(product_id)
    return post_action(
        _back_to_videos(product),
        lambda form: videos.add_video(product, url=form.url.data, title=form.title.data),
        _("Đã thêm video."),
        form_class=video_form,
        invalid_message=_("Dán đường dẫn video."),
    )


@bp.post("/products/<int:product_id>/videos/<int:video_id>/delete")
@producer_required
def video_delete(product_id, video_id):
    product = get_own_product_or_404(product_id)
    video = db.get_or_404(ProductVideo, video_id)
    if video.product_id != product.id:
        abort(404)
    return post_action(
        _back_to_videos(product), lambda form: videos.remove_video(video), _("Đã xoá video."), form_class=ActionForm
    )

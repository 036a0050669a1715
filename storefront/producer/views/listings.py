"""A product's links to its pages on other marketplaces and the producer's own site."""

from flask import abort, url_for
from flask_babel import gettext as _

from storefront.accounts.decorators import producer_required
from storefront.catalog import marketplaces
from storefront.catalog.models import ProductListing
from storefront.extensions import db
from storefront.producer import bp
from storefront.producer.forms import ActionForm, listing_form
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

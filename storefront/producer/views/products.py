"""Products: list, create, edit, publish, photos, CSV import."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from storefront.accounts.decorators import producer_required
from storefront.catalog import editing, gallery, videos
from storefront.catalog.groups import GROUPS_WITH_CONSUMER_INFO
from storefront.catalog.images import ImageRejected, delete_files
from storefront.experiences import hosting
from storefront.extensions import db
from storefront.producer import bp, imports
from storefront.producer.forms import (
    ActionForm,
    ImageForm,
    ImportForm,
    ProductForm,
    listing_form,
    video_form,
)
from storefront.producer.services import (
    certificate_alerts,
    own_products,
)
from storefront.producer.views.common import (
    add_image,
    current_producer,
    edit_image,
    form_errors_from,
    get_own_product_image_or_404,
    get_own_product_or_404,
    image_edit_forms,
    image_refusal,
    post_action,
)
from storefront.storage import storage


@bp.route("/products")
@producer_required
def products():
    producer = current_producer()
    items = own_products(producer)
    visits = [p.id for p in items if p.is_visit]
    return render_template(
        "producer/products.html",
        producer=producer,
        products=items,
        alerts=dict((p.id, standing) for p, standing in certificate_alerts(items)),
        # A visit (OCOP group 6) is booked by session and has no stock: its row shows the bookings ahead
        # (looked up only for a producer that has visits).
        experiences=hosting.experiences_by_product(producer) if visits else {},
        bookings=hosting.bookings_ahead(visits) if visits else {},
        action_form=ActionForm(),
    )


def _save_product(form, producer, product=None):
    """Create or update from the form plus an optional photo, all or nothing; return the product or None."""
    try:
        if product is None:
            product = editing.create_product(producer, **form.product_fields())
        else:
            editing.update_product(product, **form.product_fields())
        replaced = []
        if form.image.data:
            replaced = gallery.add_product_image(product, form.image.data, storage("media"))[1]
    except editing.EditingError as error:
        db.session.rollback()
        form_errors_from(form, error)
        return None
    except ImageRejected as error:
        db.session.rollback()
        form.image.errors = [image_refusal(error)]
        return None
    db.session.commit()
    for filename in replaced:
        delete_files(storage("media"), filename)
    return product


@bp.route("/products/new", methods=["GET", "POST"])
@producer_required
def product_new():
    producer = current_producer()
    form = ProductForm()
    if form.validate_on_submit():
        product = _save_product(form, producer)
        if product is not None:
            flash(_("Đã tạo sản phẩm (chưa đăng bán)."), "success")
            return redirect(url_for("producer.product_edit", product_id=product.id))
    return render_template(
        "producer/product_form.html",
        form=form,
        product=None,
        producer=producer,
        consumer_groups=GROUPS_WITH_CONSUMER_INFO,
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@producer_required
def product_edit(product_id):
    product = get_own_product_or_404(product_id)
    form = ProductForm(obj=product) if request.method == "GET" else ProductForm()
    if request.method == "GET":
        form.ocop_group.data = str(product.ocop_group)
        form.price_vnd.data = str(product.price_vnd)
    if form.validate_on_submit() and _save_product(form, product.producer, product) is not None:
        flash(_("Đã lưu sản phẩm."), "success")
        return redirect(url_for("producer.product_edit", product_id=product.id))
    return render_product_edit(form, product)


def render_product_edit(form, product, *, image_form=None, status=200):
    return render_template(
        "producer/product_form.html",
        form=form,
        product=product,
        producer=product.producer,
        problems=editing.publish_problems(product),
        action_form=ActionForm(),
        consumer_groups=GROUPS_WITH_CONSUMER_INFO,
        image_form=image_form or ImageForm(prefix="photo", formdata=None),
        image_forms=image_edit_forms(product.images, "producer.product_image_edit", product_id=product.id),
        max_images=gallery.MAX_IMAGES,
        listing_form=listing_form(),
        video_form=video_form(),
        may_carry_videos=videos.may_carry_videos(product),
    ), status


@bp.route("/products/<int:product_id>/publish", methods=["POST"])
@producer_required
def product_publish(product_id):
    product = get_own_product_or_404(product_id)
    return post_action(
        url_for("producer.product_edit", product_id=product.id),
        lambda form: editing.publish_product(product),
        _("Sản phẩm đã được đăng bán."),
    )


@bp.route("/products/<int:product_id>/unpublish", methods=["POST"])
@producer_required
def product_unpublish(product_id):
    product = get_own_product_or_404(product_id)
    return post_action(
        url_for("producer.product_edit", product_id=product.id),
        lambda form: editing.unpublish_product(product),
        _("Đã ngừng bán sản phẩm."),
        category="info",
    )


@bp.route("/products/<int:product_id>/images", methods=["POST"])
@producer_required
def product_image_add(product_id):
    product = get_own_product_or_404(product_id)
    form = ImageForm(prefix="photo")
    if form.validate_on_submit() and add_image(
        form,
        lambda: gallery.add_product_image(
            product,
            form.image.data,
            storage("media"),
            alt=form.alt.data or "",
            alt_en=form.alt_en.data or "",
        ),
    ):
        return redirect(url_for("producer.product_edit", product_id=product.id) + "#anh-san-pham")
    product_form = ProductForm(obj=product, formdata=None)
    product_form.ocop_group.data, product_form.price_vnd.data = str(product.ocop_group), str(product.price_vnd)
    return render_product_edit(product_form, product, image_form=form)


@bp.route("/products/<int:product_id>/images/<int:image_id>", methods=["POST"])
@producer_required
def product_image_edit(product_id, image_id):
    image = get_own_product_image_or_404(product_id, image_id)
    edit_image(image)
    return redirect(url_for("producer.product_edit", product_id=product_id) + "#anh-san-pham")


@bp.route("/products/import", methods=["GET", "POST"])
@producer_required
def product_import():
    producer = current_producer()
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = imports.import_products(producer, form.file.data.stream, valid_rows_only=form.mode.data == "valid")
        if report.imported:
            db.session.commit()
            flash(_("Đã nhập %(n)s sản phẩm (chưa đăng bán).", n=len(report.imported)), "success")
            if not report.errors:
                return redirect(url_for("producer.products"))
        else:
            db.session.rollback()
    return render_template("producer/product_import.html", form=form, report=report)


@bp.route("/products/import/template.csv")
@producer_required
def product_import_template():
    return current_app.response_class(
        imports.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=mau-nhap-san-pham.csv"},
    )

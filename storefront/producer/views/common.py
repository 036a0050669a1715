"""What every producer page shares: ownership look-ups, running a service, photo forms."""

from flask import abort, current_app, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.models import Role
from storefront.catalog import editing, gallery
from storefront.catalog.images import ImageRejected, delete_files
from storefront.catalog.models import ProducerImage, Product, ProductImage
from storefront.checkout.models import Fulfilment, IllegalTransition
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.producer import bp
from storefront.producer.forms import (
    BIZ_STEPS,
    FULFILMENT_LABELS,
    ActionForm,
    ImageEditForm,
)
from storefront.producer.services import (
    producer_of,
)
from storefront.storage import storage
from traceability.errors import BatchIncomplete, DuplicateLot
from traceability.models import Batch, Stamp, StampIssue


def my_producer():
    """Return the signed-in user's producer (or None), loaded once per request."""
    if "my_producer" not in g:
        g.my_producer = producer_of(current_user) if current_user.is_authenticated else None
    return g.my_producer


def current_producer():
    """Return the signed-in user's producer; a producer account without one gets 404."""
    producer = my_producer()
    if producer is None:
        abort(404)
    return producer


def get_own_product_or_404(product_id: int) -> Product:
    product = db.get_or_404(Product, product_id)
    if product.producer_id != current_producer().id:
        abort(404)
    return product


def get_own_product_image_or_404(product_id: int, image_id: int) -> ProductImage:
    product = get_own_product_or_404(product_id)
    image = db.get_or_404(ProductImage, image_id)
    if image.product_id != product.id:
        abort(404)
    return image


def get_own_producer_image_or_404(image_id: int) -> ProducerImage:
    image = db.get_or_404(ProducerImage, image_id)
    if image.producer_id != current_producer().id:
        abort(404)
    return image


def get_own_batch_or_404(batch_id: int) -> Batch:
    batch = db.get_or_404(Batch, batch_id)
    if batch.product.producer_id != current_producer().id:
        abort(404)
    return batch


def get_own_stamp_issue_or_404(issue_id: int) -> StampIssue:
    issue = db.get_or_404(StampIssue, issue_id)
    if issue.batch.product.producer_id != current_producer().id:
        abort(404)
    return issue


def get_own_stamp_or_404(stamp_id: int) -> Stamp:
    stamp = db.get_or_404(Stamp, stamp_id)
    if stamp.batch.product.producer_id != current_producer().id:
        abort(404)
    return stamp


def get_own_fulfilment_or_404(fulfilment_id: int) -> Fulfilment:
    fulfilment = db.get_or_404(Fulfilment, fulfilment_id)
    if fulfilment.producer_id != current_producer().id:
        abort(404)
    return fulfilment


def form_errors_from(form, error: editing.EditingError) -> None:
    """Put a domain error's messages next to the fields they concern."""
    for name, message in error.errors.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def refusal_message(error: Exception) -> str:
    """Return the user-facing Vietnamese text for a refused service call."""
    if isinstance(error, BatchIncomplete):
        return _("Chưa thể công khai, còn thiếu: %(fields)s", fields=", ".join(map(str, error.missing)))
    if isinstance(error, DuplicateLot):
        return _("Sản phẩm đã có lô mang mã %(lot)s.", lot=error.lot_code)
    if isinstance(error, IllegalTransition):
        return _("Không thể chuyển trạng thái từ %(a)s sang %(b)s.", a=error.current.value, b=error.target.value)
    return str(error)


def run_service(action, done_message: str, category: str = "success") -> bool:
    """Call one service; commit and flash done_message, or roll back and flash why it was refused."""
    try:
        action()
    except (DomainError, IllegalTransition) as error:
        db.session.rollback()
        flash(refusal_message(error), "error")
        return False
    db.session.commit()
    flash(done_message, category)
    return True


def post_action(
    back: str, action, done_message: str, *, form_class=ActionForm, category: str = "success", invalid_message: str = ""
):
    """Validate a POSTed action form, run action(form) through run_service, and go back to `back` (PRG)."""
    form = form_class()
    if form.validate_on_submit():
        run_service(lambda: action(form), done_message, category)
    elif invalid_message:
        flash(invalid_message, "error")
    return redirect(back)


def low_stock_threshold() -> int:
    return current_app.config.get("PRODUCER_LOW_STOCK_THRESHOLD", 5)


@bp.context_processor
def inject_producer():
    if current_user.is_authenticated and current_user.role is Role.PRODUCER:
        return {
            "my_producer": my_producer(),
            "fulfilment_labels": FULFILMENT_LABELS,
            "step_names": {choice.value: choice.label for choice in BIZ_STEPS},
        }
    return {}


def image_edit_forms(images, endpoint: str, id_argument: str = "image_id", **url_values) -> list:
    """Return (image, form, action URL) per photo; each form has its own prefix, so field ids stay unique."""
    return [
        (
            image,
            ImageEditForm(prefix=f"img{image.id}", obj=image, formdata=None),
            url_for(endpoint, **{id_argument: image.id}, **url_values),
        )
        for image in images
    ]


def add_image(form, store) -> bool:
    """Run store() (a gallery service that reads the upload); commit and flash, or put why on the file field."""
    try:
        result = store()
    except ImageRejected as error:
        db.session.rollback()
        form.image.errors = [*form.image.errors, image_refusal(error)]
        return False
    db.session.commit()
    # Files a new photo replaced (a producer's old cover, a product's illustrations) go after the commit.
    replaced = result[1] if isinstance(result, tuple) else None
    for filename in [replaced] if isinstance(replaced, str) else replaced or []:
        delete_files(storage("media"), filename)
    flash(_("Đã thêm ảnh."), "success")
    return True


def edit_image(image) -> None:
    """Apply one POSTed ImageEditForm (save alt texts, move up or down, delete), commit and flash."""
    form = ImageEditForm(prefix=f"img{image.id}")
    if not form.validate_on_submit():
        flash(_("Mô tả ảnh tối đa 200 ký tự."), "error")
        return
    action = form.action.data
    if action == "delete":
        filename = gallery.remove_image(image)
        db.session.commit()
        delete_files(storage("media"), filename)
        flash(_("Đã xoá ảnh."), "success")
        return
    if action == "save":
        gallery.describe_image(image, alt=form.alt.data or "", alt_en=form.alt_en.data or "")
        message = _("Đã lưu mô tả ảnh.")
    else:
        gallery.move_image(image, action)
        message = _("Đã đổi thứ tự ảnh.")
    db.session.commit()
    flash(message, "success")


def image_refusal(error: ImageRejected) -> str:
    """Return why an upload was refused, in the page's language."""
    if isinstance(error, gallery.TooManyImages):
        return _("Mỗi bộ ảnh có tối đa %(n)s ảnh; hãy xoá bớt ảnh cũ.", n=gallery.MAX_IMAGES)
    return _("Ảnh không được chấp nhận: %(reason)s", reason=error.message)

"""Producer dashboard pages under /producer: registration, profile, products, batches, stamps, orders, analytics."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from storefront.accounts.decorators import producer_required
from storefront.accounts.models import Role
from storefront.accounts.sessions import sign_in
from storefront.catalog import editing, gallery
from storefront.catalog.groups import GROUPS_WITH_CONSUMER_INFO
from storefront.catalog.images import ImageRejected, delete_files
from storefront.catalog.models import ProducerImage, Product, ProductImage
from storefront.checkout import services as checkout
from storefront.checkout.models import Fulfilment, IllegalTransition
from storefront.clock import VIETNAM_TZ
from storefront.errors import DomainError
from storefront.extensions import db, limiter
from storefront.office.services import clear_copy_warning, mark_display_stamps
from storefront.producer import analytics, bp, imports
from storefront.producer.forms import (
    BIZ_STEPS,
    FULFILMENT_LABELS,
    ActionForm,
    BatchForm,
    ClearWarningForm,
    DisplayStampsForm,
    ImageEditForm,
    ImageForm,
    ImportForm,
    ProductForm,
    ProfileForm,
    RecallForm,
    RegisterProducerForm,
    ShipForm,
    ShopperRegisterProducerForm,
    StampForm,
    TraceEventForm,
)
from storefront.producer.services import (
    can_confirm_payment,
    certificate_alerts,
    fulfilment_lines,
    low_stock,
    own_fulfilments,
    own_products,
    producer_of,
)

# The producer dashboard is the traceability UI, so it deliberately calls traceability's
# services (the one exception to "storefront does not import traceability", see STYLE.md).
from traceability import services as trace
from traceability.models import Batch, Stamp, StampIssue

# --- ownership ------------------------------------------------------------------------


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
    if isinstance(error, trace.BatchIncomplete):
        return _("Chưa thể công khai, còn thiếu: %(fields)s", fields=", ".join(map(str, error.missing)))
    if isinstance(error, trace.DuplicateLot):
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


# --- registration, home, profile ------------------------------------------------------


def _public_url(endpoint, **values) -> str:
    # Never build mailed links from the Host header: a forged Host would mail them elsewhere.
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _register_limit():
    return current_app.config.get("RATELIMIT_LOGIN", "10 per minute")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    if current_user.is_authenticated and current_user.role is Role.PRODUCER:
        return redirect(url_for("producer.index"))
    if current_user.is_authenticated and current_user.role is not Role.SHOPPER:
        abort(403)
    signed_in = current_user.is_authenticated
    form = ShopperRegisterProducerForm() if signed_in else RegisterProducerForm()
    if form.validate_on_submit():
        try:
            answer = _register_signed_in(form) if signed_in else _sign_up_producer(form)
        except editing.EditingError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            return answer
    return render_template("producer/register.html", form=form, signed_in=signed_in)


def _sign_up_producer(form):
    # Known or not, the e-mail gets a message and the page says the same: no enumeration.
    editing.sign_up_producer(
        email=form.email.data,
        password=form.password.data,
        full_name=form.full_name.data,
        login_url=_public_url("accounts.login", next=url_for("producer.index")),
        reset_url=_public_url("accounts.reset_request"),
        register_url=_public_url("producer.register"),
        **form.producer_fields(),
    )
    db.session.commit()
    flash(
        _(
            "Chúng tôi đã gửi thư tới %(email)s. Hãy đăng nhập bằng email và mật khẩu bạn vừa chọn.",
            email=form.email.data.strip().lower(),
        ),
        "success",
    )
    return redirect(url_for("accounts.login", next=url_for("producer.index")))


def _register_signed_in(form):
    user, _producer = editing.register_producer(user=current_user._get_current_object(), **form.producer_fields())
    sign_in(user)
    db.session.commit()
    flash(_("Đã gửi đăng ký. Văn phòng OCOP sẽ xét duyệt; trong lúc chờ, bạn có thể chuẩn bị sản phẩm."), "success")
    return redirect(url_for("producer.index"))


@bp.route("/")
@producer_required
def index():
    producer = current_producer()
    products = own_products(producer)
    return render_template(
        "producer/index.html",
        producer=producer,
        products=products,
        hidden_products=[p for p in products if p.is_hidden],
        low_stock=low_stock(producer, threshold=low_stock_threshold()),
        open_fulfilments=[f for f in own_fulfilments(producer) if f.status.value in ("pending", "packed")],
        certificate_alerts=certificate_alerts(products),
    )


@bp.route("/profile", methods=["GET", "POST"])
@producer_required
def profile():
    producer = current_producer()
    form = ProfileForm(obj=producer) if request.method == "GET" else ProfileForm()
    if request.method == "GET":
        form.ward_code.data = str(producer.ward_code or "")
    # The preview uses the catalogue's `markdown` filter: the same rendering as the public page.
    preview = False
    if form.validate_on_submit():
        if "preview" in request.form:
            preview = True
        else:
            try:
                editing.update_producer_profile(producer, **form.producer_fields())
            except editing.EditingError as error:
                db.session.rollback()
                form_errors_from(form, error)
            else:
                db.session.commit()
                flash(_("Đã lưu hồ sơ cơ sở."), "success")
                return redirect(url_for("producer.profile"))
    return render_profile(form, producer, preview=preview)


def render_profile(form, producer, *, preview=False, cover_form=None, photo_form=None, status=200):
    return render_template(
        "producer/profile.html",
        form=form,
        producer=producer,
        preview=preview,
        cover_form=cover_form or ImageForm(prefix="cover", formdata=None),
        photo_form=photo_form or ImageForm(prefix="photo", formdata=None),
        cover_forms=image_edit_forms(
            [producer.cover] if producer.cover else [], "producer.profile_image_edit", "producer_image_id"
        ),
        photo_forms=image_edit_forms(producer.photos, "producer.profile_image_edit", "producer_image_id"),
        max_images=gallery.MAX_IMAGES,
    ), status


@bp.route("/profile/images", methods=["POST"])
@producer_required
def profile_image_add():
    producer = current_producer()
    kind = "cover" if request.args.get("cover") == "1" else "photo"
    form = ImageForm(prefix=kind)
    if form.validate_on_submit() and add_image(
        form,
        lambda: gallery.add_producer_image(
            producer,
            form.image.data,
            current_app.config["UPLOAD_DIR"],
            cover=kind == "cover",
            alt=form.alt.data or "",
            alt_en=form.alt_en.data or "",
        ),
    ):
        return redirect(url_for("producer.profile") + "#anh-co-so")
    profile_form = ProfileForm(obj=producer, formdata=None)
    profile_form.ward_code.data = str(producer.ward_code or "")
    return render_profile(profile_form, producer, **{f"{kind}_form": form})


@bp.route("/profile/images/<int:producer_image_id>", methods=["POST"])
@producer_required
def profile_image_edit(producer_image_id):
    image = get_own_producer_image_or_404(producer_image_id)
    edit_image(image)
    return redirect(url_for("producer.profile") + "#anh-co-so")


# --- photos (shared by products and the profile) ----------------------------------------


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
    if isinstance(result, tuple) and result[1]:  # a producer's old cover, replaced: its files go after the commit
        delete_files(current_app.config["UPLOAD_DIR"], result[1])
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
        delete_files(current_app.config["UPLOAD_DIR"], filename)
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


# --- products -------------------------------------------------------------------------


@bp.route("/products")
@producer_required
def products():
    producer = current_producer()
    items = own_products(producer)
    return render_template(
        "producer/products.html",
        producer=producer,
        products=items,
        alerts=dict((p.id, standing) for p, standing in certificate_alerts(items)),
        action_form=ActionForm(),
    )


def _save_product(form, producer, product=None):
    """Create or update from the form plus an optional photo, all or nothing; return the product or None."""
    try:
        if product is None:
            product = editing.create_product(producer, **form.product_fields())
        else:
            editing.update_product(product, **form.product_fields())
        if form.image.data:
            gallery.add_product_image(product, form.image.data, current_app.config["UPLOAD_DIR"])
    except editing.EditingError as error:
        db.session.rollback()
        form_errors_from(form, error)
        return None
    except ImageRejected as error:
        db.session.rollback()
        form.image.errors = [image_refusal(error)]
        return None
    db.session.commit()
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
            current_app.config["UPLOAD_DIR"],
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


# --- batches and stamps ---------------------------------------------------------------


@bp.route("/batches")
@producer_required
def batches():
    producer = current_producer()
    rows = db.session.scalars(
        select(Batch).join(Batch.product).where(Product.producer_id == producer.id).order_by(Batch.id.desc())
    ).all()
    return render_template("producer/batches.html", batches=rows, products=own_products(producer))


@bp.route("/products/<int:product_id>/batches/new", methods=["GET", "POST"])
@producer_required
def batch_new(product_id):
    product = get_own_product_or_404(product_id)
    form = BatchForm()
    if form.validate_on_submit():
        try:
            batch = trace.create_batch(product, **form.batch_fields(), actor=current_user._get_current_object())
        except DomainError as error:
            db.session.rollback()
            form.lot_code.errors.append(refusal_message(error))
        else:
            db.session.commit()
            flash(_("Đã tạo lô hàng; số lượng đã cộng vào tồn kho."), "success")
            return redirect(url_for("producer.batch", batch_id=batch.id))
    return render_template("producer/batch_new.html", form=form, product=product)


@bp.route("/batches/<int:batch_id>")
@producer_required
def batch(batch_id):
    item = get_own_batch_or_404(batch_id)
    return render_template(
        "producer/batch.html",
        batch=item,
        missing=trace.batch_missing_fields(item),
        event_form=TraceEventForm(read_point=item.growing_area_code),
        recall_form=RecallForm(),
        stamp_form=StampForm(),
        action_form=ActionForm(),
        display_form=DisplayStampsForm(),
        clear_form=ClearWarningForm(),
        warning_stamps=trace.batch_warning_stamps(item, threshold=current_app.config.get("SCAN_WARNING_THRESHOLD", 20)),
        display_stamps=trace.batch_display_stamps(item),
    )


@bp.route("/batches/<int:batch_id>/display-stamps", methods=["POST"])
@producer_required
def batch_display_stamps(batch_id):
    item = get_own_batch_or_404(batch_id)
    return post_action(
        url_for("producer.batch", batch_id=item.id),
        lambda form: mark_display_stamps(
            item,
            form.serials.data,
            is_display=form.action.data == "mark",
            reason=form.reason.data,
            actor=current_user._get_current_object(),
        ),
        _("Đã cập nhật tem trưng bày; lý do được ghi vào nhật ký."),
        form_class=DisplayStampsForm,
        invalid_message=_("Hãy nhập số sê-ri hoặc khoảng sê-ri và lý do."),
    )


@bp.route("/stamps/<int:stamp_id>/clear-warning", methods=["POST"])
@producer_required
def stamp_clear_warning(stamp_id):
    stamp = get_own_stamp_or_404(stamp_id)
    return post_action(
        url_for("producer.batch", batch_id=stamp.batch_id),
        lambda form: clear_copy_warning(stamp, reason=form.reason.data, actor=current_user._get_current_object()),
        _("Đã gỡ cảnh báo sao chép của tem; lý do được ghi vào nhật ký."),
        form_class=ClearWarningForm,
        invalid_message=_("Hãy ghi lý do gỡ cảnh báo."),
    )


@bp.route("/batches/<int:batch_id>/events", methods=["POST"])
@producer_required
def batch_event_add(batch_id):
    item = get_own_batch_or_404(batch_id)
    return post_action(
        url_for("producer.batch", batch_id=item.id),
        lambda form: trace.add_trace_event(
            item,
            biz_step=form.biz_step.data,
            event_time=form.event_time.data.replace(tzinfo=VIETNAM_TZ),
            location_name=form.location_name.data or "",
            read_point=form.read_point.data or "",
            description=form.description.data or "",
        ),
        _("Đã thêm công đoạn."),
        form_class=TraceEventForm,
        invalid_message=_("Chọn công đoạn và thời điểm."),
    )


@bp.route("/batches/<int:batch_id>/publish", methods=["POST"])
@producer_required
def batch_publish(batch_id):
    item = get_own_batch_or_404(batch_id)
    return post_action(
        url_for("producer.batch", batch_id=item.id),
        lambda form: trace.publish_batch(item),
        _("Lô hàng đã công khai trên trang truy xuất."),
    )


@bp.route("/batches/<int:batch_id>/recall", methods=["POST"])
@producer_required
def batch_recall(batch_id):
    item = get_own_batch_or_404(batch_id)
    return post_action(
        url_for("producer.batch", batch_id=item.id),
        lambda form: trace.recall_batch(item, reason=form.reason.data, actor=current_user._get_current_object()),
        _("Đã thu hồi lô hàng; người quét tem sẽ thấy cảnh báo."),
        form_class=RecallForm,
        category="warning",
        invalid_message=_("Cần ghi lý do thu hồi."),
    )


@bp.route("/batches/<int:batch_id>/stamps", methods=["POST"])
@producer_required
def stamp_issue(batch_id):
    item = get_own_batch_or_404(batch_id)
    form = StampForm()
    if not form.validate_on_submit():
        flash(_("Số tem phải từ 1 đến 5000."), "error")
        return redirect(url_for("producer.batch", batch_id=item.id))
    try:
        issue, pins = trace.issue_stamps(
            item,
            count=form.count.data,
            serialized=form.serialized.data,
            with_pin=form.with_pin.data,
            actor=current_user._get_current_object(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(refusal_message(error), "error")
        return redirect(url_for("producer.batch", batch_id=item.id))
    db.session.commit()
    flash(_("Đã phát hành %(n)s tem.", n=issue.count), "success")
    if pins:
        # PINs exist only now (hashes are stored): show them once instead of redirecting.
        return render_template("producer/stamp_pins.html", issue=issue, pins=pins)
    return redirect(url_for("producer.batch", batch_id=item.id))


@bp.route("/stamp-issues/<int:issue_id>/sheet.pdf")
@producer_required
def stamp_sheet(issue_id):
    issue = get_own_stamp_issue_or_404(issue_id)
    return current_app.response_class(
        trace.render_issue_sheet(issue),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=tem-{issue.batch.lot_code}-{issue.id}.pdf"},
    )


@bp.route("/stamp-issues/<int:issue_id>/codes.zip")
@producer_required
def stamp_zip(issue_id):
    issue = get_own_stamp_issue_or_404(issue_id)
    return current_app.response_class(
        trace.export_issue_zip(issue),
        mimetype="application/zip",
        headers={"Content-Disposition": f"attachment; filename=tem-{issue.batch.lot_code}-{issue.id}.zip"},
    )


# --- orders ---------------------------------------------------------------------------


@bp.route("/orders")
@producer_required
def orders():
    return render_template("producer/orders.html", fulfilments=own_fulfilments(current_producer()))


@bp.route("/orders/<int:fulfilment_id>")
@producer_required
def fulfilment(fulfilment_id):
    item = get_own_fulfilment_or_404(fulfilment_id)
    producer = current_producer()
    return render_template(
        "producer/fulfilment.html",
        fulfilment=item,
        lines=fulfilment_lines(item, producer),
        can_confirm_payment=can_confirm_payment(item, producer),
        ship_form=ShipForm(),
        action_form=ActionForm(),
    )


def _fulfilment_action(fulfilment_id, action, form_class=ActionForm, done_message=""):
    """Run one checkout service on an own fulfilment; errors become a flash."""
    item = get_own_fulfilment_or_404(fulfilment_id)
    return post_action(
        url_for("producer.fulfilment", fulfilment_id=item.id),
        lambda form: action(item, form),
        done_message,
        form_class=form_class,
        invalid_message=_("Vui lòng điền đủ thông tin."),
    )


@bp.route("/orders/<int:fulfilment_id>/pack", methods=["POST"])
@producer_required
def fulfilment_pack(fulfilment_id):
    return _fulfilment_action(
        fulfilment_id,
        lambda f, form: checkout.pack_fulfilment(f, actor=current_user._get_current_object()),
        done_message=_("Đã đánh dấu đã đóng gói."),
    )


@bp.route("/orders/<int:fulfilment_id>/ship", methods=["POST"])
@producer_required
def fulfilment_ship(fulfilment_id):
    return _fulfilment_action(
        fulfilment_id,
        lambda f, form: checkout.ship_fulfilment(
            f,
            carrier=form.carrier.data,
            tracking_number=form.tracking_number.data,
            actor=current_user._get_current_object(),
        ),
        form_class=ShipForm,
        done_message=_("Đã đánh dấu đã giao cho đơn vị vận chuyển."),
    )


@bp.route("/orders/<int:fulfilment_id>/deliver", methods=["POST"])
@producer_required
def fulfilment_deliver(fulfilment_id):
    return _fulfilment_action(
        fulfilment_id,
        lambda f, form: checkout.deliver_fulfilment(f, actor=current_user._get_current_object()),
        done_message=_("Đã đánh dấu đã giao hàng."),
    )


@bp.route("/orders/<int:fulfilment_id>/payment-received", methods=["POST"])
@producer_required
def fulfilment_payment_received(fulfilment_id):
    producer = current_producer()

    def mark(f, form):
        if not can_confirm_payment(f, producer):
            raise DomainError(_("Đơn này do văn phòng OCOP xác nhận thanh toán."))
        checkout.mark_payment_received(f.order, actor=current_user._get_current_object())

    return _fulfilment_action(fulfilment_id, mark, done_message=_("Đã xác nhận đã nhận tiền."))


# --- analytics ------------------------------------------------------------------------


@bp.route("/analytics")
@producer_required
def analytics_index():
    producer = current_producer()
    return render_template(
        "producer/analytics.html",
        tables=analytics.all_tables(
            producer,
            low_stock_threshold=low_stock_threshold(),
            scan_threshold=current_app.config.get("SCAN_WARNING_THRESHOLD", 20),
        ),
    )


@bp.route("/analytics/<name>.csv")
@producer_required
def analytics_csv(name):
    if name not in analytics.TABLES:
        abort(404)
    producer = current_producer()
    table = analytics.all_tables(
        producer,
        low_stock_threshold=low_stock_threshold(),
        scan_threshold=current_app.config.get("SCAN_WARNING_THRESHOLD", 20),
    )[name]
    return current_app.response_class(
        analytics.to_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}.csv"},
    )

"""Registration as a producer, the dashboard home, the public profile and its photos."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.decorators import producer_required
from storefront.accounts.models import Role
from storefront.accounts.sessions import sign_in
from storefront.catalog import editing, gallery
from storefront.extensions import db, limiter
from storefront.producer import bp
from storefront.producer.forms import (
    ImageForm,
    ProfileForm,
    RegisterProducerForm,
    ShopperRegisterProducerForm,
)
from storefront.producer.services import (
    certificate_alerts,
    low_stock,
    own_fulfilments,
    own_products,
)
from storefront.producer.views.common import (
    add_image,
    current_producer,
    edit_image,
    form_errors_from,
    get_own_producer_image_or_404,
    image_edit_forms,
    low_stock_threshold,
)
from storefront.storage import storage


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
            storage("media"),
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

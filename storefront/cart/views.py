"""Cart pages: view, add, update, remove; the guest cart joins the account cart at login."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import user_logged_in

from storefront.cart import bp
from storefront.cart.services import (
    MAX_QUANTITY,
    BadQuantity,
    CartError,
    NotEnoughStock,
    UnknownProduct,
    add_item,
    buy_now_item,
    remove_item,
    set_quantity,
    summarize,
)
from storefront.cart.storage import item_count, load_contents, merge_guest_cart, save_contents
from storefront.extensions import db


def cart_error_message(error: CartError) -> str:
    if isinstance(error, NotEnoughStock):
        if error.available <= 0:
            return _("%(name)s đã hết hàng.", name=error.product.name)
        return _("Chỉ còn %(n)d sản phẩm %(name)s.", n=error.available, name=error.product.name)
    if isinstance(error, BadQuantity):
        return _("Số lượng phải là số nguyên từ 1 đến %(max)d.", max=MAX_QUANTITY)
    if isinstance(error, UnknownProduct):
        return _("Sản phẩm này không có hoặc đã ngừng bán.")
    return _("Không cập nhật được giỏ hàng.")


@bp.app_context_processor
def inject_cart_count():
    return {"cart_count": item_count()}


@user_logged_in.connect
def _merge_on_sign_in(app, user, **extra):
    """Move the guest cart into the account cart when the shopper signs in (accounts.sessions.sign_in:
    its caller commits). A signal, because accounts sits on a floor below the cart."""
    merge_guest_cart(user)


@bp.route("")
def view():
    summary = summarize(load_contents(), images=True)
    return render_template("cart/view.html", summary=summary)


def _change(update, *args):
    # Stock checks count holds past their expiry as free (inventory.available_quantities), so a
    # lapsed order never blocks the cart; checkout and the cron job expire those orders.
    try:
        contents = update(load_contents(), *args)
    except CartError as error:
        db.session.rollback()
        flash(cart_error_message(error), "error")
        return redirect(url_for("cart.view")), False
    save_contents(contents)
    db.session.commit()
    return redirect(url_for("cart.view")), True


@bp.route("/add", methods=["POST"])
def add():
    buy_now = bool(request.form.get("buy_now"))
    update = buy_now_item if buy_now else add_item
    response, ok = _change(update, request.form.get("product_id"), request.form.get("quantity", "1"))
    if ok and buy_now:
        return redirect(url_for("checkout.start"))  # "Mua ngay": straight to the recipient step
    if ok:
        flash(_("Đã thêm vào giỏ hàng."), "success")
    return response


@bp.route("/update", methods=["POST"])
def update():
    response, ok = _change(set_quantity, request.form.get("product_id"), request.form.get("quantity"))
    if ok:
        flash(_("Đã cập nhật số lượng."), "success")
    return response


@bp.route("/remove", methods=["POST"])
def remove():
    response, ok = _change(remove_item, request.form.get("product_id"))
    if ok:
        flash(_("Đã xoá sản phẩm khỏi giỏ hàng."), "info")
    return response

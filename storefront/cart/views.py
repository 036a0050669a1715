"""Cart pages: view, add, update, remove; the guest cart joins the account cart at login."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in
from sqlalchemy import func, select

from storefront.cart import bp
from storefront.cart.models import Cart, CartLine
from storefront.cart.services import (
    MAX_QUANTITY,
    BadQuantity,
    CartError,
    NotEnoughStock,
    UnknownProduct,
    account_contents,
    add_item,
    merge_contents,
    remove_item,
    save_account_contents,
    set_quantity,
    summarize,
)
from storefront.extensions import db
from storefront.request_input import MAX_PATH_INT

SESSION_KEY = "cart"


def load_contents() -> dict:
    """Return the current shopper's cart contents, from the account or the session."""
    if current_user.is_authenticated:
        return account_contents(current_user)
    return guest_contents(session.get(SESSION_KEY))


def guest_contents(raw) -> dict:
    """The session's guest cart as {product id: (quantity, price seen)}. A cart of any other shape
    (a cookie written by an older release) is read as empty rather than failing every page."""
    if not isinstance(raw, dict):
        return {}
    contents = {}
    for pid, value in raw.items():
        if not (isinstance(pid, str) and pid.isascii() and pid.isdigit() and int(pid) <= MAX_PATH_INT):
            continue
        if isinstance(value, list) and len(value) == 2 and all(type(v) is int and v >= 0 for v in value):
            contents[int(pid)] = tuple(value)
    return contents


def save_contents(contents: dict) -> None:
    if current_user.is_authenticated:
        save_account_contents(current_user, contents)
        db.session.commit()
    else:
        session[SESSION_KEY] = {str(pid): list(value) for pid, value in contents.items()}


def clear_contents() -> None:
    """Empty the cart after an order; the caller commits."""
    if current_user.is_authenticated:
        save_account_contents(current_user, {})
    session.pop(SESSION_KEY, None)


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
    if current_user.is_authenticated:
        count = db.session.scalar(
            select(func.coalesce(func.sum(CartLine.quantity), 0)).join(Cart).where(Cart.user_id == current_user.id)
        )
    else:
        count = sum(quantity for quantity, _price in guest_contents(session.get(SESSION_KEY)).values())
    return {"cart_count": count}


@user_logged_in.connect
def merge_guest_cart(app, user, **extra):
    """Move the guest cart into the account cart when the shopper signs in."""
    guest = guest_contents(session.pop(SESSION_KEY, None))
    if guest:
        save_account_contents(user, merge_contents(account_contents(user), guest))
        db.session.commit()


@bp.route("")
def view():
    summary = summarize(load_contents())
    return render_template("cart/view.html", summary=summary)


def _change(update, *args):
    # Free holds that lapsed before checking stock, so they do not keep units locked until
    # the next checkout or cron run (one indexed query when nothing lapsed). Imported here:
    # checkout's views import this module.
    from storefront.checkout.services import expire_lapsed_orders

    if expire_lapsed_orders():
        db.session.commit()
    try:
        contents = update(load_contents(), *args)
    except CartError as error:
        db.session.rollback()
        flash(cart_error_message(error), "error")
        return redirect(url_for("cart.view")), False
    save_contents(contents)
    return redirect(url_for("cart.view")), True


@bp.route("/add", methods=["POST"])
def add():
    response, ok = _change(add_item, request.form.get("product_id"), request.form.get("quantity", "1"))
    if ok and request.form.get("buy_now"):
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

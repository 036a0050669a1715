"""Order pages: the buyer's orders, one order (cancel, pay again, the provider's return), VietQR, guest look-up."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from storefront.checkout import bp, providers
from storefront.checkout.cancelling import buyer_can_cancel, cancel_order_by_buyer
from storefront.checkout.errors import CannotCancel, CardRetryClosed
from storefront.checkout.forms import CancelOrderForm, LookupForm
from storefront.checkout.models import OrderStatus, PaymentMethod
from storefront.checkout.orders import find_order_for_lookup, orders_of
from storefront.checkout.payments.attempts import current_payment, payment_attempt
from storefront.checkout.providers.base import InvalidCallback
from storefront.checkout.vietqr import vietqr_payload, vietqr_png
from storefront.checkout.views.common import (
    ORDERS_KEY,
    allow_order,
    awaits_redirect,
    get_own_order_or_404,
    payment_window_closed,
    provider_of,
    request_callback,
    start_payment,
)
from storefront.extensions import db, limiter
from storefront.inventory.services import reservation_expiry


@bp.route("/orders")
@login_required
def orders():
    return render_template("checkout/orders.html", orders=orders_of(current_user))


@bp.route("/orders/<code>")
def order(code):
    if not current_user.is_authenticated and code.upper() not in session.get(ORDERS_KEY, []):
        return redirect(url_for("checkout.lookup", code=code))
    order = get_own_order_or_404(code)
    if request.args.get("payment") == "cancelled" and order.status is OrderStatus.PENDING_PAYMENT:
        flash(_("Bạn chưa hoàn tất thanh toán thẻ. Bạn có thể thử lại trước khi hết thời gian giữ hàng."), "warning")
    # The held units' deadline and the payment's last failure are shown only while the order waits
    # for its payment (the provider's box); a confirmed or closed order's page needs neither query.
    unpaid = order.status is OrderStatus.PENDING_PAYMENT
    return render_template(
        "checkout/order.html",
        order=order,
        hold_until=reservation_expiry(order) if unpaid else None,
        payment=current_payment(order) if unpaid else None,
        provider=provider_of(order),
        provider_enabled=order.payment_method in providers.available(current_app.config),
        cancel_form=CancelOrderForm() if buyer_can_cancel(order) else None,
    )


@bp.route("/orders/<code>/cancel", methods=["POST"])
def cancel_order(code):
    """Let the buyer cancel before the order is final (Decree 52); held or sold units go back."""
    order = get_own_order_or_404(code)
    form = CancelOrderForm()
    if not form.validate_on_submit():
        flash(_("Lý do huỷ tối đa 500 ký tự."), "error")
        return redirect(url_for("checkout.order", code=order.code))
    try:
        cancel_order_by_buyer(order, reason=form.reason.data or "")
        db.session.commit()
    except CannotCancel:
        db.session.rollback()
        flash(_("Đơn hàng này không thể huỷ nữa (đã thanh toán trực tuyến, đang giao hoặc đã đóng)."), "error")
        return redirect(url_for("checkout.order", code=order.code))
    flash(_("Đã huỷ đơn hàng %(code)s.", code=order.code), "info")
    return redirect(url_for("checkout.order", code=order.code))


@bp.route("/orders/<code>/pay", methods=["POST"])
def pay(code):
    order = get_own_order_or_404(code)
    if not awaits_redirect(order) or order.payment_method not in providers.available(current_app.config):
        flash(_("Đơn hàng này không cần thanh toán trực tuyến."), "info")
        return redirect(url_for("checkout.order", code=order.code))
    try:
        params = payment_attempt(order, provider_of(order), retry=True)
        db.session.commit()  # first step: a longer hold and the new attempt number, before the provider is called
    except CardRetryClosed:
        db.session.rollback()
        return payment_window_closed(order)
    return start_payment(order, params)


@bp.route("/orders/<code>/paid")
def card_return(code):
    """Where the buyer comes back from the provider: shows the result, never fulfils (only the callback does)."""
    order = get_own_order_or_404(code)
    provider = provider_of(order)
    event = None
    if provider is not None and provider.has_return_page and request.args:
        try:
            event = provider.parse_return(current_app.config, request_callback())
        except InvalidCallback:
            abort(400)
        if event.order_code != order.code:
            abort(400)
    if order.status is OrderStatus.PAID:
        flash(_("Thanh toán thành công. Cảm ơn bạn!"), "success")
    elif event is not None and event.kind != "paid":
        flash(_("Thanh toán chưa thành công: %(reason)s", reason=event.message), "warning")
    else:
        flash(
            _(
                "Chúng tôi đang chờ %(brand)s xác nhận thanh toán; trang sẽ cập nhật sau ít phút.",
                brand=provider.brand if provider else "",
            ),
            "info",
        )
    return redirect(url_for("checkout.order", code=order.code))


@bp.route("/orders/<code>/vietqr.png")
def vietqr(code):
    order = get_own_order_or_404(code)
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        abort(404)
    payload = vietqr_payload(
        bank_bin=current_app.config["BANK_BIN"],
        account=current_app.config["BANK_ACCOUNT"],
        amount_vnd=order.total_vnd,
        message=order.code,
    )
    response = Response(vietqr_png(payload), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _lookup_limit():
    return current_app.config.get("RATELIMIT_ORDER_LOOKUP", "10 per minute;30 per hour")


@bp.route("/orders/lookup", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
def lookup():
    form = LookupForm(data={"code": request.args.get("code", "")[:16]} if request.method == "GET" else None)
    if form.validate_on_submit():
        code = form.code.data.strip().upper()
        code = code if code.startswith("TN-") else "TN-" + code[2:]
        order = find_order_for_lookup(code, form.phone.data)
        if order is None:
            form.code.errors.append(_("Không tìm thấy đơn hàng với mã và số điện thoại này."))
        else:
            allow_order(order)
            return redirect(url_for("checkout.order", code=order.code))
    return render_template("checkout/lookup.html", form=form)

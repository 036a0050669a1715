"""Checkout steps, order pages, guest look-up, VietQR image and the Stripe webhook."""

import secrets

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storefront.addresses import format_address, wards
from storefront.cart.services import summarize
from storefront.cart.storage import clear_contents, load_contents
from storefront.catalog.models import Product
from storefront.checkout import bp
from storefront.checkout.forms import CancelOrderForm, ContactForm, LookupForm, OptionsForm, PlaceOrderForm
from storefront.checkout.models import Order, OrderStatus, PaymentMethod
from storefront.checkout.payments import (
    InvalidWebhook,
    PaymentDeclined,
    PaymentError,
    available_methods,
    create_checkout_session,
    verify_webhook,
)
from storefront.checkout.services import (
    DELIVERY_METHODS,
    FULFILMENT_STATUS_LABELS,
    MAX_ORDER_TOTAL_VND,
    ORDER_STATUS_LABELS,
    PAYMENT_METHOD_LABELS,
    STRIPE_MAX_AMOUNT_VND,
    BadAddress,
    CannotCancel,
    CardLimitExceeded,
    CardRetryClosed,
    CartNotReady,
    CheckoutDetails,
    OrderTooLarge,
    PriceChanged,
    UnusableEvent,
    attach_card_session,
    buyer_can_cancel,
    cancel_order_by_buyer,
    card_payment,
    card_session_params,
    check_total,
    find_order_for_lookup,
    handle_stripe_event,
    order_by_idempotency_key,
    orders_of,
    place_order,
    quote,
)
from storefront.checkout.vietqr import vietqr_payload, vietqr_png
from storefront.extensions import csrf, db, limiter
from storefront.filters import vnd
from storefront.inventory.services import InsufficientStock, reservation_expiry
from storefront.request_input import accepts_json

STATE_KEY = "checkout"
ORDERS_KEY = "orders"


def _state() -> dict:
    return session.get(STATE_KEY, {})


def _cart_or_redirect():
    """Return the cart summary when it can be checked out, else a redirect to the cart."""
    summary = summarize(load_contents())
    if not summary.can_check_out:
        flash(_("Giỏ hàng trống hoặc có sản phẩm cần sửa trước khi đặt hàng."), "warning")
        return None, redirect(url_for("cart.view"))
    return summary, None


@bp.route("/checkout", methods=["GET", "POST"])
def start():
    summary, bounce = _cart_or_redirect()
    if bounce:
        return bounce
    state = _state()
    form = ContactForm(data=state or _account_defaults())
    form.fill_choices(form.province_code.data)
    if request.method == "POST" and "choose_province" in request.form:
        form.ward_code.errors = []  # no-JS path: the province changed, show its wards
    elif form.validate_on_submit():
        if not any(code == form.ward_code.data for code, _name in wards(form.province_code.data)):
            form.ward_code.errors.append(_("Phường / xã không thuộc tỉnh đã chọn."))
        else:
            session[STATE_KEY] = {
                **state,
                **{
                    f: getattr(form, f).data
                    for f in ("contact_name", "phone", "email", "province_code", "ward_code", "street")
                },
            }
            return redirect(url_for("checkout.options"))
    return render_template("checkout/start.html", form=form, summary=summary)


def _account_defaults() -> dict:
    if not current_user.is_authenticated:
        return {}
    return {"contact_name": current_user.full_name, "email": current_user.email, "phone": current_user.phone or ""}


@bp.route("/checkout/wards")
def ward_options():
    """Return the wards of a province as JSON for the province → ward select."""
    province = request.args.get("province", type=int)
    return jsonify([{"code": code, "name": name} for code, name in wards(province or 0)])


@bp.route("/checkout/options", methods=["GET", "POST"])
def options():
    summary, bounce = _cart_or_redirect()
    if bounce or not _state().get("ward_code"):
        return bounce or redirect(url_for("checkout.start"))
    state = _state()
    methods = available_methods(current_app.config)
    form = OptionsForm(data={"delivery_method": "standard", "payment_method": "cod", **state})
    form.delivery_method.choices = [(code, str(label)) for code, label in DELIVERY_METHODS.items()]
    form.payment_method.choices = [(code, str(option.label)) for code, option in methods.items()]
    priced = quote(load_contents(), state["province_code"])
    if form.validate_on_submit():
        error = _total_error(priced.total_vnd, form.payment_method.data)
        if form.payment_method.data == "card" and not state.get("email"):
            form.payment_method.errors.append(
                _("Thanh toán bằng thẻ cần email: vui lòng quay lại bước 1 để nhập email.")
            )
        elif error:
            form.payment_method.errors.append(error)
        else:
            session[STATE_KEY] = {
                **state,
                "delivery_method": form.delivery_method.data,
                "payment_method": form.payment_method.data,
                "note": form.note.data or "",
            }
            return redirect(url_for("checkout.review"))
    return render_template("checkout/options.html", form=form, methods=methods, priced=priced)


def _total_error(total_vnd: int, method: str) -> str | None:
    """Return why this total cannot be ordered with this payment method, or None."""
    try:
        check_total(total_vnd, method)
    except OrderTooLarge:
        return _(
            "Đơn hàng tối đa %(max)s. Vui lòng giảm số lượng hoặc chia thành nhiều đơn.", max=vnd(MAX_ORDER_TOTAL_VND)
        )
    except CardLimitExceeded:
        return _(
            "Thanh toán thẻ qua Stripe tối đa %(max)s mỗi đơn. Vui lòng chọn chuyển khoản hoặc COD.",
            max=vnd(STRIPE_MAX_AMOUNT_VND),
        )
    return None


def _details() -> CheckoutDetails | None:
    state = _state()
    if not state.get("payment_method") or state["payment_method"] not in available_methods(current_app.config):
        return None
    typed = {k: state[k] for k in CheckoutDetails.__dataclass_fields__ if k in state}
    return CheckoutDetails(**{**typed, "language": str(get_locale())})


@bp.route("/checkout/review")
def review():
    summary, bounce = _cart_or_redirect()
    details = _details()
    if bounce or details is None:
        return bounce or redirect(url_for("checkout.options"))
    priced = quote(load_contents(), details.province_code)
    form = PlaceOrderForm(data={"idempotency_key": secrets.token_urlsafe(24), "reviewed_total_vnd": priced.total_vnd})
    return render_template(
        "checkout/review.html",
        form=form,
        details=details,
        priced=priced,
        total_error=_total_error(priced.total_vnd, details.payment_method),
        address=format_address(details.street, details.ward_code, details.province_code),
        delivery_label=DELIVERY_METHODS.get(details.delivery_method),
        payment=available_methods(current_app.config)[details.payment_method],
    )


@bp.route("/checkout/place", methods=["POST"])
def place():
    form = PlaceOrderForm()
    done = order_by_idempotency_key(form.idempotency_key.data or "")
    if done is not None:  # the same review form submitted again: show the order it made
        _allow(done)
        return redirect(url_for("checkout.order", code=done.code))
    details = _details()
    if not form.validate_on_submit() or details is None:
        flash(_("Phiên đặt hàng đã hết hạn, vui lòng xem lại đơn hàng."), "warning")
        return redirect(url_for("checkout.review"))
    user = current_user if current_user.is_authenticated else None
    try:
        order = place_order(
            load_contents(),
            details,
            user=user,
            idempotency_key=form.idempotency_key.data,
            reviewed_total_vnd=form.reviewed_total_vnd.data,
        )
        clear_contents()
        card_params = card_session_params(order) if _awaits_card(order) else None
        # The one commit of an order: the order, its stock hold, the emptied cart (and, for a card
        # order, the Stripe attempt) stand or fall together.
        db.session.commit()
    except PriceChanged as error:
        db.session.rollback()
        flash(
            _(
                "Giá hoặc phí giao hàng đã thay đổi: tổng tiền bây giờ là %(now)s (bạn đã xem %(seen)s). "
                "Vui lòng xem lại trước khi đặt hàng.",
                now=vnd(error.total_vnd),
                seen=vnd(error.reviewed_vnd),
            ),
            "warning",
        )
        return redirect(url_for("checkout.review"))
    except (OrderTooLarge, CardLimitExceeded) as error:
        db.session.rollback()
        flash(_total_error(error.args[0], details.payment_method), "error")
        return redirect(url_for("checkout.review"))
    except InsufficientStock as error:
        db.session.rollback()
        flash(_insufficient_message(error), "error")
        return redirect(url_for("cart.view"))
    except (CartNotReady, BadAddress):
        db.session.rollback()
        flash(_("Giỏ hàng hoặc địa chỉ đã thay đổi, vui lòng kiểm tra lại."), "warning")
        return redirect(url_for("cart.view"))
    except IntegrityError:  # the same form submitted twice at once: the other request won (and emptied the cart)
        db.session.rollback()
        order = order_by_idempotency_key(form.idempotency_key.data)
        if order is None:
            raise
        card_params = None
    except CardRetryClosed:  # only an order placed before (a resubmitted form) can have a lapsed hold
        db.session.rollback()
        return _card_window_closed(order)
    _allow(order)
    session.pop(STATE_KEY, None)
    if card_params:
        return _open_card_session(order, card_params)
    if _awaits_card(order):  # the concurrent request that won opens the Stripe session; pay from the order page
        return redirect(url_for("checkout.order", code=order.code))
    flash(_("Đặt hàng thành công! Mã đơn hàng của bạn là %(code)s.", code=order.code), "success")
    return redirect(url_for("checkout.order", code=order.code))


def _insufficient_message(error: InsufficientStock) -> str:
    names = db.session.scalars(select(Product.name_vi).where(Product.id.in_(error.product_ids))).all()
    return _("Rất tiếc, không đủ hàng: %(names)s đã hết hoặc không còn đủ số lượng bạn chọn.", names=", ".join(names))


@bp.route("/checkout/cancel", methods=["POST"])
def cancel():
    """Leave the checkout before placing the order (Decree 52 Art. 17–18); the cart stays."""
    session.pop(STATE_KEY, None)
    flash(_("Bạn đã huỷ đặt hàng. Giỏ hàng vẫn được giữ nguyên."), "info")
    return redirect(url_for("cart.view"))


def _awaits_card(order: Order) -> bool:
    return order.payment_method is PaymentMethod.CARD and order.status is OrderStatus.PENDING_PAYMENT


def _card_window_closed(order: Order):
    flash(
        _(
            "Thời gian giữ hàng cho thanh toán thẻ đã hết. Vui lòng đặt lại đơn hàng, có thể chọn thanh toán "
            "khi nhận hàng (COD) hoặc chuyển khoản."
        ),
        "warning",
    )
    return redirect(url_for("checkout.order", code=order.code))


def _open_card_session(order: Order, params: dict):
    """Open a Stripe Checkout Session for an order whose hold and attempt number are committed, and go there.

    Stripe is not part of our transaction, so a card payment takes two commits on purpose:
    the caller's, before this call (the order or the longer hold and new attempt number, which
    make the idempotency key, must be durable before Stripe hears of them), and this one, after
    it, recording the session id the webhook looks the order up by. If Stripe fails in between,
    the order and its hold stay as committed and the buyer can retry from the order page.
    """
    try:
        session_id, pay_url = create_checkout_session(
            current_app.config,
            order=order,
            lines=params["lines"],
            expires_at=params["expires_at"],
            idempotency_key=params["idempotency_key"],
            success_url=url_for("checkout.card_return", code=order.code, _external=True)
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=url_for("checkout.order", code=order.code, payment="cancelled", _external=True),
        )
    except PaymentDeclined as error:
        flash(error.message, "error")
        return redirect(url_for("checkout.order", code=order.code))
    except PaymentError:
        flash(_("Chưa kết nối được cổng thanh toán thẻ. Đơn hàng đã được giữ, vui lòng thử lại sau ít phút."), "error")
        return redirect(url_for("checkout.order", code=order.code))
    attach_card_session(order, session_id)
    db.session.commit()  # second step: the session id (the order was committed before Stripe was called)
    return redirect(pay_url, code=303)


def _allow(order: Order) -> None:
    """Let this browser see the order page (guests have no account to prove it)."""
    codes = session.get(ORDERS_KEY, [])
    if order.code not in codes:
        session[ORDERS_KEY] = (codes + [order.code])[-20:]


def get_own_order_or_404(code: str) -> Order:
    """Return the order if this visitor placed it, looked it up, owns it, or works at the office."""
    order = db.session.scalar(select(Order).where(Order.code == code.upper()))
    if order is None:
        abort(404)
    allowed = order.code in session.get(ORDERS_KEY, []) or (
        current_user.is_authenticated and (order.user_id == current_user.id or current_user.is_office)
    )
    if not allowed:
        abort(404)
    return order


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
    return render_template(
        "checkout/order.html",
        order=order,
        hold_until=reservation_expiry(order),
        card=card_payment(order),
        card_enabled="card" in available_methods(current_app.config),
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
        flash(_("Đơn hàng này không thể huỷ nữa (đã thanh toán thẻ, đang giao hoặc đã đóng)."), "error")
        return redirect(url_for("checkout.order", code=order.code))
    flash(_("Đã huỷ đơn hàng %(code)s.", code=order.code), "info")
    return redirect(url_for("checkout.order", code=order.code))


@bp.route("/orders/<code>/pay", methods=["POST"])
def pay(code):
    order = get_own_order_or_404(code)
    if order.payment_method is not PaymentMethod.CARD or order.status is not OrderStatus.PENDING_PAYMENT:
        flash(_("Đơn hàng này không cần thanh toán thẻ."), "info")
        return redirect(url_for("checkout.order", code=order.code))
    try:
        params = card_session_params(order)
        db.session.commit()  # first step: a longer hold and the new attempt number, before Stripe is called
    except CardRetryClosed:
        db.session.rollback()
        return _card_window_closed(order)
    return _open_card_session(order, params)


@bp.route("/orders/<code>/paid")
def card_return(code):
    order = get_own_order_or_404(code)
    if order.status is OrderStatus.PAID:
        flash(_("Thanh toán thành công. Cảm ơn bạn!"), "success")
    else:
        flash(_("Chúng tôi đang chờ Stripe xác nhận thanh toán; trang sẽ cập nhật sau ít phút."), "info")
    return redirect(url_for("checkout.order", code=order.code))


@bp.route("/orders/<code>/vietqr.png")
def vietqr(code):
    order = get_own_order_or_404(code)
    if order.payment_method is not PaymentMethod.BANK_TRANSFER:
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
            _allow(order)
            return redirect(url_for("checkout.order", code=order.code))
    return render_template("checkout/lookup.html", form=form)


@bp.route("/payments/stripe/webhook", methods=["POST"])
@csrf.exempt
@accepts_json
def stripe_webhook():
    """Apply a Stripe event: signature first, then once only (replays answer 200)."""
    try:
        event = verify_webhook(
            request.get_data(),
            request.headers.get("Stripe-Signature"),
            current_app.config.get("STRIPE_WEBHOOK_SECRET", ""),
        )
    except InvalidWebhook:
        return jsonify(error="invalid signature"), 400
    try:
        outcome = handle_stripe_event(event)
        db.session.commit()
    except UnusableEvent as exc:
        db.session.rollback()
        return jsonify(error="unusable event", reason=str(exc)), 400
    except IntegrityError:
        db.session.rollback()
        return jsonify(received=True, outcome="already processed"), 200
    current_app.logger.info("stripe event %s %s: %s", event["id"], event["type"], outcome)
    return jsonify(received=True, outcome=outcome), 200


@bp.app_context_processor
def inject_order_labels():
    """Vietnamese labels for order, fulfilment and payment states (dashboards use them too)."""
    return {
        "order_status_labels": ORDER_STATUS_LABELS,
        "fulfilment_status_labels": FULFILMENT_STATUS_LABELS,
        "payment_method_labels": PAYMENT_METHOD_LABELS,
        "format_address": format_address,
    }

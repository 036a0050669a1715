"""Checkout steps, order pages, guest look-up, VietQR image, and the payment providers' callbacks."""

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
from storefront.checkout import bp, providers
from storefront.checkout.forms import CancelOrderForm, ContactForm, LookupForm, OptionsForm, PlaceOrderForm
from storefront.checkout.models import Order, OrderStatus, PaymentMethod
from storefront.checkout.payments import apply_event, attach_attempt, current_payment, payment_attempt
from storefront.checkout.providers.base import (
    Attempt,
    Callback,
    InvalidCallback,
    PaymentDeclined,
    PaymentError,
)
from storefront.checkout.services import (
    DELIVERY_METHODS,
    FULFILMENT_STATUS_LABELS,
    MAX_ORDER_TOTAL_VND,
    ORDER_STATUS_LABELS,
    PAYMENT_METHOD_LABELS,
    PAYMENT_STATUS_LABELS,
    AmountOutsideLimits,
    BadAddress,
    CannotCancel,
    CardRetryClosed,
    CartNotReady,
    CheckoutDetails,
    OrderTooLarge,
    PriceChanged,
    UnknownMethod,
    buyer_can_cancel,
    cancel_order_by_buyer,
    check_total,
    find_order_for_lookup,
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
    methods = providers.available(current_app.config)
    form = OptionsForm(data={"delivery_method": "standard", "payment_method": "cod", **state})
    form.delivery_method.choices = [(code, str(label)) for code, label in DELIVERY_METHODS.items()]
    form.payment_method.choices = [(code, str(option.label)) for code, option in methods.items()]
    priced = quote(load_contents(), state["province_code"])
    if form.validate_on_submit():
        error = _total_error(priced.total_vnd, form.payment_method.data)
        chosen = methods[form.payment_method.data]
        if chosen.email_required and not state.get("email"):
            form.payment_method.errors.append(str(chosen.email_required))
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
    return render_template(
        "checkout/options.html",
        form=form,
        methods=methods,
        priced=priced,
        limit_errors={code: _total_error(priced.total_vnd, code) for code in methods},
    )


def _total_error(total_vnd: int, method: str) -> str | None:
    """Return why this total cannot be ordered with this payment method, or None."""
    try:
        check_total(total_vnd, method)
    except OrderTooLarge:
        return _(
            "Đơn hàng tối đa %(max)s. Vui lòng giảm số lượng hoặc chia thành nhiều đơn.", max=vnd(MAX_ORDER_TOTAL_VND)
        )
    except AmountOutsideLimits as error:
        provider = error.provider
        if provider.max_vnd is not None and error.total_vnd > provider.max_vnd:
            return _(
                "Thanh toán %(method)s tối đa %(max)s mỗi đơn. Vui lòng chọn phương thức khác, "
                "ví dụ chuyển khoản hoặc COD.",
                method=provider.short_label,
                max=vnd(provider.max_vnd),
            )
        return _(
            "Thanh toán %(method)s cần tối thiểu %(min)s mỗi đơn. Vui lòng chọn phương thức khác.",
            method=provider.short_label,
            min=vnd(provider.min_vnd),
        )
    except UnknownMethod:
        return _("Phương thức thanh toán này không còn được hỗ trợ.")
    return None


def _details() -> CheckoutDetails | None:
    state = _state()
    if not state.get("payment_method") or state["payment_method"] not in providers.available(current_app.config):
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
        payment=providers.get(details.payment_method),
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
        attempt = payment_attempt(order, _provider(order)) if _awaits_redirect(order) else None
        # The one commit of an order: the order, its stock hold, the emptied cart (and, for a
        # gateway order, the payment attempt) stand or fall together.
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
    except (OrderTooLarge, AmountOutsideLimits, UnknownMethod) as error:
        db.session.rollback()
        flash(_total_error(error.args[0], details.payment_method) or "", "error")
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
        attempt = None
    except CardRetryClosed:  # only an order placed before (a resubmitted form) can have a lapsed hold
        db.session.rollback()
        return _payment_window_closed(order)
    _allow(order)
    session.pop(STATE_KEY, None)
    if attempt:
        return _start_payment(order, attempt)
    if _awaits_redirect(order):  # the concurrent request that won opens the gateway; pay from the order page
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


def _provider(order: Order):
    return providers.get(order.payment_method)


def _awaits_redirect(order: Order) -> bool:
    """The order waits for a payment the buyer makes on the provider's page (card, VNPay, MoMo)."""
    provider = _provider(order)
    return provider is not None and provider.redirects and order.status is OrderStatus.PENDING_PAYMENT


def _payment_window_closed(order: Order):
    flash(
        _(
            "Thời gian giữ hàng cho thanh toán %(method)s đã hết. Vui lòng đặt lại đơn hàng, có thể chọn "
            "thanh toán khi nhận hàng (COD) hoặc chuyển khoản.",
            method=_provider(order).short_label,
        ),
        "warning",
    )
    return redirect(url_for("checkout.order", code=order.code))


def _start_payment(order: Order, params: dict):
    """Start a payment at the provider for an order whose hold and attempt number are committed, and go there.

    The provider is not part of our transaction, so a gateway payment takes two commits on
    purpose: the caller's, before this call (the order or the longer hold and new attempt
    number, which make the provider's reference and idempotency key, must be durable before
    the provider hears of them), and this one, after it, recording the reference its
    callbacks name. If the provider fails in between, the order and its hold stay as
    committed and the buyer can retry from the order page.
    """
    provider = _provider(order)
    attempt = Attempt(
        order_code=order.code,
        number=params["number"],
        ref=params["ref"],
        amount_vnd=params["amount_vnd"],
        lines=params["lines"],
        expires_at=params["expires_at"],
        idempotency_key=params["idempotency_key"],
        previous_ref=params["previous_ref"],
        return_url=url_for("checkout.card_return", code=order.code, _external=True),
        notify_url=url_for("checkout.provider_callback", provider=provider.slug or provider.code, _external=True),
        cancel_url=url_for("checkout.order", code=order.code, payment="cancelled", _external=True),
        client_ip=request.remote_addr or "127.0.0.1",
        email=order.email,
        language=order.language or "vi",
    )
    try:
        started = provider.start(current_app.config, attempt)
    except PaymentDeclined as error:
        flash(error.message, "error")
        return redirect(url_for("checkout.order", code=order.code))
    except PaymentError:
        flash(
            _(
                "Chưa kết nối được cổng thanh toán %(method)s. Đơn hàng đã được giữ, vui lòng thử lại sau ít phút.",
                method=provider.short_label,
            ),
            "error",
        )
        return redirect(url_for("checkout.order", code=order.code))
    attach_attempt(order, started.provider_ref, started.data)
    db.session.commit()  # second step: the provider's reference (the order was committed before it was called)
    return redirect(started.redirect_url, code=303)


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
        payment=current_payment(order),
        provider=_provider(order),
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
    if not _awaits_redirect(order) or order.payment_method not in providers.available(current_app.config):
        flash(_("Đơn hàng này không cần thanh toán trực tuyến."), "info")
        return redirect(url_for("checkout.order", code=order.code))
    try:
        params = payment_attempt(order, _provider(order), retry=True)
        db.session.commit()  # first step: a longer hold and the new attempt number, before the provider is called
    except CardRetryClosed:
        db.session.rollback()
        return _payment_window_closed(order)
    return _start_payment(order, params)


def _callback() -> Callback:
    return Callback(
        method=request.method,
        args={key: request.args.get(key) for key in request.args},
        body=request.get_data(),
        headers=dict(request.headers),
    )


@bp.route("/orders/<code>/paid")
def card_return(code):
    """Where the buyer comes back from the provider: shows the result, never fulfils (only the callback does)."""
    order = get_own_order_or_404(code)
    provider = _provider(order)
    event = None
    if provider is not None and provider.has_return_page and request.args:
        try:
            event = provider.parse_return(current_app.config, _callback())
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
            _allow(order)
            return redirect(url_for("checkout.order", code=order.code))
    return render_template("checkout/lookup.html", form=form)


@bp.route("/payments/<provider>/webhook", methods=["GET", "POST"])
@csrf.exempt
@accepts_json
def provider_callback(provider):
    """A provider's server-to-server callback (Stripe webhook, VNPay IPN, MoMo IPN).

    Signature first (a bad one: 400, nothing changes), then the neutral event is applied
    once per (provider, event id); the answer is in the form each provider expects.
    """
    handler = providers.by_slug(provider)
    if handler is None or request.method not in handler.callback_methods:
        abort(404)
    try:
        event = handler.parse_callback(current_app.config, _callback())
    except InvalidCallback as exc:
        current_app.logger.warning("%s callback refused: %s", provider, exc)
        return _answer(handler.invalid_answer(str(exc)))
    try:
        outcome = apply_event(handler.code, event)
        db.session.commit()
    except IntegrityError:  # the same event delivered twice at once: the other delivery applied it
        db.session.rollback()
        outcome = "already processed"
    current_app.logger.info("%s event %s %s: %s", provider, event.event_id, event.event_type, outcome)
    return _answer(handler.answer(outcome, event))


def _answer(answer) -> Response:
    return Response(answer.body, status=answer.status, content_type=answer.content_type if answer.body else None)


@bp.app_context_processor
def inject_order_labels():
    """Vietnamese labels for order, fulfilment and payment states (dashboards use them too)."""
    return {
        "order_status_labels": ORDER_STATUS_LABELS,
        "fulfilment_status_labels": FULFILMENT_STATUS_LABELS,
        "payment_method_labels": PAYMENT_METHOD_LABELS,
        "payment_status_labels": PAYMENT_STATUS_LABELS,
        "format_address": format_address,
    }

"""What the checkout's page modules share: the browser's own orders, provider answers, starting a payment."""

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.addresses import format_address
from storefront.checkout import bp, providers
from storefront.checkout.errors import AmountOutsideLimits, OrderTooLarge, UnknownMethod
from storefront.checkout.labels import (
    FULFILMENT_STATUS_LABELS,
    ORDER_STATUS_LABELS,
    PAYMENT_METHOD_LABELS,
    PAYMENT_STATUS_LABELS,
)
from storefront.checkout.models import Order, OrderStatus
from storefront.checkout.orders import order_by_code
from storefront.checkout.payments.attempts import attach_attempt
from storefront.checkout.providers.base import Attempt, Callback, PaymentDeclined, PaymentError
from storefront.checkout.quotes import MAX_ORDER_TOTAL_VND, check_total
from storefront.extensions import db
from storefront.filters import vnd

STATE_KEY = "checkout"
ORDERS_KEY = "orders"


def provider_of(order: Order):
    return providers.get(order.payment_method)


def awaits_redirect(order: Order) -> bool:
    """The order waits for a payment the buyer makes on the provider's page (card, VNPay, MoMo)."""
    provider = provider_of(order)
    return provider is not None and provider.redirects and order.status is OrderStatus.PENDING_PAYMENT


def total_error(total_vnd: int, method: str) -> str | None:
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


def payment_window_closed(order: Order):
    flash(
        _(
            "Thời gian giữ hàng cho thanh toán %(method)s đã hết. Vui lòng đặt lại đơn hàng, có thể chọn "
            "thanh toán khi nhận hàng (COD) hoặc chuyển khoản.",
            method=provider_of(order).short_label,
        ),
        "warning",
    )
    return redirect(url_for("checkout.order", code=order.code))


def start_payment(order: Order, params: dict):
    """Start a payment at the provider for an order whose hold and attempt number are committed, and go there.

    The provider is not part of our transaction, so a gateway payment takes two commits on
    purpose: the caller's, before this call (the order or the longer hold and new attempt
    number, which make the provider's reference and idempotency key, must be durable before
    the provider hears of them), and this one, after it, recording the reference its
    callbacks name. If the provider fails in between, the order and its hold stay as
    committed and the buyer can retry from the order page.
    """
    provider = provider_of(order)
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


def allow_order(order: Order | str) -> None:
    """Let this browser see the order page (guests have no account to prove it); the order or its code."""
    code = order if isinstance(order, str) else order.code
    codes = session.get(ORDERS_KEY, [])
    if code not in codes:
        session[ORDERS_KEY] = (codes + [code])[-20:]


def get_own_order_or_404(code: str) -> Order:
    """Return the order if this visitor placed it, looked it up, owns it, or works at the office."""
    order = order_by_code(code)
    if order is None:
        abort(404)
    allowed = order.code in session.get(ORDERS_KEY, []) or (
        current_user.is_authenticated and (order.user_id == current_user.id or current_user.is_office)
    )
    if not allowed:
        abort(404)
    return order


def request_callback() -> Callback:
    """The current request as a provider callback (method, query, raw body, headers)."""
    return Callback(
        method=request.method,
        args={key: request.args.get(key) for key in request.args},
        body=request.get_data(),
        headers=dict(request.headers),
    )


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

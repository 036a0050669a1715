"""Orders and payments: transfers awaiting confirmation, refunds, cancellations."""

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from storefront.audit import services as audit_log
from storefront.checkout.errors import RefundNotPossible
from storefront.checkout.models import Order, Payment
from storefront.checkout.payments.refunds import (
    payments_needing_attention,
    refundable_through_provider,
)
from storefront.checkout.providers.base import RefundFailed
from storefront.extensions import db
from storefront.office import (
    bp,
    order_actions,
)
from storefront.office.forms import (
    ConfirmForm,
    ReasonForm,
    RefundForm,
)
from storefront.office.views.common import (
    act,
    me,
)


def _back_to_order(order):
    return url_for("office.order", order_id=order.id)


@bp.route("/orders")
def orders():
    code = request.args.get("code", "").strip().upper()[:16]
    found = order_actions.orders_with_code(code)
    return render_template(
        "office/orders.html",
        refunds=payments_needing_attention(),
        transfers=order_actions.bank_transfers_awaiting(),
        found=found,
        code=code,
        reason_form=ReasonForm(),
    )


@bp.route("/orders/<int:order_id>")
def order(order_id):
    item = db.get_or_404(Order, order_id)
    return render_template(
        "office/order.html",
        order=item,
        entries=audit_log.entries_about(item),
        reason_form=ReasonForm(),
        confirm=ConfirmForm(),
        refund_form=RefundForm(data={"request_key": secrets.token_hex(8)}),
        refundable={p.id for p in item.payments if refundable_through_provider(p)},
    )


@bp.post("/orders/<int:order_id>/payment-received")
def order_payment_received(order_id):
    return act(
        Order,
        order_id,
        order_actions.confirm_payment_received,
        needs_reason=False,
        message=_("Đã xác nhận nhận tiền; đơn hàng chuyển sang đã thanh toán."),
        back=_back_to_order,
    )


@bp.post("/orders/<int:order_id>/cancel")
def order_cancel(order_id):
    return act(
        Order,
        order_id,
        order_actions.cancel_order,
        needs_reason=True,
        message=_("Đã huỷ đơn hàng; khách hàng được báo lý do."),
        back=_back_to_order,
    )


@bp.post("/payments/<int:payment_id>/refunded")
def payment_refunded(payment_id):
    return act(
        Payment,
        payment_id,
        order_actions.record_refund,
        needs_reason=True,
        message=_("Đã ghi nhận hoàn tiền."),
        back=lambda payment: url_for("office.orders"),
    )


@bp.post("/payments/<int:payment_id>/refund")
def payment_refund(payment_id):
    """Refund (all or part of) a payment through its provider's API; the provider's refusal is shown."""
    payment = db.get_or_404(Payment, payment_id)
    back = url_for("office.order", order_id=payment.order_id)
    form = RefundForm()
    if not form.validate_on_submit():
        flash(_("Cần nhập số tiền hoàn (đồng) và lý do."), "error")
        return redirect(back)
    try:
        order_actions.refund_through_provider(
            payment,
            amount_vnd=form.amount_vnd.data,
            reason=form.reason.data,
            actor=me(),
            request_key=f"rf{payment.id}x{form.request_key.data}",
        )
    except RefundFailed as error:
        db.session.rollback()
        flash(_("Cổng thanh toán từ chối hoàn tiền: %(reason)s", reason=error.message), "error")
        return redirect(back)
    except RefundNotPossible:
        db.session.rollback()
        flash(
            _("Không thể hoàn số tiền này: vượt quá số tiền còn lại hoặc khoản này không hoàn được qua cổng."), "error"
        )
        return redirect(back)
    try:
        db.session.commit()
    except IntegrityError:  # the same form submitted twice at once: the other request recorded it
        db.session.rollback()
    flash(_("Đã hoàn tiền qua cổng thanh toán."), "success")
    return redirect(back)

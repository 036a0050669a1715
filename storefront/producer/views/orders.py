"""Orders to fulfil: pack, ship, deliver, cash received."""

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.decorators import producer_required
from storefront.addresses import format_address
from storefront.checkout.fulfilment import deliver_fulfilment, pack_fulfilment, ship_fulfilment
from storefront.checkout.models import PaymentStatus
from storefront.checkout.payments.events import mark_payment_received
from storefront.errors import DomainError
from storefront.producer import bp
from storefront.producer.forms import (
    ActionForm,
    ShipForm,
)
from storefront.producer.services import (
    can_confirm_payment,
    fulfilment_lines,
    own_fulfilments,
)
from storefront.producer.views.common import (
    current_producer,
    get_own_fulfilment_or_404,
    post_action,
)


@bp.route("/orders")
@producer_required
def orders():
    return render_template("producer/orders.html", fulfilments=own_fulfilments(current_producer()))


@bp.route("/orders/<int:fulfilment_id>")
@producer_required
def fulfilment(fulfilment_id):
    item = get_own_fulfilment_or_404(fulfilment_id)
    producer = current_producer()
    order = item.order
    return render_template(
        "producer/fulfilment.html",
        fulfilment=item,
        # The whole delivery address (street, ward, province) the parcel is addressed to; none for visits only.
        address=format_address(order.street, order.ward_code, order.province_code) if order.street else "",
        lines=fulfilment_lines(item, producer),
        can_confirm_payment=can_confirm_payment(item, producer),
        # How the buyer pays and whether the money is in, so the producer knows whether to collect it.
        is_paid=any(p.status is PaymentStatus.SUCCEEDED for p in order.payments),
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
        lambda f, form: pack_fulfilment(f, actor=current_user._get_current_object()),
        done_message=_("Đã đánh dấu đã đóng gói."),
    )


@bp.route("/orders/<int:fulfilment_id>/ship", methods=["POST"])
@producer_required
def fulfilment_ship(fulfilment_id):
    return _fulfilment_action(
        fulfilment_id,
        lambda f, form: ship_fulfilment(
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
        lambda f, form: deliver_fulfilment(f, actor=current_user._get_current_object()),
        done_message=_("Đã đánh dấu đã giao hàng."),
    )


@bp.route("/orders/<int:fulfilment_id>/payment-received", methods=["POST"])
@producer_required
def fulfilment_payment_received(fulfilment_id):
    producer = current_producer()

    def mark(f, form):
        if not can_confirm_payment(f, producer):
            raise DomainError(_("Đơn này do văn phòng OCOP xác nhận thanh toán."))
        mark_payment_received(f.order, actor=current_user._get_current_object())

    return _fulfilment_action(fulfilment_id, mark, done_message=_("Đã xác nhận đã nhận tiền."))

"""What every office page shares: the office-only guard, acting on a record, messages and labels."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from storefront.accounts.decorators import office_required
from storefront.checkout.errors import PaymentTooLate
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.office import (
    bp,
    register,
)
from storefront.office.forms import ConfirmForm, ReasonForm, choices


@bp.before_request
@office_required
def require_office():
    """Every /office route is for office users only (login redirect, else 403)."""


@bp.context_processor
def inject_names():
    return {
        "status_names": PRODUCER_STATUS_NAMES,
        "legal_names": LEGAL_TYPE_NAMES,
        "state_names": STATE_NAMES,
        "level_names": register.LEVEL_NAMES,
    }


PRODUCER_STATUS_NAMES = {
    "pending": _l("Chờ duyệt"),
    "approved": _l("Đã duyệt"),
    "rejected": _l("Bị từ chối"),
    "suspended": _l("Tạm ngừng"),
}
LEGAL_TYPE_NAMES = {
    "htx": _l("Hợp tác xã"),
    "tht": _l("Tổ hợp tác"),
    "enterprise": _l("Doanh nghiệp nhỏ và vừa"),
    "household": _l("Hộ kinh doanh"),
}
STATE_NAMES = {
    "valid": _l("Còn hiệu lực"),
    "expiring": _l("Sắp hết hạn (90 ngày)"),
    "expired": _l("Hết hiệu lực"),
    "revoked": _l("Đã thu hồi"),
    "not_certified": _l("Dưới 3 sao"),
}


def me():
    """Return the signed-in user itself (not the proxy) to hand to services and relationships."""
    return current_user._get_current_object()


def act(model, object_id, service, *, needs_reason, message, back=None):
    """Run one office service on an object from a POSTed (reason) form, then go back (PRG)."""
    item = db.get_or_404(model, object_id)
    back = back or (lambda producer: url_for("office.producer", producer_id=producer.id))
    form = ReasonForm() if needs_reason else ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Cần nhập lý do."), "error")
        return redirect(back(item))
    try:
        service(item, actor=me(), **({"reason": form.reason.data} if needs_reason else {}))
    except DomainError as error:
        db.session.rollback()
        flash(refusal_message(error), "error")
        return redirect(back(item))
    db.session.commit()
    flash(message, "success")
    return redirect(back(item))


def refusal_message(error: DomainError) -> str:
    if isinstance(error, PaymentTooLate):
        return _(
            "Đơn đã hết thời gian giữ hàng và sản phẩm đã bán hết: không thể nhận tiền cho đơn này; "
            "hãy hoàn tiền cho khách."
        )
    return _("Không thể thực hiện thao tác này ở trạng thái hiện tại.")


def product_choices():
    return choices((pid, f"{name} – {producer}") for pid, name, producer in register.product_names())


def apply_errors(form, errors):
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")

"""Order mail: a status notice queued in the order's language, sent by the outbox after the commit."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from storefront.checkout.models import Order
from storefront.outbox.services import queue_mail


def notify(order: Order, subject, body) -> None:
    """Queue a status mail in the order's language; *body* is lazy text or a function returning text."""
    if not order.email:
        return
    with force_locale(order.language or "vi"):
        text = body() if callable(body) else str(body)
        text += "\n\n" + str(
            _l(
                "Tra cứu đơn hàng (nhập mã đơn %(code)s và số điện thoại đặt hàng): %(url)s",
                code=order.code,
                url=_lookup_url(order),
            )
        )
        queue_mail(order.email, str(subject), text)


def _lookup_url(order: Order) -> str:
    """The public order look-up page with the code filled in; every order mail links it."""
    return f"{current_app.config.get('PUBLIC_BASE_URL') or ''}/orders/lookup?code={order.code}"

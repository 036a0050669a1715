"""Cash on delivery: nothing to start, nothing to call back; the order is confirmed at once."""

from flask_babel import lazy_gettext as _l

from storefront.checkout.providers.base import Provider


class CashOnDelivery(Provider):
    code = "cod"
    label = _l("Thanh toán khi nhận hàng (COD)")
    short_label = _l("khi nhận hàng")
    description = _l("Trả tiền mặt cho người giao hàng.")


PROVIDER = CashOnDelivery()

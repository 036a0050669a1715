"""Words for order, fulfilment and payment states and for payment methods, in the page's language."""

from flask_babel import lazy_gettext as _l

from storefront.checkout import providers
from storefront.checkout.models import FulfilmentStatus, OrderStatus, PaymentStatus

ORDER_STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: _l("Chờ thanh toán"),
    OrderStatus.PAID: _l("Đã thanh toán"),
    OrderStatus.CONFIRMED: _l("Đã xác nhận"),
    OrderStatus.PACKED: _l("Đã đóng gói"),
    OrderStatus.SHIPPED: _l("Đang giao"),
    OrderStatus.DELIVERED: _l("Đã giao"),
    OrderStatus.CANCELLED: _l("Đã huỷ"),
    OrderStatus.REFUNDED: _l("Đã hoàn tiền"),
    OrderStatus.EXPIRED: _l("Hết hạn giữ hàng"),
}
FULFILMENT_STATUS_LABELS = {
    FulfilmentStatus.PENDING: _l("Chờ đóng gói"),
    FulfilmentStatus.PACKED: _l("Đã đóng gói"),
    FulfilmentStatus.SHIPPED: _l("Đang giao"),
    FulfilmentStatus.DELIVERED: _l("Đã giao"),
    FulfilmentStatus.CANCELLED: _l("Đã huỷ"),
}


PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: _l("Chờ thanh toán"),
    PaymentStatus.SUCCEEDED: _l("Đã nhận tiền"),
    PaymentStatus.FAILED: _l("Thất bại"),
    PaymentStatus.CANCELLED: _l("Đã huỷ"),
    PaymentStatus.REFUNDED: _l("Đã hoàn tiền"),
    PaymentStatus.NEEDS_REFUND: _l("Cần hoàn tiền"),
}


class _MethodLabels(dict):
    """Label of a payment method by code, from the provider registry (unknown codes show as they are)."""

    def __missing__(self, code):
        provider = providers.get(code)
        return provider.label if provider is not None else str(code)


PAYMENT_METHOD_LABELS = _MethodLabels()

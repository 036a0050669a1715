"""VietQR bank transfer: the order page shows a NAPAS VietQR code; the office confirms the money arrived."""

from flask_babel import lazy_gettext as _l

from storefront.checkout.providers.base import Provider


class VietQRTransfer(Provider):
    code = "bank_transfer"
    label = _l("Chuyển khoản ngân hàng (VietQR)")
    short_label = _l("chuyển khoản")
    description = _l("Quét mã VietQR bằng ứng dụng ngân hàng; đơn được xử lý khi nhận được tiền.")
    requires = ("BANK_BIN", "BANK_ACCOUNT")
    order_template = "checkout/_pay_vietqr.html"
    order_script = "js/copy.js"

    def hold_minutes(self, config) -> int:
        # A transfer takes longer than a card: a day by default.
        return config.get("BANK_TRANSFER_RESERVATION_MINUTES", 24 * 60)


PROVIDER = VietQRTransfer()

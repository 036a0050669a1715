"""VNPay payment gateway, payment URL API version 2.1.0, with its query (querydr) and refund APIs.

- The buyer is sent to a signed URL: ``vnp_SecureHash`` is HMAC-SHA512, keyed with the
  merchant's hash secret, over the parameters sorted by name and URL-encoded
  (``name=value`` joined by ``&``, values encoded like PHP ``urlencode``/Python ``quote_plus``).
- ``vnp_Amount`` is the amount ×100; ``vnp_TxnRef`` is unique per attempt (order code +
  attempt number) so a retry never reuses a reference VNPay already saw.
- VNPay calls the IPN URL (registered with VNPay, not sent per request) with a GET whose
  query string carries the same kind of signature; the shop answers ``{"RspCode", "Message"}``.
  The return URL only shows the result.
- ``querydr`` and ``refund`` are JSON POSTs to the merchant web API, signed with
  HMAC-SHA512 over the values joined by ``|`` in a fixed field order (:func:`sign_pipe`),
  a different signer from the URL's.
"""

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from storefront.checkout.providers.base import (
    FAILED,
    PAID,
    SAFE_REF,
    VN_TZ,
    Answer,
    Attempt,
    Callback,
    InvalidCallback,
    Payable,
    PaymentError,
    PaymentEvent,
    Provider,
    Refunded,
    RefundFailed,
    Started,
)

log = logging.getLogger(__name__)

VERSION = "2.1.0"
SANDBOX_PAY_URL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
SANDBOX_API_URL = "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"

#: Field order of the pipe-joined data each merchant web API message is signed over.
QUERYDR_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERYDR_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
#: The refund answer is signed over the query answer's fields without the promotion ones.
REFUND_RESPONSE_FIELDS = QUERYDR_RESPONSE_FIELDS[:-2]

#: vnp_ResponseCode of a payment, as VNPay's documentation words them for the buyer.
RESPONSE_MESSAGES = {
    "00": _l("Giao dịch thành công."),
    "07": _l("Trừ tiền thành công nhưng giao dịch bị nghi ngờ; cửa hàng sẽ kiểm tra và liên hệ bạn."),
    "09": _l("Thẻ/tài khoản chưa đăng ký dịch vụ Internet Banking tại ngân hàng."),
    "10": _l("Xác thực thông tin thẻ/tài khoản không đúng quá 3 lần."),
    "11": _l("Đã hết thời gian chờ thanh toán. Vui lòng thực hiện lại giao dịch."),
    "12": _l("Thẻ/tài khoản bị khoá."),
    "13": _l("Nhập sai mật khẩu xác thực giao dịch (OTP). Vui lòng thực hiện lại giao dịch."),
    "24": _l("Bạn đã huỷ giao dịch."),
    "51": _l("Tài khoản không đủ số dư để thực hiện giao dịch."),
    "65": _l("Tài khoản đã vượt quá hạn mức giao dịch trong ngày."),
    "75": _l("Ngân hàng thanh toán đang bảo trì."),
    "79": _l("Nhập sai mật khẩu thanh toán quá số lần quy định. Vui lòng thực hiện lại giao dịch."),
    "99": _l("Lỗi khác khi thanh toán qua VNPay."),
}
#: vnp_ResponseCode of the merchant web API (querydr, refund).
API_MESSAGES = {
    "02": _l("Mã website (TmnCode) không hợp lệ."),
    "03": _l("Dữ liệu gửi sang VNPay không đúng định dạng."),
    "91": _l("VNPay không tìm thấy giao dịch cần hoàn tiền."),
    "94": _l("Yêu cầu bị trùng: VNPay đang xử lý yêu cầu hoàn tiền này."),
    "95": _l("Giao dịch không thành công bên VNPay, VNPay từ chối xử lý."),
    "97": _l("Chữ ký không hợp lệ."),
    "99": _l("Lỗi khác ở VNPay."),
}


def message_for(code: str) -> str:
    return str(RESPONSE_MESSAGES.get(code, RESPONSE_MESSAGES["99"]))


def _encode(text) -> str:
    """URL-encode as VNPay's server does (Java ``URLEncoder``): space → ``+``, ``~`` → ``%7E``, ``*`` kept.

    Python's ``quote_plus`` differs only on ``~`` (left as is); PHP's ``urlencode`` in VNPay's PHP
    demo also encodes ``*``. The shop never sends either in a value it controls.
    """
    return urllib.parse.quote_plus(str(text), safe="*").replace("~", "%7E")


def hash_data(params: dict) -> str:
    """The text VNPay signs: parameters (minus the hash itself) sorted by name, URL-encoded, ``&``-joined."""
    return "&".join(
        f"{_encode(key)}={_encode(value)}"
        for key, value in sorted(params.items())
        if key not in ("vnp_SecureHash", "vnp_SecureHashType") and value not in (None, "")
    )


def sign_query(params: dict, secret: str) -> str:
    """HMAC-SHA512 (hex) of :func:`hash_data` — the payment URL's and the IPN's ``vnp_SecureHash``."""
    return hmac.new(secret.encode(), hash_data(params).encode(), hashlib.sha512).hexdigest()


def sign_pipe(values: dict, fields: tuple[str, ...], secret: str) -> str:
    """HMAC-SHA512 (hex) over the values of *fields*, in that order, joined by ``|`` (querydr, refund)."""
    data = "|".join(str(values.get(name, "")) for name in fields)
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def verify_query(params: dict, secret: str) -> bool:
    given = params.get("vnp_SecureHash")
    # Bytes: compare_digest raises TypeError on a str with non-ASCII characters.
    return (
        bool(secret)
        and isinstance(given, str)
        and hmac.compare_digest(given.lower().encode(), sign_query(params, secret).encode())
    )


def vn_time(moment: datetime) -> str:
    """yyyyMMddHHmmss in Vietnam time (GMT+7), as every VNPay date field is written."""
    return moment.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def ascii_info(text: str) -> str:
    """vnp_OrderInfo: Vietnamese without diacritics and without special characters, as VNPay asks."""
    from storefront.checkout.vietqr import fold_message

    return "".join(ch for ch in fold_message(text) if ch.isalnum() or ch in " -")[:255]


class VNPay(Provider):
    code = "vnpay"
    label = _l("VNPay (QR ngân hàng, thẻ ATM, Internet Banking)")
    brand = "VNPay"
    short_label = _l("qua VNPay")
    description = _l("Thanh toán qua cổng VNPay: quét VNPay-QR bằng ứng dụng ngân hàng hoặc dùng thẻ ATM nội địa.")
    requires = ("VNPAY_TMN_CODE", "VNPAY_HASH_SECRET")
    #: VNPay's documented range for one payment: 5.000 đ to under 1 tỷ đ.
    min_vnd = 5_000
    max_vnd = 999_999_999
    redirects = True
    has_return_page = True
    can_refund = True
    callback_methods = ("GET",)

    def start(self, config, attempt: Attempt) -> Started:
        now = datetime.now(UTC)
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": config["VNPAY_TMN_CODE"],
            "vnp_Amount": attempt.amount_vnd * 100,
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": attempt.ref,
            "vnp_OrderInfo": ascii_info(f"Thanh toan don hang {attempt.order_code}"),
            "vnp_OrderType": "other",
            "vnp_Locale": "en" if attempt.language == "en" else "vn",
            "vnp_ReturnUrl": attempt.return_url,
            "vnp_IpAddr": attempt.client_ip,
            "vnp_CreateDate": vn_time(now),
            "vnp_ExpireDate": vn_time(attempt.expires_at),
        }
        query = hash_data(params)
        url = f"{config.get('VNPAY_PAY_URL') or SANDBOX_PAY_URL}?{query}&vnp_SecureHash={sign_query(params, config['VNPAY_HASH_SECRET'])}"
        return Started(provider_ref=attempt.ref, redirect_url=url, data={"create_date": params["vnp_CreateDate"]})

    def _event(self, config, callback: Callback) -> PaymentEvent:
        args = callback.args
        if not verify_query(args, config.get("VNPAY_HASH_SECRET", "")):
            raise InvalidCallback("vnp_SecureHash does not verify")
        if args.get("vnp_TmnCode") != config.get("VNPAY_TMN_CODE"):
            raise InvalidCallback("another merchant's vnp_TmnCode")
        ref, raw_amount = args.get("vnp_TxnRef") or "", args.get("vnp_Amount") or ""
        if not SAFE_REF.fullmatch(ref) or not (raw_amount.isascii() and raw_amount.isdigit() and len(raw_amount) <= 15):
            raise InvalidCallback("no usable vnp_TxnRef or vnp_Amount")
        if not SAFE_REF.fullmatch(args.get("vnp_TransactionNo") or "0"):
            raise InvalidCallback("unusable vnp_TransactionNo")
        code, status = args.get("vnp_ResponseCode", ""), args.get("vnp_TransactionStatus", "")
        amount = int(raw_amount)
        return PaymentEvent(
            kind=PAID if code == "00" and status == "00" else FAILED,
            # ×100 on the wire: an amount that is not whole đồng cannot match any order.
            amount=amount // 100 if amount % 100 == 0 else -1,
            currency="VND",
            provider_ref=ref,
            event_id=f"{ref}:{args.get('vnp_TransactionNo', '')}:{code}:{status}"[:255],
            order_code=self.order_code_from_ref(ref),
            event_type=f"ipn {code}/{status}",
            message=message_for(code),
            data={
                "transaction_no": args.get("vnp_TransactionNo", ""),
                "pay_date": args.get("vnp_PayDate", ""),
                "bank_code": args.get("vnp_BankCode", ""),
            },
        )

    def parse_callback(self, config, callback: Callback) -> PaymentEvent:
        return self._event(config, callback)

    def parse_return(self, config, callback: Callback) -> PaymentEvent:
        return self._event(config, callback)

    def answer(self, outcome: str, event: PaymentEvent | None) -> Answer:
        """The RspCode VNPay's IPN expects: 00 taken, 01 unknown order, 02 already confirmed, 04 wrong amount."""
        code, message = {
            "paid": ("00", "Confirm Success"),
            "failed": ("00", "Confirm Success"),
            "ignored": ("00", "Confirm Success"),
            "not found": ("01", "Order not found"),
            "already processed": ("02", "Order already confirmed"),
            "already paid": ("02", "Order already confirmed"),
            "needs refund": ("02", "Order already confirmed"),
            "amount mismatch": ("04", "invalid amount"),
        }.get(outcome, ("99", "Unknow error"))
        return Answer(200, json.dumps({"RspCode": code, "Message": message}))

    def invalid_answer(self, reason: str) -> Answer:
        return Answer(400, json.dumps({"RspCode": "97", "Message": "Invalid Checksum"}))

    def _api(self, config, body: dict, response_fields: tuple[str, ...]) -> dict:
        url = config.get("VNPAY_API_URL") or SANDBOX_API_URL
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                answer = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()  # it holds the open response (its socket): close it, not the collector
            log.error("vnpay %s %s failed: %s", body["vnp_Command"], body.get("vnp_TxnRef"), exc)
            raise PaymentError(str(exc)) from exc
        if not isinstance(answer, dict):
            raise PaymentError("VNPay answered something that is not a JSON object")
        given = answer.get("vnp_SecureHash", "")
        # VNPay does not sign every error answer; a success must always verify.
        if answer.get("vnp_ResponseCode") == "00" and not (
            isinstance(given, str)
            and hmac.compare_digest(
                given.lower().encode(), sign_pipe(answer, response_fields, config["VNPAY_HASH_SECRET"]).encode()
            )
        ):
            raise PaymentError("VNPay's answer does not verify")
        return answer

    def _base(self, config, command: str, request_id: str, ref: str, transaction_date: str, info: str) -> dict:
        return {
            "vnp_RequestId": request_id,
            "vnp_Version": VERSION,
            "vnp_Command": command,
            "vnp_TmnCode": config["VNPAY_TMN_CODE"],
            "vnp_TxnRef": ref,
            "vnp_OrderInfo": ascii_info(info),
            "vnp_TransactionDate": transaction_date,
            "vnp_CreateDate": vn_time(datetime.now(UTC)),
            "vnp_IpAddr": config.get("VNPAY_SERVER_IP", "127.0.0.1"),
        }

    def query(self, config, ref: str, transaction_date: str) -> dict:
        """Ask VNPay how an attempt stands (querydr); returns VNPay's verified answer."""
        body = self._base(config, "querydr", secrets.token_hex(16), ref, transaction_date, f"Truy van giao dich {ref}")
        body["vnp_SecureHash"] = sign_pipe(body, QUERYDR_REQUEST_FIELDS, config["VNPAY_HASH_SECRET"])
        return self._api(config, body, QUERYDR_RESPONSE_FIELDS)

    def refund(self, config, payment: Payable, amount_vnd: int, *, key: str, reason: str, actor: str) -> Refunded:
        """Refund all (type 02) or part (type 03) of a paid attempt; *key* is vnp_RequestId."""
        full = payment.refunded_vnd == 0 and amount_vnd == payment.amount_vnd
        body = self._base(
            config,
            "refund",
            key,
            payment.provider_ref,
            payment.data.get("create_date", ""),
            f"Hoan tien don hang {payment.order_code}",
        )
        body.update(
            vnp_TransactionType="02" if full else "03",
            vnp_Amount=amount_vnd * 100,
            vnp_TransactionNo=payment.data.get("transaction_no", ""),
            vnp_CreateBy=actor[:250],
        )
        body["vnp_SecureHash"] = sign_pipe(body, REFUND_REQUEST_FIELDS, config["VNPAY_HASH_SECRET"])
        try:
            answer = self._api(config, body, REFUND_RESPONSE_FIELDS)
        except PaymentError as exc:
            raise RefundFailed(str(_l("Chưa kết nối được VNPay để hoàn tiền, vui lòng thử lại sau."))) from exc
        code = answer.get("vnp_ResponseCode")
        if code != "00":
            raise RefundFailed(str(API_MESSAGES.get(code, API_MESSAGES["99"])))
        return Refunded(
            provider_ref=str(answer.get("vnp_TransactionNo", "")), data={"response_id": answer.get("vnp_ResponseId")}
        )


PROVIDER = VNPay()

"""MoMo e-wallet, All-In-One (AIO) payment gateway v2: ``captureWallet`` (or ``payWithATM``), IPN and refund.

- ``POST {endpoint}/v2/gateway/api/create`` with a JSON body signed by HMAC-SHA256 (hex,
  keyed with the secret key) over the raw string
  ``accessKey=…&amount=…&extraData=…&ipnUrl=…&orderId=…&orderInfo=…&partnerCode=…&redirectUrl=…&requestId=…&requestType=…``;
  the answer's ``payUrl`` is where the buyer pays.
- Amounts are whole đồng (no ×100). ``orderId`` and ``requestId`` are unique per attempt.
- The IPN is a JSON POST signed over a different field set
  (``accessKey, amount, extraData, message, orderId, orderInfo, orderType, partnerCode, payType,
  requestId, responseTime, resultCode, transId``); the shop answers 204 once it verified it.
  The buyer's redirect carries the same fields in its query string.
- Refund: ``POST {endpoint}/v2/gateway/api/refund`` signed over
  ``accessKey, amount, description, orderId, partnerCode, requestId, transId``.
"""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from flask_babel import lazy_gettext as _l

from storefront.checkout.providers.base import (
    FAILED,
    PAID,
    SAFE_REF,
    Answer,
    Attempt,
    Callback,
    InvalidCallback,
    Payable,
    PaymentDeclined,
    PaymentError,
    PaymentEvent,
    Provider,
    Refunded,
    RefundFailed,
    Started,
)

log = logging.getLogger(__name__)

SANDBOX_ENDPOINT = "https://test-payment.momo.vn"
CREATE_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "ipnUrl",
    "orderId",
    "orderInfo",
    "partnerCode",
    "redirectUrl",
    "requestId",
    "requestType",
)
RESULT_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "message",
    "orderId",
    "orderInfo",
    "orderType",
    "partnerCode",
    "payType",
    "requestId",
    "responseTime",
    "resultCode",
    "transId",
)
REFUND_FIELDS = ("accessKey", "amount", "description", "orderId", "partnerCode", "requestId", "transId")

#: resultCode values the buyer or the office may see, in MoMo's own words (Vietnamese).
RESULT_MESSAGES = {
    0: _l("Thanh toán thành công."),
    1001: _l("Tài khoản MoMo không đủ tiền để thanh toán."),
    1002: _l("Giao dịch bị từ chối bởi nhà phát hành phương thức thanh toán."),
    1003: _l("Giao dịch đã bị huỷ."),
    1004: _l("Số tiền vượt quá hạn mức thanh toán của người dùng."),
    1005: _l("Liên kết hoặc mã QR thanh toán đã hết hạn."),
    1006: _l("Bạn đã từ chối xác nhận thanh toán."),
    1007: _l("Tài khoản MoMo đang bị tạm khoá."),
    11: _l("MoMo từ chối truy cập."),
    13: _l("Xác thực doanh nghiệp thất bại (sai chữ ký hoặc khoá)."),
    21: _l("Số tiền không hợp lệ."),
    22: _l("Số tiền nằm ngoài hạn mức MoMo cho phép."),
    41: _l("Mã đơn (orderId) bị trùng."),
    42: _l("MoMo không tìm thấy giao dịch."),
    99: _l("Lỗi không xác định ở MoMo."),
}


def message_for(code) -> str:
    return str(RESULT_MESSAGES.get(code, RESULT_MESSAGES[99]))


def _whole(value) -> int | None:
    """A JSON integer, or digits in a query string; None for anything else (floats, text, booleans)."""
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit() and len(value) <= 15:
        return int(value)
    return None


def raw_signature(values: dict, fields: tuple[str, ...]) -> str:
    """``name=value`` for *fields* in the documented order joined by ``&``, values not encoded."""
    return "&".join(f"{name}={values.get(name, '')}" for name in fields)


def sign(values: dict, fields: tuple[str, ...], secret: str) -> str:
    return hmac.new(secret.encode(), raw_signature(values, fields).encode(), hashlib.sha256).hexdigest()


class MoMo(Provider):
    code = "momo"
    label = _l("Ví MoMo")
    brand = "MoMo"
    short_label = _l("qua ví MoMo")
    description = _l("Thanh toán bằng ứng dụng MoMo (quét mã QR hoặc mở ứng dụng trên điện thoại).")
    requires = ("MOMO_PARTNER_CODE", "MOMO_ACCESS_KEY", "MOMO_SECRET_KEY")
    #: MoMo takes 1.000–50.000.000 đ with captureWallet and from 10.000 đ with payWithATM
    #: (MOMO_REQUEST_TYPE); the shop offers MoMo from 10.000 đ, so either setting accepts every order.
    min_vnd = 10_000
    max_vnd = 50_000_000
    redirects = True
    has_return_page = True
    can_refund = True

    def _request_type(self, config) -> str:
        return config.get("MOMO_REQUEST_TYPE") or "captureWallet"

    def _post(self, config, path: str, body: dict) -> dict:
        url = (config.get("MOMO_ENDPOINT") or SANDBOX_ENDPOINT).rstrip("/") + path
        request = urllib.request.Request(
            url,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=UTF-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:  # MoMo answers 4xx with a JSON resultCode too
            try:
                with exc:  # it holds the open response: close it, not the collector
                    answer = json.loads(exc.read())
            except ValueError:
                raise PaymentError(str(exc)) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            log.error("momo %s failed: %s", path, exc)
            raise PaymentError(str(exc)) from exc
        if not isinstance(answer, dict):
            raise PaymentError("MoMo answered something that is not a JSON object")
        return answer

    def start(self, config, attempt: Attempt) -> Started:
        body = {
            "partnerCode": config["MOMO_PARTNER_CODE"],
            "accessKey": config["MOMO_ACCESS_KEY"],
            "requestId": attempt.ref,
            "amount": attempt.amount_vnd,
            "orderId": attempt.ref,
            "orderInfo": f"Thanh toán đơn hàng {attempt.order_code}",
            "redirectUrl": attempt.return_url,
            "ipnUrl": attempt.notify_url,
            "extraData": "",
            "requestType": self._request_type(config),
        }
        signature = sign(body, CREATE_FIELDS, config["MOMO_SECRET_KEY"])
        del body["accessKey"]  # signed over, never sent
        body.update(lang="en" if attempt.language == "en" else "vi", signature=signature)
        answer = self._post(config, "/v2/gateway/api/create", body)
        code = answer.get("resultCode")
        if code != 0 or not isinstance(answer.get("payUrl"), str):
            log.error("momo create for %s refused: %s %s", attempt.ref, code, answer.get("message"))
            if code in (21, 22, 1004):
                raise PaymentDeclined(message_for(code))
            raise PaymentError(f"MoMo resultCode {code}: {answer.get('message')}")
        return Started(provider_ref=attempt.ref, redirect_url=answer["payUrl"])

    def _verified(self, config, values: dict) -> PaymentEvent:
        given = values.get("signature")
        if not config.get("MOMO_SECRET_KEY"):
            raise InvalidCallback("MoMo is not configured")
        expected = sign(
            {**values, "accessKey": config.get("MOMO_ACCESS_KEY", "")}, RESULT_FIELDS, config.get("MOMO_SECRET_KEY", "")
        )
        if not isinstance(given, str) or not hmac.compare_digest(given.lower().encode(), expected.encode()):
            raise InvalidCallback("signature does not verify")
        if values.get("partnerCode") != config.get("MOMO_PARTNER_CODE"):
            raise InvalidCallback("another partner's partnerCode")
        ref = values.get("orderId")
        amount, code = _whole(values.get("amount")), _whole(values.get("resultCode"))
        if amount is None or code is None:
            raise InvalidCallback("amount or resultCode is not a whole number")
        trans_id = str(values.get("transId", ""))
        if not isinstance(ref, str) or not SAFE_REF.fullmatch(ref) or not SAFE_REF.fullmatch(trans_id):
            raise InvalidCallback("no usable orderId or transId")
        return PaymentEvent(
            kind=PAID if code == 0 else FAILED,
            amount=amount,
            currency="VND",
            provider_ref=ref,
            event_id=f"{ref}:{trans_id}:{code}"[:255],
            order_code=self.order_code_from_ref(ref),
            event_type=f"ipn {code}",
            message=message_for(code),
            data={"trans_id": trans_id, "pay_type": str(values.get("payType", ""))},
        )

    def parse_callback(self, config, callback: Callback) -> PaymentEvent:
        try:
            values = json.loads(callback.body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep to parse
            raise InvalidCallback("body is not JSON") from exc
        if not isinstance(values, dict):
            raise InvalidCallback("body is not a JSON object")
        return self._verified(config, values)

    def parse_return(self, config, callback: Callback) -> PaymentEvent:
        return self._verified(config, callback.args)

    def answer(self, outcome: str, event: PaymentEvent | None) -> Answer:
        """MoMo wants 204 No Content once the IPN verified, whatever the shop made of it."""
        return Answer(204, b"")

    def refund(self, config, payment: Payable, amount_vnd: int, *, key: str, reason: str, actor: str) -> Refunded:
        """Refund all or part of a paid attempt; *key* is the refund's own orderId and requestId."""
        trans_id = payment.data.get("trans_id")
        if not trans_id:
            raise RefundFailed(str(_l("MoMo chưa báo mã giao dịch (transId) của khoản này.")))
        body = {
            "partnerCode": config["MOMO_PARTNER_CODE"],
            "accessKey": config["MOMO_ACCESS_KEY"],
            "orderId": key,
            "requestId": key,
            "amount": amount_vnd,
            "transId": int(trans_id),
            "description": f"Hoàn tiền đơn hàng {payment.order_code}",
        }
        signature = sign(body, REFUND_FIELDS, config["MOMO_SECRET_KEY"])
        del body["accessKey"]
        body.update(lang="vi", signature=signature)
        try:
            answer = self._post(config, "/v2/gateway/api/refund", body)
        except PaymentError as exc:
            raise RefundFailed(str(_l("Chưa kết nối được MoMo để hoàn tiền, vui lòng thử lại sau."))) from exc
        if answer.get("resultCode") != 0:
            raise RefundFailed(message_for(answer.get("resultCode")))
        return Refunded(provider_ref=str(answer.get("transId", "")))


PROVIDER = MoMo()

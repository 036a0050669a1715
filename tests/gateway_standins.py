"""Loopback STAND-INS for the VNPay and MoMo gateways (no outside sandbox is reachable from tests).

These are not VNPay's or MoMo's servers. Each implements, from the gateway's published
integration documents, the wire protocol the shop speaks: parameter names, signatures,
amounts, result codes, and the gateway's calls back to the shop (IPN) and the buyer's
return. Their signing code is written here independently of
``storefront.checkout.providers`` so a mistake there is caught, and they refuse what the
real gateway refuses (a bad signature, a reused reference, an amount out of range, an
unknown transaction) and record every refusal in ``refusals``.

- :class:`VNPayStandIn` — VNPay payment URL API **2.1.0** (``/paymentv2/vpcpay.html``),
  its IPN (GET, signed query, ``RspCode`` answer) and the merchant web API
  (``/merchant_webapi/api/transaction``: ``querydr`` and ``refund``, pipe-joined signatures).
- :class:`MoMoStandIn` — MoMo All-In-One payment gateway **v2** (``/v2/gateway/api/create``
  with ``captureWallet``/``payWithATM``, IPN as signed JSON POST answered 204,
  ``/v2/gateway/api/refund``).

Nothing here is a pytest fixture; tests wrap them.
"""

import hashlib
import hmac
import html
import itertools
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VN = timezone(timedelta(hours=7))


def _vn_now() -> str:
    return datetime.now(UTC).astimezone(VN).strftime("%Y%m%d%H%M%S")


class _Server:
    """A threaded loopback HTTP server whose handler calls ``self.route(handler, method)``."""

    def __init__(self, port: int = 0):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # keep test output quiet
                pass

            def do_GET(self):
                outer._dispatch(self, "GET")

            def do_POST(self):
                outer._dispatch(self, "POST")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self.refusals: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _dispatch(self, handler, method):
        try:
            self.route(handler, method)
        except Exception as exc:  # a bug in the stand-in must show, not hang the test
            self._send(handler, 500, f"stand-in error: {exc!r}".encode(), "text/plain")
            raise

    @staticmethod
    def _send(handler, status: int, body: bytes, content_type: str, headers: dict | None = None):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _json(self, handler, status: int, obj: dict):
        self._send(handler, status, json.dumps(obj).encode(), "application/json")

    @staticmethod
    def _body(handler) -> bytes:
        return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))

    @staticmethod
    def _form(handler) -> dict:
        return {k: v[0] for k, v in urllib.parse.parse_qs(_Server._body(handler).decode()).items()}

    def _refuse(self, what: str, why: str):
        with self._lock:
            self.refusals.append((what, why))

    @staticmethod
    def _page(title: str, body: str) -> bytes:
        return (
            f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<h1>{html.escape(title)}</h1>{body}</html>"
        ).encode()


# --- VNPay ---------------------------------------------------------------------------------------


def _java_urlencode(text: str) -> str:
    """``java.net.URLEncoder.encode(text, UTF-8)``: letters, digits and ``.-*_`` kept, space → ``+``, else %XX."""
    out = []
    for byte in str(text).encode():
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in ".-*_"):
            out.append(char)
        elif char == " ":
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def vnpay_query_hash(params: dict, secret: str) -> str:
    """VNPay's URL signature: names sorted, ``name=value`` URL-encoded (as VNPay's Java server does), HMAC-SHA512."""
    pairs = sorted((k, v) for k, v in params.items() if k not in ("vnp_SecureHash", "vnp_SecureHashType") and v != "")
    data = "&".join(f"{_java_urlencode(k)}={_java_urlencode(v)}" for k, v in pairs)
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def vnpay_pipe_hash(values: dict, fields, secret: str) -> str:
    data = "|".join(str(values.get(name, "")) for name in fields)
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


_VNP_PAY_REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CreateDate",
    "vnp_CurrCode",
    "vnp_IpAddr",
    "vnp_Locale",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_ReturnUrl",
    "vnp_TxnRef",
    "vnp_SecureHash",
)
_VNP_QUERYDR = (
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
_VNP_REFUND = (
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
_VNP_ANSWER = (
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
)
_VNP_QUERY_ANSWER = _VNP_ANSWER + ("vnp_PromotionCode", "vnp_PromotionAmount")


class VNPayStandIn(_Server):
    """STAND-IN for VNPay (payment URL API 2.1.0, IPN, merchant web API querydr/refund); not VNPay.

    ``ipn_url`` is what the merchant registers with VNPay (VNPay does not take it per request).
    ``ipn_answers`` records ``(vnp_TxnRef, HTTP status, RspCode)`` of every IPN it delivered.
    """

    def __init__(self, tmn_code: str, secret: str, *, ipn_url: str | None = None, port: int = 0):
        super().__init__(port)
        self.tmn_code, self.secret, self.ipn_url = tmn_code, secret, ipn_url
        self.transactions: dict[str, dict] = {}
        self.request_ids: set[str] = set()
        self.ipn_answers: list[tuple[str, int, str | None]] = []
        self._numbers = itertools.count(14_000_001)

    @property
    def pay_url(self) -> str:
        return self.base_url + "/paymentv2/vpcpay.html"

    @property
    def api_url(self) -> str:
        return self.base_url + "/merchant_webapi/api/transaction"

    # the payment page

    def check_payment_url(self, query: str) -> tuple[str | None, dict]:
        """Validate a payment URL's query as VNPay does; return (error code or None, params)."""
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        params = dict(pairs)
        if len(params) != len(pairs):
            return "03", params
        missing = [name for name in _VNP_PAY_REQUIRED if not params.get(name)]
        if missing:
            return "03", params
        if params["vnp_Version"] != "2.1.0" or params["vnp_Command"] != "pay" or params["vnp_CurrCode"] != "VND":
            return "03", params
        if params["vnp_TmnCode"] != self.tmn_code:
            return "02", params
        if not hmac.compare_digest(params["vnp_SecureHash"].lower(), vnpay_query_hash(params, self.secret)):
            return "70", params  # VNPay's error page: "Sai chữ ký"
        amount = params["vnp_Amount"]
        if not amount.isdigit() or int(amount) % 100 or not 5_000 * 100 <= int(amount) < 1_000_000_000 * 100:
            return "04", params  # amount not ×100 of whole đồng, or outside 5.000 đ – 1 tỷ đ
        for name in ("vnp_CreateDate", "vnp_ExpireDate"):
            value = params.get(name, "")
            if name in params and not (len(value) == 14 and value.isdigit()):
                return "03", params
        if params.get("vnp_ExpireDate") and params["vnp_ExpireDate"] <= _vn_now():
            return "11", params  # "Đã hết hạn chờ thanh toán"
        if params["vnp_TxnRef"] in self.transactions:
            return "94", params  # the same vnp_TxnRef twice
        return None, params

    def route(self, handler, method):
        path, _, query = handler.path.partition("?")
        if path == "/paymentv2/vpcpay.html" and method == "GET":
            error, params = self.check_payment_url(query)
            if error:
                self._refuse("pay", error)
                return self._send(handler, 400, self._page("VNPAY", f'<p id="error-code">{error}</p>'), "text/html")
            ref = params["vnp_TxnRef"]
            self.transactions[ref] = {"request": params, "status": "open", "refunded": 0}
            amount = int(params["vnp_Amount"]) // 100
            body = (
                f'<p>Merchant {html.escape(self.tmn_code)} · <span id="amount">{amount}</span> VND · '
                f"{html.escape(params['vnp_OrderInfo'])}</p>"
                f'<form method="post" action="/paymentv2/pay"><input type="hidden" name="ref" value="{html.escape(ref)}">'
                '<button name="outcome" value="00">Thanh toán</button>'
                '<button name="outcome" value="24">Hủy thanh toán</button></form>'
            )
            return self._send(handler, 200, self._page("Cổng thanh toán VNPAY (stand-in)", body), "text/html")
        if path == "/paymentv2/pay" and method == "POST":
            form = self._form(handler)
            params = self.complete(form.get("ref", ""), response_code=form.get("outcome", "00"))
            return_url = self.transactions[form["ref"]]["request"]["vnp_ReturnUrl"]
            location = return_url + ("&" if "?" in return_url else "?") + urllib.parse.urlencode(params)
            return self._send(handler, 302, b"", "text/plain", {"Location": location})
        if path == "/merchant_webapi/api/transaction" and method == "POST":
            return self._api(handler)
        self._send(handler, 404, b"not found", "text/plain")

    def complete(
        self, ref: str, *, response_code: str = "00", amount_vnd: int | None = None, deliver: bool = True
    ) -> dict:
        """Finish an open payment the way VNPay does: sign the result, call the IPN, return the params.

        ``amount_vnd`` overrides the amount reported (a tampered or mismatched amount).
        """
        txn = self.transactions[ref]
        request = txn["request"]
        number = str(next(self._numbers))
        paid = response_code == "00"
        params = {
            "vnp_Amount": str(amount_vnd * 100 if amount_vnd is not None else request["vnp_Amount"]),
            "vnp_BankCode": "NCB",
            "vnp_BankTranNo": f"VNP{number}",
            "vnp_CardType": "ATM",
            "vnp_OrderInfo": request["vnp_OrderInfo"],
            "vnp_PayDate": _vn_now(),
            "vnp_ResponseCode": response_code,
            "vnp_TmnCode": self.tmn_code,
            "vnp_TransactionNo": number if paid else "0",
            "vnp_TransactionStatus": "00" if paid else "02",
            "vnp_TxnRef": ref,
        }
        params["vnp_SecureHashType"] = "HmacSHA512"
        params["vnp_SecureHash"] = vnpay_query_hash(params, self.secret)
        txn.update(status="paid" if paid else "failed", result=params, number=number if paid else None)
        if deliver and self.ipn_url:
            self.deliver_ipn(params)
        return params

    def deliver_ipn(self, params: dict) -> tuple[int, dict | None]:
        url = self.ipn_url + ("&" if "?" in self.ipn_url else "?") + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                status, body = exc.code, exc.read()
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        self.ipn_answers.append((params["vnp_TxnRef"], status, (answer or {}).get("RspCode")))
        return status, answer

    # the merchant web API

    def _answer(self, handler, command: str, code: str, message: str, txn: dict | None, extra: dict) -> None:
        result = (txn or {}).get("result", {})
        answer = {
            "vnp_ResponseId": f"r{next(self._numbers)}",
            "vnp_Command": command,
            "vnp_ResponseCode": code,
            "vnp_Message": message,
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": result.get("vnp_TxnRef", ""),
            "vnp_Amount": result.get("vnp_Amount", ""),
            "vnp_BankCode": result.get("vnp_BankCode", ""),
            "vnp_PayDate": result.get("vnp_PayDate", ""),
            "vnp_TransactionNo": result.get("vnp_TransactionNo", ""),
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": result.get("vnp_TransactionStatus", ""),
            "vnp_OrderInfo": result.get("vnp_OrderInfo", ""),
            **extra,
        }
        if command == "querydr":
            answer.update(vnp_PromotionCode="", vnp_PromotionAmount="")
        fields = _VNP_QUERY_ANSWER if command == "querydr" else _VNP_ANSWER
        answer["vnp_SecureHash"] = vnpay_pipe_hash(answer, fields, self.secret)
        self._json(handler, 200, answer)

    def _api(self, handler):
        try:
            body = json.loads(self._body(handler))
        except ValueError:
            self._refuse("api", "03 not JSON")
            return self._json(handler, 200, {"vnp_ResponseCode": "03", "vnp_Message": "Invalid data format"})
        command = body.get("vnp_Command")
        fields = {"querydr": _VNP_QUERYDR, "refund": _VNP_REFUND}.get(command)
        if fields is None or any(name not in body for name in fields + ("vnp_SecureHash",)):
            self._refuse(str(command), "03 missing fields")
            return self._answer(handler, str(command), "03", "Invalid data format", None, {})
        if body["vnp_Version"] != "2.1.0" or body["vnp_TmnCode"] != self.tmn_code:
            self._refuse(command, "02 merchant")
            return self._answer(handler, command, "02", "Merchant is not valid", None, {})
        if not hmac.compare_digest(str(body["vnp_SecureHash"]).lower(), vnpay_pipe_hash(body, fields, self.secret)):
            self._refuse(command, "97 checksum")
            return self._answer(handler, command, "97", "Invalid Checksum", None, {})
        if body["vnp_RequestId"] in self.request_ids:
            self._refuse(command, "94 duplicate request")
            return self._answer(handler, command, "94", "Duplicate request", None, {})
        self.request_ids.add(body["vnp_RequestId"])
        txn = self.transactions.get(body["vnp_TxnRef"])
        if txn is None or txn["request"]["vnp_CreateDate"] != body["vnp_TransactionDate"]:
            self._refuse(command, "91 not found")
            return self._answer(handler, command, "91", "Transaction not found", None, {})
        if command == "querydr":
            return self._answer(handler, command, "00", "Query success", txn, {})
        if txn["status"] != "paid" or str(txn.get("number")) != str(body["vnp_TransactionNo"]):
            self._refuse(command, "95 not a paid transaction")
            return self._answer(handler, command, "95", "Transaction is not success", txn, {})
        amount = str(body["vnp_Amount"])
        paid = int(txn["result"]["vnp_Amount"]) // 100
        kind = body["vnp_TransactionType"]
        if not amount.isdigit() or int(amount) % 100:
            self._refuse(command, "03 amount")
            return self._answer(handler, command, "03", "Invalid amount", txn, {})
        refund = int(amount) // 100
        left = paid - txn["refunded"]
        if (
            refund <= 0
            or refund > left
            or kind not in ("02", "03")
            or (kind == "02" and (refund != paid or txn["refunded"]))
        ):
            self._refuse(command, "03 refund amount or type")
            return self._answer(handler, command, "03", "Invalid refund amount", txn, {})
        txn["refunded"] += refund
        return self._answer(
            handler, command, "00", "Refund success", txn, {"vnp_Amount": amount, "vnp_TransactionType": kind}
        )


# --- MoMo ----------------------------------------------------------------------------------------

_MOMO_CREATE = (
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
_MOMO_RESULT = (
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
_MOMO_REFUND = ("accessKey", "amount", "description", "orderId", "partnerCode", "requestId", "transId")


def momo_signature(values: dict, fields, secret: str) -> str:
    """MoMo's HMAC-SHA256 over ``name=value&…`` of *fields* in the documented order (values raw)."""
    raw = "&".join(f"{name}={values.get(name, '')}" for name in fields)
    return hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()


class MoMoStandIn(_Server):
    """STAND-IN for MoMo's AIO payment gateway v2 (create, IPN, redirect, refund); not MoMo.

    ``ipn_answers`` records ``(orderId, HTTP status)`` of every IPN it delivered.
    """

    LIMITS = {"captureWallet": (1_000, 50_000_000), "payWithATM": (10_000, 50_000_000)}

    def __init__(self, partner_code: str, access_key: str, secret_key: str, *, port: int = 0):
        super().__init__(port)
        self.partner_code, self.access_key, self.secret_key = partner_code, access_key, secret_key
        self.orders: dict[str, dict] = {}
        self.request_ids: set[str] = set()
        self.ipn_answers: list[tuple[str, int]] = []
        self._trans_ids = itertools.count(4_100_000_001)

    def _result(self, handler, code: int, message: str, body: dict, **extra):
        self._json(
            handler,
            200,
            {
                "partnerCode": self.partner_code,
                "requestId": body.get("requestId", ""),
                "orderId": body.get("orderId", ""),
                "amount": body.get("amount", 0),
                "responseTime": int(datetime.now(UTC).timestamp() * 1000),
                "message": message,
                "resultCode": code,
                **extra,
            },
        )

    def route(self, handler, method):
        path = handler.path.partition("?")[0]
        if path == "/v2/gateway/api/create" and method == "POST":
            return self._create(handler)
        if path == "/v2/gateway/api/refund" and method == "POST":
            return self._refund(handler)
        if path.startswith("/pay/"):
            order_id = urllib.parse.unquote(path[len("/pay/") :])
            order = self.orders.get(order_id)
            if order is None or order["status"] != "open":
                return self._send(handler, 404, self._page("MoMo", "<p>Giao dịch không tồn tại.</p>"), "text/html")
            if method == "GET":
                body = (
                    f'<p>Thanh toán <span id="amount">{order["request"]["amount"]}</span>đ · '
                    f"{html.escape(order['request']['orderInfo'])}</p>"
                    '<form method="post"><button name="result" value="0">Xác nhận thanh toán</button>'
                    '<button name="result" value="1006">Huỷ</button></form>'
                )
                return self._send(handler, 200, self._page("Ví MoMo (stand-in)", body), "text/html")
            result = int(self._form(handler).get("result", "0"))
            params = self.complete(order_id, result_code=result)
            redirect = order["request"]["redirectUrl"]
            location = redirect + ("&" if "?" in redirect else "?") + urllib.parse.urlencode(params)
            return self._send(handler, 302, b"", "text/plain", {"Location": location})
        self._send(handler, 404, b"not found", "text/plain")

    def _read(self, handler) -> dict | None:
        try:
            body = json.loads(self._body(handler))
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _create(self, handler):
        body = self._read(handler)
        if body is None:
            self._refuse("create", "20 bad format")
            return self._send(handler, 400, b'{"resultCode": 20, "message": "Bad format"}', "application/json")
        required = ("partnerCode", "requestId", "amount", "orderId", "orderInfo", "redirectUrl", "ipnUrl")
        required += ("requestType", "extraData", "signature", "lang")
        if any(name not in body for name in required) or body["lang"] not in ("vi", "en"):
            self._refuse("create", "20 missing fields")
            return self._result(handler, 20, "Bad format request.", body)
        if "accessKey" in body:
            self._refuse("create", "20 accessKey sent")
            return self._result(handler, 20, "Bad format request.", body)
        signed = {**body, "accessKey": self.access_key}
        if body["partnerCode"] != self.partner_code or not hmac.compare_digest(
            str(body["signature"]), momo_signature(signed, _MOMO_CREATE, self.secret_key)
        ):
            self._refuse("create", "13 authentication")
            return self._result(handler, 13, "Merchant authentication failed.", body)
        limits = self.LIMITS.get(body["requestType"])
        if limits is None:
            self._refuse("create", "20 requestType")
            return self._result(handler, 20, "Bad format request.", body)
        if type(body["amount"]) is not int:
            self._refuse("create", "21 amount")
            return self._result(handler, 21, "Invalid amount.", body)
        if not limits[0] <= body["amount"] <= limits[1]:
            self._refuse("create", "22 amount range")
            return self._result(handler, 22, "Amount out of range.", body)
        if body["requestId"] in self.request_ids:
            self._refuse("create", "40 duplicate requestId")
            return self._result(handler, 40, "Duplicate requestId.", body)
        if body["orderId"] in self.orders:
            self._refuse("create", "41 duplicate orderId")
            return self._result(handler, 41, "Duplicate orderId.", body)
        self.request_ids.add(body["requestId"])
        self.orders[body["orderId"]] = {"request": body, "status": "open", "refunded": 0}
        pay_url = f"{self.base_url}/pay/{urllib.parse.quote(body['orderId'])}"
        return self._result(handler, 0, "Thành công.", body, payUrl=pay_url, deeplink=pay_url, qrCodeUrl=pay_url)

    def complete(
        self, order_id: str, *, result_code: int = 0, amount_vnd: int | None = None, deliver: bool = True
    ) -> dict:
        """Finish an open payment the way MoMo does: sign the result, POST the IPN, return the fields."""
        order = self.orders[order_id]
        request = order["request"]
        trans_id = next(self._trans_ids)
        params = {
            "partnerCode": self.partner_code,
            "orderId": order_id,
            "requestId": request["requestId"],
            "amount": amount_vnd if amount_vnd is not None else request["amount"],
            "orderInfo": request["orderInfo"],
            "orderType": "momo_wallet",
            "transId": trans_id,
            "resultCode": result_code,
            "message": "Thành công." if result_code == 0 else "Giao dịch bị từ chối bởi người dùng.",
            "payType": "qr",
            "responseTime": int(datetime.now(UTC).timestamp() * 1000),
            "extraData": request["extraData"],
        }
        params["signature"] = momo_signature({**params, "accessKey": self.access_key}, _MOMO_RESULT, self.secret_key)
        order.update(status="paid" if result_code == 0 else "failed", trans_id=trans_id, result=params)
        if deliver:
            self.deliver_ipn(params)
        return params

    def deliver_ipn(self, params: dict) -> int:
        url = self.orders[params["orderId"]]["request"]["ipnUrl"]
        request = urllib.request.Request(
            url, data=json.dumps(params).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
        self.ipn_answers.append((params["orderId"], status))
        return status

    def _refund(self, handler):
        body = self._read(handler)
        required = ("partnerCode", "orderId", "requestId", "amount", "transId", "lang", "description", "signature")
        if body is None or any(name not in body for name in required):
            self._refuse("refund", "20 bad format")
            return self._result(handler, 20, "Bad format request.", body or {})
        signed = {**body, "accessKey": self.access_key}
        if body["partnerCode"] != self.partner_code or not hmac.compare_digest(
            str(body["signature"]), momo_signature(signed, _MOMO_REFUND, self.secret_key)
        ):
            self._refuse("refund", "13 authentication")
            return self._result(handler, 13, "Merchant authentication failed.", body)
        if body["requestId"] in self.request_ids or body["orderId"] in self.orders:
            self._refuse("refund", "41 duplicate orderId/requestId")
            return self._result(handler, 41, "Duplicate orderId.", body)
        paid = next((o for o in self.orders.values() if o.get("trans_id") == body["transId"]), None)
        if paid is None or paid["status"] != "paid":
            self._refuse("refund", "42 transaction not found")
            return self._result(handler, 42, "Transaction not found.", body)
        amount = body["amount"]
        if type(amount) is not int or not 0 < amount <= paid["result"]["amount"] - paid["refunded"]:
            self._refuse("refund", "21 amount")
            return self._result(handler, 21, "Invalid amount.", body)
        self.request_ids.add(body["requestId"])
        paid["refunded"] += amount
        self.orders[body["orderId"]] = {"request": body, "status": "refund", "refunded": 0}
        return self._result(handler, 0, "Thành công.", body, transId=next(self._trans_ids))

"""Known-answer tests: the providers' signatures equal what the gateways' own sample code computes.

Where each vector comes from is written next to it. The expected hex digests were produced
by running the quoted sample code (transcribed, with the fixed inputs below) once; they are
literals here so a change in the modules' signing shows as a failure.
"""

import hashlib
import hmac
import urllib.parse

from storefront.checkout.providers import momo, vnpay
from tests.gateway_standins import momo_signature, vnpay_pipe_hash, vnpay_query_hash

# --- VNPay ---------------------------------------------------------------------------------------

#: Inputs for VNPay's payment URL; the secret is a made-up test secret, not a VNPay key.
VNPAY_SECRET = "RAOEXHYVSDDIIENYWSLDIIZTANXUXZFJ"
VNPAY_PARAMS = {
    "vnp_Version": "2.1.0",
    "vnp_Command": "pay",
    "vnp_TmnCode": "DEMOV210",
    "vnp_Amount": 10000000,
    "vnp_CurrCode": "VND",
    "vnp_TxnRef": "TN7F3K9Q01",
    "vnp_OrderInfo": "Thanh toan don hang TN-7F3K9Q",
    "vnp_OrderType": "other",
    "vnp_Locale": "vn",
    "vnp_CreateDate": "20261206223000",
    "vnp_IpAddr": "127.0.0.1",
    "vnp_ReturnUrl": "https://ocop.example.vn/orders/TN-7F3K9Q/paid",
}
#: Output of ``vnpay.get_payment_url`` from VNPay's Python demo (class ``vnpay`` in its ``vnpay.py``:
#: ``sorted(requestData.items())``, ``key + '=' + urllib.parse.quote_plus(str(val))`` joined by ``&``,
#: ``hmac.new(secret, data, hashlib.sha512).hexdigest()``), for VNPAY_PARAMS and VNPAY_SECRET.
#: The demo is quoted as mirrored in public repositories (e.g. nguyentin05/clinic-management
#: apps/payment/ultis.py); VNPay's PHP demo (``urlencode`` + ``hash_hmac('sha512', ...)``) gives the
#: same text for these inputs, which hold no ``~`` or ``*``.
VNPAY_DEMO_HASH = (
    "ea68ffe43be7145c8c00212818af745330644355a4697ed5becd2228f8df777d"
    "179447087eea5fa412cbaf0966305998e2cc3cd61db64fd403091ad17b9a7807"
)


def vnpay_python_demo(request_data: dict, secret_key: str) -> str:
    """VNPay's Python demo ``get_payment_url`` signing, transcribed (only the hash part)."""
    input_data = sorted(request_data.items())
    query_string = ""
    seq = 0
    for key, val in input_data:
        if seq == 1:
            query_string = query_string + "&" + key + "=" + urllib.parse.quote_plus(str(val))
        else:
            seq = 1
            query_string = key + "=" + urllib.parse.quote_plus(str(val))
    return hmac.new(secret_key.encode("utf-8"), query_string.encode("utf-8"), hashlib.sha512).hexdigest()


def test_vnpay_payment_url_hash_matches_vnpays_python_demo():
    assert vnpay.sign_query(VNPAY_PARAMS, VNPAY_SECRET) == VNPAY_DEMO_HASH
    assert vnpay_python_demo(VNPAY_PARAMS, VNPAY_SECRET) == VNPAY_DEMO_HASH
    assert vnpay_query_hash({k: str(v) for k, v in VNPAY_PARAMS.items()}, VNPAY_SECRET) == VNPAY_DEMO_HASH


def test_vnpay_hash_ignores_the_hash_fields_and_encodes_like_vnpays_server():
    signed = {**VNPAY_PARAMS, "vnp_SecureHash": "x", "vnp_SecureHashType": "HmacSHA512"}
    assert vnpay.sign_query(signed, VNPAY_SECRET) == VNPAY_DEMO_HASH
    # "~" is where Python's quote_plus and VNPay's Java URLEncoder differ: the module follows VNPay.
    tilde = {**VNPAY_PARAMS, "vnp_ReturnUrl": "https://ocop.example.vn/~shop/paid"}
    assert "%7Eshop" in vnpay.hash_data(tilde)
    assert vnpay.sign_query(tilde, VNPAY_SECRET) == vnpay_query_hash(tilde, VNPAY_SECRET)


def test_vnpay_verify_refuses_a_changed_parameter():
    signed = {**{k: str(v) for k, v in VNPAY_PARAMS.items()}, "vnp_SecureHash": VNPAY_DEMO_HASH}
    assert vnpay.verify_query(signed, VNPAY_SECRET)
    assert vnpay.verify_query({**signed, "vnp_SecureHash": VNPAY_DEMO_HASH.upper()}, VNPAY_SECRET)
    assert not vnpay.verify_query({**signed, "vnp_Amount": "10000100"}, VNPAY_SECRET)
    assert not vnpay.verify_query({**signed, "vnp_SecureHash": ""}, VNPAY_SECRET)


def test_vnpay_refund_signature_is_over_the_documented_pipe_joined_fields():
    """Vector: VNPay's refund API (merchant_webapi, version 2.1.0) documents the checksum data as
    vnp_RequestId|vnp_Version|vnp_Command|vnp_TmnCode|vnp_TransactionType|vnp_TxnRef|vnp_Amount|
    vnp_TransactionNo|vnp_TransactionDate|vnp_CreateBy|vnp_CreateDate|vnp_IpAddr|vnp_OrderInfo;
    the literal below is that line for these values."""
    body = {
        "vnp_RequestId": "rf12n1",
        "vnp_Version": "2.1.0",
        "vnp_Command": "refund",
        "vnp_TmnCode": "DEMOV210",
        "vnp_TransactionType": "03",
        "vnp_TxnRef": "TN7F3K9Q01",
        "vnp_Amount": 5000000,
        "vnp_TransactionNo": "14000001",
        "vnp_TransactionDate": "20261206223000",
        "vnp_CreateBy": "office@ocop.vn",
        "vnp_CreateDate": "20261207090000",
        "vnp_IpAddr": "127.0.0.1",
        "vnp_OrderInfo": "Hoan tien don hang TN-7F3K9Q",
    }
    line = (
        "rf12n1|2.1.0|refund|DEMOV210|03|TN7F3K9Q01|5000000|14000001|20261206223000|office@ocop.vn|"
        "20261207090000|127.0.0.1|Hoan tien don hang TN-7F3K9Q"
    )
    expected = hmac.new(VNPAY_SECRET.encode(), line.encode(), hashlib.sha512).hexdigest()
    assert vnpay.sign_pipe(body, vnpay.REFUND_REQUEST_FIELDS, VNPAY_SECRET) == expected
    assert vnpay_pipe_hash(body, vnpay.REFUND_REQUEST_FIELDS, VNPAY_SECRET) == expected
    # The querydr line has its own order (no type, amount, number or creator).
    query_line = "q1|2.1.0|querydr|DEMOV210|TN7F3K9Q01|20261206223000|20261207090000|127.0.0.1|Truy van"
    query = {**body, "vnp_RequestId": "q1", "vnp_Command": "querydr", "vnp_OrderInfo": "Truy van"}
    assert (
        vnpay.sign_pipe(query, vnpay.QUERYDR_REQUEST_FIELDS, VNPAY_SECRET)
        == hmac.new(VNPAY_SECRET.encode(), query_line.encode(), hashlib.sha512).hexdigest()
    )


# --- MoMo ----------------------------------------------------------------------------------------

#: Inputs of MoMo's official Python sample for the AIO v2 create API (github.com/momo-wallet/payment,
#: python/MoMo.py at commit 1f3e64d2): its published test partner, keys, order info and URLs, with
#: the uuid4 orderId/requestId replaced by fixed values.
MOMO_SAMPLE = {
    "partnerCode": "MOMO",
    "accessKey": "F8BBA842ECF85",
    "requestId": "MOMO1701234567890",
    "amount": "50000",
    "orderId": "MOMO1701234567890",
    "orderInfo": "pay with MoMo",
    "redirectUrl": "https://webhook.site/b3088a6a-2d17-4f8d-a383-71389a6c600b",
    "ipnUrl": "https://webhook.site/b3088a6a-2d17-4f8d-a383-71389a6c600b",
    "extraData": "",
    "requestType": "captureWallet",
}
MOMO_SAMPLE_SECRET = "K951B6PE1waDMi640xX08PD3vg6EkVlz"
#: What that sample prints as SIGNATURE for MOMO_SAMPLE.
MOMO_SAMPLE_SIGNATURE = "e41850b096ebed249f2a683717b29e2b6b76185213b8983e962ee5db8bb1e1b0"


def test_momo_create_signature_matches_momos_python_sample():
    assert momo.sign(MOMO_SAMPLE, momo.CREATE_FIELDS, MOMO_SAMPLE_SECRET) == MOMO_SAMPLE_SIGNATURE
    assert momo_signature(MOMO_SAMPLE, momo.CREATE_FIELDS, MOMO_SAMPLE_SECRET) == MOMO_SAMPLE_SIGNATURE
    # The sample's raw string, written out as its comment documents the format.
    raw = (
        "accessKey=F8BBA842ECF85&amount=50000&extraData=&ipnUrl=https://webhook.site/b3088a6a-2d17-4f8d-a383-"
        "71389a6c600b&orderId=MOMO1701234567890&orderInfo=pay with MoMo&partnerCode=MOMO&redirectUrl=https://"
        "webhook.site/b3088a6a-2d17-4f8d-a383-71389a6c600b&requestId=MOMO1701234567890&requestType=captureWallet"
    )
    assert momo.raw_signature(MOMO_SAMPLE, momo.CREATE_FIELDS) == raw


def test_momo_ipn_and_refund_signatures_cover_their_own_documented_fields():
    """MoMo's v2 docs: the IPN/redirect signature is over accessKey, amount, extraData, message, orderId,
    orderInfo, orderType, partnerCode, payType, requestId, responseTime, resultCode, transId; the
    refund's over accessKey, amount, description, orderId, partnerCode, requestId, transId."""
    assert momo.RESULT_FIELDS == tuple(sorted(momo.RESULT_FIELDS))  # alphabetical, as documented
    assert set(momo.RESULT_FIELDS) - set(momo.CREATE_FIELDS) == {
        "message",
        "orderType",
        "payType",
        "responseTime",
        "resultCode",
        "transId",
    }
    refund = {
        "accessKey": "F8BBA842ECF85",
        "amount": 10000,
        "description": "",
        "orderId": "rf3n1",
        "partnerCode": "MOMO",
        "requestId": "rf3n1",
        "transId": 4100000001,
    }
    line = "accessKey=F8BBA842ECF85&amount=10000&description=&orderId=rf3n1&partnerCode=MOMO&requestId=rf3n1&transId=4100000001"
    expected = hmac.new(MOMO_SAMPLE_SECRET.encode(), line.encode(), hashlib.sha256).hexdigest()
    assert momo.sign(refund, momo.REFUND_FIELDS, MOMO_SAMPLE_SECRET) == expected

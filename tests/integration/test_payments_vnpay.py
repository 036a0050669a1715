"""VNPay payments end to end against the loopback VNPay stand-in (tests/gateway_standins.py)."""

import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from storefront.checkout.models import Order, OrderStatus, Payment, PaymentStatus, ProcessedWebhookEvent
from tests.factories import make_producer, make_product
from tests.factories_checkout import CONTACT, add_to_cart, fill_checkout, held_stock, place
from tests.fixtures_gateways import VNPAY_SECRET, VNPAY_TMN, app_config, momo, vnpay  # noqa: F401  (fixtures)
from tests.gateway_standins import vnpay_query_hash


@pytest.fixture
def products(db):
    tea = make_product(
        producer=make_producer(name="HTX Chè Tân Cương"), name_vi="Chè búp", price_vnd=250_000, on_hand=5
    )
    db.session.commit()
    return (tea,)


def open_page(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


def vnpay_order(client, db, vnpay, products, quantity=1):
    """Buy with VNPay up to the gateway's page; return (order, vnp_TxnRef, the payment URL's params)."""
    add_to_cart(client, products[0], quantity)
    response = place(client, fill_checkout(client, payment="vnpay"))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    url = response.headers["Location"]
    assert url.startswith(vnpay.pay_url + "?")
    status, page = open_page(url)  # the buyer's browser opens VNPay's page
    assert status == 200, (page, vnpay.refusals)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    db.session.expire_all()
    return db.session.scalar(select(Order)), params["vnp_TxnRef"], params


def ipn(client, params: dict):
    return client.get("/payments/vnpay/webhook?" + urllib.parse.urlencode(params))


def test_the_payment_url_is_signed_in_amount_x100_with_a_per_attempt_reference(client, db, vnpay, products):
    order, ref, params = vnpay_order(client, db, vnpay, products)
    assert params["vnp_Amount"] == str(order.total_vnd * 100) == str((250_000 + 20_000) * 100)
    assert ref == order.code.replace("-", "") + "01"
    assert params["vnp_Version"] == "2.1.0" and params["vnp_Command"] == "pay" and params["vnp_CurrCode"] == "VND"
    assert params["vnp_ReturnUrl"].endswith(f"/orders/{order.code}/paid")
    assert params["vnp_SecureHash"] == vnpay_query_hash(params, VNPAY_SECRET)
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(Payment.provider_ref)) == ref
    assert held_stock(db, products[0]) == (5, 1)


def test_the_ipn_marks_the_order_paid_and_answers_rspcode_00(client, db, vnpay, products):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    response = ipn(client, vnpay.complete(ref, deliver=False))
    assert response.status_code == 200
    assert response.get_json() == {"RspCode": "00", "Message": "Confirm Success"}
    db.session.expire_all()
    assert order.status is OrderStatus.PAID
    payment = db.session.scalar(select(Payment))
    assert payment.status is PaymentStatus.SUCCEEDED and payment.provider_data["transaction_no"]
    assert held_stock(db, products[0]) == (4, 0)


def test_an_ipn_with_a_bad_signature_is_a_400_and_changes_nothing(client, db, vnpay, products):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    params = vnpay.complete(ref, deliver=False)
    forged = {**params, "vnp_Amount": "100"}  # the amount changed after VNPay signed
    response = ipn(client, forged)
    assert response.status_code == 400
    assert response.get_json() == {"RspCode": "97", "Message": "Invalid Checksum"}
    unsigned = {k: v for k, v in params.items() if k != "vnp_SecureHash"}
    assert ipn(client, unsigned).status_code == 400
    other_merchant = {**params, "vnp_TmnCode": "OTHER001"}
    other_merchant["vnp_SecureHash"] = vnpay_query_hash(other_merchant, VNPAY_SECRET)
    assert ipn(client, other_merchant).status_code == 400
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0
    assert db.session.scalar(select(Payment.status)) is PaymentStatus.PENDING
    assert held_stock(db, products[0]) == (5, 1)


def test_a_paid_ipn_with_the_wrong_amount_is_flagged_not_paid(client, db, vnpay, products):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    response = ipn(client, vnpay.complete(ref, amount_vnd=10_000, deliver=False))
    assert response.get_json() == {"RspCode": "04", "Message": "invalid amount"}
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    payment = db.session.scalar(select(Payment))
    assert (payment.status, payment.amount_vnd) == (PaymentStatus.NEEDS_REFUND, 10_000)
    assert "paid 10000 vnd, order total 270000 vnd" in payment.attention_reason
    assert held_stock(db, products[0]) == (5, 1)


def test_a_duplicate_ipn_makes_one_payment_and_is_answered_already_confirmed(client, db, vnpay, products):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    params = vnpay.complete(ref, deliver=False)
    assert ipn(client, params).get_json()["RspCode"] == "00"
    assert ipn(client, params).get_json() == {"RspCode": "02", "Message": "Order already confirmed"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert db.session.scalar(select(Payment.status)) is PaymentStatus.SUCCEEDED
    assert held_stock(db, products[0]) == (4, 0)  # sold once


def test_an_ipn_for_an_unknown_order_is_answered_order_not_found(client, db, vnpay, products):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    params = {**vnpay.complete(ref, deliver=False), "vnp_TxnRef": "TNZZZZZZ01"}
    params["vnp_SecureHash"] = vnpay_query_hash(params, VNPAY_SECRET)
    assert ipn(client, params).get_json() == {"RspCode": "01", "Message": "Order not found"}


def test_the_ipn_before_the_return_shows_the_order_paid(client, db, vnpay, products):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    params = vnpay.complete(ref, deliver=False)
    ipn(client, params)
    response = client.get(f"/orders/{order.code}/paid?" + urllib.parse.urlencode(params))
    assert response.headers["Location"] == f"/orders/{order.code}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thanh toán thành công" in page
    assert 'data-status="paid"' in page


def test_a_return_without_the_ipn_leaves_the_order_pending_until_the_ipn_arrives(client, db, vnpay, products):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    params = vnpay.complete(ref, deliver=False)
    response = client.get(f"/orders/{order.code}/paid?" + urllib.parse.urlencode(params))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chúng tôi đang chờ VNPay xác nhận thanh toán" in page
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT  # the return never fulfils
    assert held_stock(db, products[0]) == (5, 1)
    assert ipn(client, params).get_json()["RspCode"] == "00"
    db.session.expire_all()
    assert order.status is OrderStatus.PAID


def test_a_return_with_a_bad_signature_is_a_400(client, db, vnpay, products):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    params = {**vnpay.complete(ref, deliver=False), "vnp_ResponseCode": "00", "vnp_Amount": "100"}
    assert client.get(f"/orders/{order.code}/paid?" + urllib.parse.urlencode(params)).status_code == 400


def test_a_cancelled_payment_says_why_in_vietnamese_and_a_retry_uses_a_new_reference(client, db, vnpay, products):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    params = vnpay.complete(ref, response_code="24", deliver=False)
    assert ipn(client, params).get_json()["RspCode"] == "00"  # received, order not paid
    response = client.get(f"/orders/{order.code}/paid?" + urllib.parse.urlencode(params))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bạn đã huỷ giao dịch." in page
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    retry = client.post(f"/orders/{order.code}/pay")
    assert retry.status_code == 303
    again = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(retry.headers["Location"]).query))
    assert again["vnp_TxnRef"] == ref[:-2] + "02"
    assert open_page(retry.headers["Location"])[0] == 200  # VNPay refuses a reused vnp_TxnRef (94)
    assert vnpay.refusals == []


def test_a_total_below_vnpays_minimum_is_refused_at_checkout(client, db, vnpay):
    cheap = make_product(price_vnd=1_000, on_hand=5)
    db.session.commit()
    add_to_cart(client, cheap, 1)
    client.post("/checkout", data=CONTACT)
    from storefront.checkout.providers import vnpay as module

    module.VNPay.min_vnd, saved = 50_000, module.VNPay.min_vnd  # total is 21.000 đ with delivery
    try:
        response = client.post("/checkout/options", data={"delivery_method": "standard", "payment_method": "vnpay"})
    finally:
        module.VNPay.min_vnd = saved
    assert response.status_code == 200
    assert "Thanh toán qua VNPay cần tối thiểu 50.000\u00a0₫ mỗi đơn" in response.get_data(as_text=True)


def paid_vnpay_order(client, db, vnpay, products, quantity=1):
    order, ref, _ = vnpay_order(client, db, vnpay, products, quantity)
    assert ipn(client, vnpay.complete(ref, deliver=False)).get_json()["RspCode"] == "00"
    db.session.expire_all()
    return order, ref


def test_a_partial_then_a_full_refund_go_through_vnpays_refund_api(app, client, db, vnpay, products):
    from storefront.checkout.payments.refunds import refund_payment

    order, ref = paid_vnpay_order(client, db, vnpay, products, quantity=2)
    payment = db.session.scalar(select(Payment))
    refund_payment(payment, 100_000, reason="một gói bị móp")
    db.session.commit()
    assert (payment.refunded_vnd, payment.status, order.status) == (100_000, PaymentStatus.SUCCEEDED, OrderStatus.PAID)
    assert vnpay.transactions[ref]["refunded"] == 100_000
    refund_payment(payment, payment.refundable_vnd, reason="khách huỷ phần còn lại")
    db.session.commit()
    db.session.expire_all()
    assert (
        payment.status is PaymentStatus.REFUNDED and payment.refunded_vnd == payment.amount_vnd == 500_000
    )  # free delivery above 500.000 đ
    assert order.status is OrderStatus.REFUNDED
    assert vnpay.transactions[ref]["refunded"] == 500_000
    assert [r.amount_vnd for r in payment.refunds] == [100_000, 400_000]
    assert held_stock(db, products[0]) == (5, 0)  # nothing had left the shop: the units are back on sale
    assert vnpay.refusals == []


def test_a_full_refund_is_sent_as_type_02_and_more_than_was_paid_is_refused(app, client, db, vnpay, products):
    from storefront.checkout.errors import RefundNotPossible
    from storefront.checkout.payments.refunds import refund_payment

    order, ref = paid_vnpay_order(client, db, vnpay, products)
    payment = db.session.scalar(select(Payment))
    with pytest.raises(RefundNotPossible):
        refund_payment(payment, payment.amount_vnd + 1)
    refund_payment(payment, payment.amount_vnd, reason="hết hàng")
    db.session.commit()
    assert payment.status is PaymentStatus.REFUNDED and order.status is OrderStatus.REFUNDED
    with pytest.raises(RefundNotPossible):
        refund_payment(payment, 1)


def test_a_refund_vnpay_refuses_changes_nothing_and_says_why(app, client, db, vnpay, products):
    from storefront.checkout.payments.refunds import refund_payment
    from storefront.checkout.providers.base import RefundFailed

    order, ref = paid_vnpay_order(client, db, vnpay, products)
    payment = db.session.scalar(select(Payment))
    payment.provider_data = {**payment.provider_data, "transaction_no": "999"}  # not VNPay's number
    db.session.commit()
    with pytest.raises(RefundFailed) as refused:
        refund_payment(payment, 10_000)
    db.session.rollback()
    assert "Giao dịch không thành công bên VNPay" in refused.value.message
    db.session.expire_all()
    assert payment.refunded_vnd == 0 and vnpay.transactions[ref]["refunded"] == 0


def test_querydr_is_signed_with_the_pipe_signer_and_its_answer_verifies(app, client, db, vnpay, products):
    from storefront.checkout.providers import vnpay as module

    order, ref = paid_vnpay_order(client, db, vnpay, products)
    payment = db.session.scalar(select(Payment))
    answer = module.PROVIDER.query(app.config, ref, payment.provider_data["create_date"])
    assert answer["vnp_ResponseCode"] == "00" and answer["vnp_TransactionStatus"] == "00"
    assert answer["vnp_Amount"] == str(order.total_vnd * 100)
    assert vnpay.refusals == []


def test_the_order_desk_shows_provider_reference_and_refund_state_and_refunds_part(client, db, vnpay, products, login):
    from storefront.audit.models import AuditLogEntry
    from tests.factories_office import make_office_user

    order, ref = paid_vnpay_order(client, db, vnpay, products)
    payment = db.session.scalar(select(Payment))
    clerk = make_office_user()
    db.session.commit()
    login(clerk)
    page = client.get(f"/office/orders/{order.id}").get_data(as_text=True)
    assert "VNPay" in page and ref in page and payment.provider_data["transaction_no"] in page
    assert "Chưa hoàn" in page and "Hoàn tiền qua VNPay" in page

    key = re.search(r'name="request_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    too_much = client.post(
        f"/office/payments/{payment.id}/refund", data={"amount_vnd": 999_999, "reason": "x", "request_key": key}
    )
    assert "Không thể hoàn số tiền này" in client.get(too_much.headers["Location"]).get_data(as_text=True)
    no_reason = client.post(
        f"/office/payments/{payment.id}/refund", data={"amount_vnd": 50_000, "reason": "", "request_key": key}
    )
    assert "Cần nhập số tiền hoàn (đồng) và lý do." in client.get(no_reason.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert payment.refunded_vnd == 0 and vnpay.transactions[ref]["refunded"] == 0

    form = {"amount_vnd": 50_000, "reason": "giao thiếu 1 gói", "request_key": key}
    done = client.post(f"/office/payments/{payment.id}/refund", data=form)
    assert client.post(f"/office/payments/{payment.id}/refund", data=form).status_code == 302  # clicked twice
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã hoàn tiền qua cổng thanh toán." in page
    assert "50.000\u00a0₫ / 270.000\u00a0₫" in page and "giao thiếu 1 gói" in page
    db.session.expire_all()
    assert payment.refunded_vnd == 50_000 and vnpay.transactions[ref]["refunded"] == 50_000
    assert len(payment.refunds) == 1  # the form sent twice refunded once
    actions = db.session.scalars(select(AuditLogEntry.action)).all()
    assert actions.count("payment.refund_provider") == 1


@pytest.mark.parametrize(
    "change",
    [{"vnp_Amount": "27000000.5"}, {"vnp_TxnRef": "TN<script>01"}, {"vnp_TransactionNo": "1 2"}, {"vnp_TxnRef": ""}],
)
def test_a_signed_ipn_with_values_the_shop_cannot_use_is_a_400(client, db, vnpay, products, change):
    order, ref, _ = vnpay_order(client, db, vnpay, products)
    params = {**vnpay.complete(ref, deliver=False), **change}
    params["vnp_SecureHash"] = vnpay_query_hash(params, VNPAY_SECRET)
    assert ipn(client, params).status_code == 400
    assert client.get("/payments/vnpay/webhook?vnp_TxnRef=a&vnp_TxnRef=b").status_code == 400
    db.session.expire_all()
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0

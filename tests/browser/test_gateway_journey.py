"""Paying with VNPay and with MoMo on their loopback stand-ins (tests/gateway_standins.py), on a phone."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from storefront.checkout.models import Order, OrderStatus
from tests.browser.test_checkout_journey import add_to_cart, fill_recipient
from tests.fixtures_gateways import app_config, momo, vnpay  # noqa: F401  (fixtures)


def choose_and_place(page, base_url, product, label):
    add_to_cart(page, base_url, product, 1)
    page.goto(base_url + "/checkout")
    fill_recipient(page)
    page.get_by_label(label).check()
    page.get_by_role("button", name="Xem lại đơn hàng").click()
    page.get_by_role("button", name=re.compile("^Đặt hàng và thanh toán")).click()


def test_a_buyer_pays_with_vnpay_and_sees_the_order_paid(live_server, page, db, vnpay, two_products):
    vnpay.ipn_url = live_server.url + "/payments/vnpay/webhook"  # registered with VNPay, not sent per payment
    tea, _ = two_products
    choose_and_place(page, live_server.url, tea, "VNPay (QR ngân hàng, thẻ ATM, Internet Banking)")

    expect(page.get_by_role("heading", name="Cổng thanh toán VNPAY (stand-in)")).to_be_visible()
    expect(page.locator("#amount")).to_have_text("415000")  # 380.000 + 35.000 delivery to Hà Nội
    page.get_by_role("button", name="Thanh toán", exact=True).click()

    expect(page.get_by_text("Thanh toán thành công. Cảm ơn bạn!")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Đã thanh toán")
    assert [(status, code) for _ref, status, code in vnpay.ipn_answers] == [(200, "00")]
    assert vnpay.refusals == []
    db.session.expire_all()
    assert db.session.scalar(select(Order.status)) is OrderStatus.PAID


def test_a_buyer_pays_with_momo_after_cancelling_once_and_sees_the_order_paid(
    live_server, page, db, momo, two_products
):
    tea, _ = two_products
    choose_and_place(page, live_server.url, tea, "Ví MoMo")

    expect(page.get_by_role("heading", name="Ví MoMo (stand-in)")).to_be_visible()
    page.get_by_role("button", name="Huỷ").click()  # changed their mind on the wallet page
    expect(page.get_by_text("Thanh toán chưa thành công: Bạn đã từ chối xác nhận thanh toán.")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Chờ thanh toán")

    page.get_by_role("button", name="Thanh toán qua ví MoMo").click()
    expect(page.locator("#amount")).to_have_text("415000")
    page.get_by_role("button", name="Xác nhận thanh toán").click()

    expect(page.get_by_text("Thanh toán thành công. Cảm ơn bạn!")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Đã thanh toán")
    assert [status for _order, status in momo.ipn_answers] == [204, 204]
    assert momo.refusals == []
    db.session.expire_all()
    assert db.session.scalar(select(Order.status)) is OrderStatus.PAID

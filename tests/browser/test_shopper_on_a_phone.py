"""A first-time shopper on a phone: what they read back from the pages stays readable."""

from playwright.sync_api import expect

from tests.factories import PASSWORD, make_producer, make_product, make_user
from tests.factories_checkout import make_order

#: Distinct line tops of an element's text: 1 when it sits on one line.
LINES = "el => new Set([...el.getClientRects()].map(r => Math.round(r.top))).size"


def test_my_orders_keeps_each_order_code_on_one_line(live_server, page, db):
    """On 390 px the four-column table broke "TN-7F3K9Q" at its hyphen (a code shoppers read out and type back)
    and its 19 px link was hard to tap; each order is now a card headed by its code."""
    user = make_user(email="hoa@example.vn")
    tea = make_product(producer=make_producer(), name_vi="Chè đinh Tân Cương", price_vnd=1_250_000, on_hand=5)
    order = make_order([(tea, 1)], user=user)
    db.session.commit()

    page.goto(live_server.url + "/account/login")
    page.locator("input[name=email]").fill("hoa@example.vn")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(live_server.url + "/orders")
    code = page.get_by_role("link", name=order.code)
    expect(code).to_be_visible()
    assert code.evaluate(LINES) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("main table").evaluate("t => t.getBoundingClientRect().right") <= 390  # no sideways scroll
    assert code.bounding_box()["height"] >= 44  # a tap target
    total = page.locator("main td[data-label='Tổng cộng']")
    expect(total).to_have_text("1.250.000\u00a0₫")
    assert total.bounding_box()["x"] < 40  # its own line in the card, labelled, not a cut-off column

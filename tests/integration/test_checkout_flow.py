"""Checkout steps, placing orders (COD, bank transfer), order pages, look-up and order moves."""

import io
import os
import re
import threading
import time
import uuid

import pytest
import redis
from sqlalchemy import func, select

from storefront.checkout.cancelling import cancel_order
from storefront.checkout.errors import OrderNotReady
from storefront.checkout.fulfilment import deliver_fulfilment, pack_fulfilment, ship_fulfilment
from storefront.checkout.models import (
    Fulfilment,
    FulfilmentStatus,
    IllegalTransition,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from storefront.checkout.payments.events import mark_payment_received
from storefront.checkout.vietqr import crc16_ccitt, parse_tlv
from storefront.inventory.models import Stock
from storefront.outbox.models import OutboxMessage
from tests.factories import TAN_CUONG_WARD, make_batch, make_producer, make_product, make_user
from tests.factories_checkout import (
    CONTACT,
    HANOI,
    HANOI_WARD,
    add_to_cart,
    fill_checkout,
    follow,
    make_order,
    place,
    review_key,
)


def stock(db, product):
    db.session.expire_all()
    row = db.session.scalar(select(Stock).where(Stock.product_id == product.id))
    return row.on_hand, row.reserved


def only_order(db) -> Order:
    db.session.expire_all()
    orders = db.session.scalars(select(Order)).all()
    assert len(orders) == 1
    return orders[0]


@pytest.fixture
def two_producers(db):
    tea = make_product(
        producer=make_producer(name="HTX Chè Hảo Đạt"), name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5
    )
    noodles = make_product(
        producer=make_producer(name="HTX Miến Việt Cường"), name_vi="Miến dong", price_vnd=60_000, on_hand=8
    )
    make_batch(product=tea, lot_code="L2026-01", is_published=True)
    db.session.commit()
    return tea, noodles


def test_a_guest_buys_from_two_producers_with_cash_on_delivery(client, db, two_producers):
    tea, noodles = two_producers
    add_to_cart(client, tea, 1)
    add_to_cart(client, noodles, 2)
    key = fill_checkout(client, payment="cod", email="hoa@example.vn")
    response = place(client, key)
    assert response.status_code == 302
    order = only_order(db)
    assert response.headers["Location"] == f"/orders/{order.code}"
    assert re.fullmatch(r"TN-[2-9A-HJKMNP-Z]{6}", order.code)
    assert order.status is OrderStatus.CONFIRMED
    assert (order.subtotal_vnd, order.delivery_fee_vnd, order.total_vnd) == (500_000, 0, 500_000)
    assert order.phone == "+84912345678" and order.ward_code == TAN_CUONG_WARD
    assert sorted(f.producer.name for f in order.fulfilments) == ["HTX Chè Hảo Đạt", "HTX Miến Việt Cường"]
    tea_line = next(line for line in order.lines if line.product_id == tea.id)
    assert (tea_line.product_name, tea_line.producer_name, tea_line.lot_code, tea_line.unit_price_vnd) == (
        "Chè tôm nõn",
        "HTX Chè Hảo Đạt",
        "L2026-01",
        380_000,
    )
    assert stock(db, tea) == (4, 0) and stock(db, noodles) == (6, 0)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert order.code in page and "Đã xác nhận" in page and "500.000\u00a0₫" in page
    # Free delivery reads as the review page said it, not "0 ₫" (walk9).
    assert '<dd data-testid="delivery-fee">Miễn phí</dd>' in page
    assert client.get("/cart").get_data(as_text=True).count("cart-line") == 0
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.to_address == "hoa@example.vn" and order.code in mail.subject and "Chè tôm nõn" in mail.body_text


def test_the_review_page_shows_goods_delivery_fee_total_payment_and_a_cancel_button(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 1)
    fill_checkout(client, payment="cod", province_code=str(HANOI), ward_code=str(HANOI_WARD))
    page = client.get("/checkout/review").get_data(as_text=True)
    for text in (
        "Chè tôm nõn",
        "380.000\u00a0₫",
        "Các tỉnh miền Bắc",
        "2–3 ngày",
        "35.000\u00a0₫",
        "415.000\u00a0₫",
        "Thanh toán khi nhận hàng (COD)",
        "Phường Ba Đình",
        "Huỷ, không đặt hàng",
    ):
        assert text in page, text
    response = client.post("/checkout/cancel")
    assert response.headers["Location"] == "/cart"
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert client.get("/checkout/review").status_code == 302


def test_prices_and_totals_sent_by_the_browser_are_ignored(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 1)
    client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "1", "price_vnd": "1", "price": "1"})
    key = fill_checkout(client, payment="cod")
    place(client, key, total_vnd="1000", subtotal_vnd="1000", delivery_fee_vnd="0", unit_price_vnd="1", price_vnd="1")
    order = only_order(db)
    assert (order.subtotal_vnd, order.total_vnd) == (760_000, 760_000)
    assert order.lines[0].unit_price_vnd == 380_000


def test_a_price_change_after_the_review_sends_the_buyer_back_and_orders_nothing(client, db, two_producers):
    _, noodles = two_producers
    add_to_cart(client, noodles, 1)
    key = fill_checkout(client)
    noodles.price_vnd = 70_000
    db.session.commit()
    response = place(client, key)
    assert response.headers["Location"] == "/checkout/review"
    page = follow(client, response)
    assert "tổng tiền bây giờ là 90.000\u00a0₫ (bạn đã xem 80.000\u00a0₫)" in page
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert stock(db, noodles) == (8, 0)
    place(client, review_key(client))  # confirmed again at the new price
    assert only_order(db).lines[0].unit_price_vnd == 70_000


def test_a_place_order_form_without_the_reviewed_total_orders_nothing(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 1)
    key = fill_checkout(client)
    response = place(client, {"idempotency_key": key["idempotency_key"]})
    assert response.headers["Location"] == "/checkout/review"
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_an_order_above_one_billion_dong_is_refused_with_a_message_not_a_500(client, db):
    product = make_product(price_vnd=2_200_000, on_hand=1000)
    db.session.commit()
    add_to_cart(client, product, 999)
    client.post("/checkout", data=CONTACT)
    response = client.post("/checkout/options", data={"delivery_method": "standard", "payment_method": "cod"})
    assert response.status_code == 200
    assert "Đơn hàng tối đa 1.000.000.000\u00a0₫" in response.get_data(as_text=True)
    with client.session_transaction() as session:  # skip the options check: place must refuse too
        session["checkout"] = {**session["checkout"], "payment_method": "cod", "delivery_method": "standard"}
    page = client.get("/checkout/review").get_data(as_text=True)
    assert "Đơn hàng tối đa" in page and 'id="place-order"' not in page
    response = place(client, {"idempotency_key": "k" * 24, "reviewed_total_vnd": str(999 * 2_200_000)})
    assert "Đơn hàng tối đa" in follow(client, response)
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_a_payment_method_withdrawn_after_the_review_is_refused_with_a_message_not_a_500(
    client, db, two_producers, monkeypatch
):
    tea, _noodles = two_producers
    add_to_cart(client, tea, 1)
    reviewed = fill_checkout(client, payment="bank_transfer")
    monkeypatch.setattr("storefront.checkout.providers.get", lambda code: None)  # gone when the order is placed
    response = place(client, reviewed)
    assert response.headers["Location"] == "/checkout/options"
    monkeypatch.undo()
    assert "Phương thức thanh toán này không còn được hỗ trợ." in follow(client, response)
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_money_columns_are_64_bit():
    from sqlalchemy import BigInteger

    from storefront.cart.models import CartLine
    from storefront.checkout.models import OrderLine

    columns = [
        c
        for table in (Order.__table__, OrderLine.__table__, Payment.__table__, CartLine.__table__)
        for c in table.columns
        if c.name.endswith("_vnd")
    ]
    assert len(columns) == 8 and all(isinstance(c.type, BigInteger) for c in columns)


def test_a_double_submitted_order_form_creates_one_order(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 2)
    key = fill_checkout(client)
    first, second = place(client, key), place(client, key)
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert first.headers["Location"] == second.headers["Location"] == f"/orders/{only_order(db).code}"
    assert stock(db, tea) == (3, 0)


def test_a_ward_outside_the_chosen_province_is_refused(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea)
    response = client.post(
        "/checkout",
        data={
            "contact_name": "Hoa",
            "phone": "0912345678",
            "province_code": "19",
            "ward_code": str(HANOI_WARD),
            "street": "Xóm 1",
        },
    )
    assert response.status_code == 200
    assert "Phường / xã không thuộc tỉnh đã chọn." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "Số điện thoại di động Việt Nam không hợp lệ"),
        ("phone", "02083855000", "Số điện thoại di động Việt Nam không hợp lệ"),
        ("contact_name", "", "Vui lòng điền trường này"),
        ("street", "", "Vui lòng điền trường này"),
        ("email", "not-an-email", "Địa chỉ email không hợp lệ"),
    ],
)
def test_bad_contact_details_are_explained(client, db, two_producers, field, value, message):
    tea, _ = two_producers
    add_to_cart(client, tea)
    data = {
        "contact_name": "Hoa",
        "phone": "0912345678",
        "email": "",
        "province_code": "19",
        "ward_code": str(TAN_CUONG_WARD),
        "street": "Xóm 1",
        field: value,
    }
    response = client.post("/checkout", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_without_javascript_choosing_a_province_lists_its_wards(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea)
    response = client.post("/checkout", data={"province_code": str(HANOI), "choose_province": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Phường Ba Đình" in page and "Vui lòng điền trường này" not in page
    wards = client.get(f"/checkout/wards?province={HANOI}").get_json()
    assert {"code": HANOI_WARD, "name": "Phường Ba Đình"} in wards


def test_a_contact_form_sent_back_keeps_the_chosen_province_and_ward(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea)
    first = client.get("/checkout").get_data(as_text=True)
    assert re.findall(r'<option selected value="(\d+)"', first) == []  # nothing chosen yet: Thái Nguyên is listed first
    assert '<option value="0">— Chọn phường / xã —</option>' in first
    data = {**CONTACT, "contact_name": "", "province_code": str(HANOI), "ward_code": str(HANOI_WARD)}
    page = client.post("/checkout", data=data).get_data(as_text=True)
    assert "Vui lòng điền trường này" in page
    assert re.findall(r'<option selected value="(\d+)"', page) == [str(HANOI), str(HANOI_WARD)]
    assert "Phường Ba Đình" in page and f'value="{TAN_CUONG_WARD}"' not in page  # Hà Nội's wards, not Thái Nguyên's
    english = client.get("/checkout?lang=en").get_data(as_text=True)
    assert '<option value="0">— Choose a ward / commune —</option>' in english


def test_the_card_option_is_hidden_without_stripe_keys(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea)
    client.post(
        "/checkout",
        data={
            "contact_name": "Hoa",
            "phone": "0912345678",
            "email": "hoa@example.vn",
            "province_code": "19",
            "ward_code": str(TAN_CUONG_WARD),
            "street": "Xóm 1",
        },
    )
    page = client.get("/checkout/options").get_data(as_text=True)
    assert 'value="cod"' in page and 'value="bank_transfer"' in page and 'value="card"' not in page
    response = client.post("/checkout/options", data={"delivery_method": "standard", "payment_method": "card"})
    assert response.status_code == 200 and "Lựa chọn không hợp lệ" in response.get_data(as_text=True)


def test_delivery_is_charged_by_zone_and_free_above_the_threshold(client, db, two_producers):
    _, noodles = two_producers
    add_to_cart(client, noodles, 1)
    place(client, fill_checkout(client, province_code="79", ward_code="26887"))
    order = only_order(db)
    assert (order.delivery_fee_vnd, order.total_vnd) == (45_000, 105_000)


def test_a_bank_transfer_order_shows_a_vietqr_and_waits_until_the_office_marks_it_paid(client, db, two_producers):
    import zxingcpp
    from PIL import Image

    tea, _ = two_producers
    add_to_cart(client, tea, 1)
    response = place(client, fill_checkout(client, payment="bank_transfer", email="hoa@example.vn"))
    order = only_order(db)
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert stock(db, tea) == (5, 1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0011004123456" in page and f"/orders/{order.code}/vietqr.png" in page
    mail = db.session.scalar(select(OutboxMessage.body_text))
    assert "0011004123456" in mail and f"nội dung: {order.code}" in mail
    png = client.get(f"/orders/{order.code}/vietqr.png")
    assert png.mimetype == "image/png"
    payload = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text
    fields = parse_tlv(payload)
    assert fields["54"] == "400000" and parse_tlv(fields["62"])["08"] == order.code
    assert fields["63"] == f"{crc16_ccitt(payload[:-4].encode()):04X}"

    office = make_user(email="office@example.vn")
    mark_payment_received(order, actor=office)
    db.session.commit()
    assert order.status is OrderStatus.PAID
    assert stock(db, tea) == (4, 0)
    payment = db.session.scalar(select(Payment))
    assert (payment.status, payment.confirmed_by_id) == (PaymentStatus.SUCCEEDED, office.id)
    with pytest.raises(IllegalTransition):
        mark_payment_received(order, actor=office)


def test_an_order_moves_through_packing_shipping_and_delivery_per_producer(db, two_producers):
    tea, noodles = two_producers
    order = make_order([(tea, 1), (noodles, 1)], payment="cod")
    first, second = order.fulfilments
    pack_fulfilment(first, actor=None)
    assert order.status is OrderStatus.CONFIRMED
    pack_fulfilment(second, actor=None)
    assert order.status is OrderStatus.PACKED
    ship_fulfilment(first, carrier="VNPost", tracking_number="EP123VN", actor=None)
    ship_fulfilment(second, carrier="GHN", tracking_number="GHN1", actor=None)
    assert order.status is OrderStatus.SHIPPED
    deliver_fulfilment(first, actor=None)
    deliver_fulfilment(second, actor=None)
    assert order.status is OrderStatus.DELIVERED
    assert order.payments[0].status is PaymentStatus.SUCCEEDED  # COD cash collected on delivery
    subjects = db.session.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)).all()
    assert any("đang được giao" in s for s in subjects) and any("đã giao thành công" in s for s in subjects)
    with pytest.raises(IllegalTransition):
        cancel_order(order)


def test_illegal_moves_raise_a_named_error_and_change_nothing(db, two_producers):
    tea, _ = two_producers
    unpaid = make_order([(tea, 1)], payment="bank_transfer")
    with pytest.raises(OrderNotReady):
        pack_fulfilment(unpaid.fulfilments[0], actor=None)
    with pytest.raises(IllegalTransition):
        ship_fulfilment(make_order([(tea, 1)]).fulfilments[0], carrier="x", tracking_number="1", actor=None)
    with pytest.raises(IllegalTransition):
        unpaid.move_to(OrderStatus.DELIVERED)
    with pytest.raises(IllegalTransition):
        unpaid.fulfilments[0].move_to(FulfilmentStatus.DELIVERED)
    assert unpaid.status is OrderStatus.PENDING_PAYMENT


def test_a_guest_looks_up_an_order_with_code_and_phone(app, db, two_producers):
    tea, _ = two_producers
    order = make_order([(tea, 1)])
    db.session.commit()
    stranger = app.test_client()
    assert stranger.get(f"/orders/{order.code}").headers["Location"].startswith("/orders/lookup")
    wrong = stranger.post("/orders/lookup", data={"code": order.code, "phone": "0987654321"})
    assert "Không tìm thấy đơn hàng" in wrong.get_data(as_text=True)
    assert stranger.get(f"/orders/{order.code}").status_code == 302
    right = stranger.post("/orders/lookup", data={"code": order.code.lower(), "phone": "0912 345 678"})
    assert right.headers["Location"] == f"/orders/{order.code}"
    assert order.code in stranger.get(f"/orders/{order.code}").get_data(as_text=True)


def test_the_order_look_up_is_rate_limited(app, db):
    app.config["RATELIMIT_ORDER_LOOKUP"] = "3 per minute"
    client = app.test_client()
    codes = [
        client.post("/orders/lookup", data={"code": "TN-AAAAAA", "phone": "0912345678"}).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


@pytest.fixture
def two_orders_a_minute_in_redis(app_config):
    """RATELIMIT_CHECKOUT at 2 a minute, counted in the test Redis (as deployed) under this test's own key prefix."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
    prefix = f"test-checkout-{uuid.uuid4().hex[:8]}/"
    app_config.update(RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix, RATELIMIT_CHECKOUT="2 per minute")
    yield
    counts = redis.Redis.from_url(url)
    for key in counts.scan_iter(f"*{prefix}*"):
        counts.delete(key)


def test_placing_orders_past_the_limit_shows_the_429_page_in_english_and_holds_no_stock(
    two_orders_a_minute_in_redis, client, db, two_producers
):
    tea, _ = two_producers
    client.get("/?lang=en")
    for _ in range(2):
        add_to_cart(client, tea, 1)
        assert place(client, fill_checkout(client)).headers["Location"].startswith("/orders/TN-")
    add_to_cart(client, tea, 1)
    key = fill_checkout(client)
    held = stock(db, tea)
    refused = place(client, key)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many requests" in page and '<html lang="en">' in page
    assert db.session.scalar(select(func.count(Order.id))) == 2
    assert stock(db, tea) == held == (3, 0)  # COD orders sell their units at once


def test_signed_in_shoppers_see_their_order_history_and_not_others_orders(client, login, db, two_producers):
    tea, _ = two_producers
    me, other = make_user(), make_user()
    mine = make_order([(tea, 1)], user=me)
    theirs = make_order([(tea, 1)], user=other)
    db.session.commit()
    login(me)
    page = client.get("/orders").get_data(as_text=True)
    assert mine.code in page and theirs.code not in page
    assert client.get(f"/orders/{mine.code}").status_code == 200
    assert client.get(f"/orders/{theirs.code}").status_code == 404


def test_order_history_needs_a_login(client):
    assert client.get("/orders").headers["Location"].startswith("/account/login")


def test_a_signed_in_order_is_attached_to_the_account(client, login, db, two_producers):
    tea, _ = two_producers
    user = make_user(email="buyer@example.vn")
    db.session.commit()
    login(user)
    add_to_cart(client, tea)
    place(client, fill_checkout(client, email="buyer@example.vn"))
    assert only_order(db).user_id == user.id


def test_when_stock_runs_out_before_placing_the_buyer_is_told_and_nothing_is_ordered(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 2)
    key = fill_checkout(client)
    tea.stock.on_hand = 1
    db.session.commit()
    response = place(client, key)
    assert response.headers["Location"] == "/cart"
    assert "không đủ hàng" in follow(client, response)
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert stock(db, tea) == (1, 0)


@pytest.mark.postgres_only
def test_fifty_buyers_racing_for_the_last_five_units_make_exactly_five_orders(app, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers, so this race can only be run on PostgreSQL")
    product = make_product(on_hand=5, name_vi="Chè đinh Tân Cương")
    db.session.commit()
    clients, keys = [], []
    for _ in range(50):
        client = app.test_client()
        add_to_cart(client, product, 1)
        keys.append(fill_checkout(client))
        clients.append(client)
    barrier = threading.Barrier(50)
    outcomes = [None] * 50

    def buy(i):
        with app.app_context():  # each buyer's requests still get their own context and DB session
            barrier.wait()
            response = place(clients[i], keys[i])
            target = response.headers["Location"]
            outcomes[i] = "ordered" if target.startswith("/orders/") else follow(clients[i], response)

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for thread in threads:
        thread.join(60)
    print(f"50 concurrent checkouts took {time.perf_counter() - started:.2f}s")
    assert outcomes.count("ordered") == 5
    refused = [text for text in outcomes if text != "ordered"]
    assert len(refused) == 45 and all("không đủ hàng" in text for text in refused)
    assert db.session.scalar(select(func.count(Order.id))) == 5
    assert stock(db, product) == (0, 0)
    assert db.session.scalar(select(func.count(Fulfilment.id))) == 5


@pytest.mark.parametrize(
    ("province", "subtotal", "zone", "fee"),
    [
        (19, 100_000, "thai_nguyen", 20_000),
        (1, 100_000, "north", 35_000),
        (37, 499_999, "north", 35_000),
        (79, 100_000, "rest", 45_000),
        (79, 500_000, "rest", 0),
    ],
)
def test_delivery_fee_follows_the_zone_table_and_the_free_shipping_threshold(app, province, subtotal, zone, fee):
    from storefront.checkout.quotes import delivery_quote

    quote = delivery_quote(province, subtotal)
    assert (quote.zone, quote.fee_vnd) == (zone, fee)


def test_delivery_zones_can_be_configured(app):
    from storefront.checkout.quotes import delivery_quote

    app.config["DELIVERY_ZONES"] = {
        "everywhere": {"label": "Toàn quốc", "provinces": None, "fee_vnd": 30_000, "days": "2 ngày"}
    }
    assert delivery_quote(19, 1_000).fee_vnd == 30_000


def test_a_transfer_that_arrives_after_the_hold_lapsed_is_refused_when_sold_out(db, two_producers):
    from datetime import timedelta

    from storefront.checkout.errors import PaymentTooLate
    from storefront.checkout.orders import expire_lapsed_orders
    from storefront.columns import utcnow

    tea, _ = two_producers
    order = make_order([(tea, 1)], payment="bank_transfer")
    expire_lapsed_orders(utcnow() + timedelta(days=2))
    make_order([(tea, 5)], payment="cod")
    db.session.commit()
    with pytest.raises(PaymentTooLate):
        mark_payment_received(order, actor=None)
    db.session.rollback()
    assert order.status is OrderStatus.EXPIRED and stock(db, tea) == (0, 0)


def test_a_late_transfer_re_books_the_order_while_stock_allows(db, two_producers):
    from datetime import timedelta

    from storefront.checkout.orders import expire_lapsed_orders
    from storefront.columns import utcnow

    tea, _ = two_producers
    order = make_order([(tea, 2)], payment="bank_transfer")
    expire_lapsed_orders(utcnow() + timedelta(days=2))
    mark_payment_received(order, actor=None)
    db.session.commit()
    assert order.status is OrderStatus.PAID and stock(db, tea) == (3, 0)
    assert [f.status for f in order.fulfilments] == [FulfilmentStatus.PENDING]


def test_a_transfer_marked_paid_after_the_expiry_released_its_hold_does_not_oversell(db, two_producers):
    """The expiry released the units (order still pending in this session); they sold out meanwhile."""
    from datetime import timedelta

    from storefront.checkout.errors import PaymentTooLate
    from storefront.columns import utcnow
    from storefront.inventory.services import release_expired

    tea, _ = two_producers
    order = make_order([(tea, 2)], payment="bank_transfer")
    db.session.commit()
    release_expired(utcnow() + timedelta(days=2))  # inventory's sweep won the race
    make_order([(tea, 5)], payment="cod")
    db.session.commit()
    with pytest.raises(PaymentTooLate):
        mark_payment_received(order, actor=None)
    db.session.rollback()
    assert stock(db, tea) == (0, 0)
    assert db.session.get(Order, order.id).status is not OrderStatus.PAID


def test_of_two_racing_status_moves_only_one_wins(db, two_producers):
    from sqlalchemy import update

    from storefront.checkout.orders import move_order

    tea, _ = two_producers
    order = make_order([(tea, 1)], payment="bank_transfer")
    db.session.commit()
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(status=OrderStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )  # another transaction's move
    with pytest.raises(IllegalTransition):
        move_order(order, OrderStatus.CANCELLED)
    assert order.status is OrderStatus.EXPIRED


def test_the_buyer_cancels_a_cod_order_with_a_reason_and_the_units_return(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 2)
    response = place(client, fill_checkout(client, payment="cod", email="hoa@example.vn"))
    order = only_order(db)
    assert stock(db, tea) == (3, 0)
    assert 'id="cancel-order"' in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(f"/orders/{order.code}/cancel", data={"reason": "Đặt nhầm số lượng"})
    assert "Đã huỷ đơn hàng" in follow(client, response)
    order = only_order(db)
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "Đặt nhầm số lượng")
    assert stock(db, tea) == (5, 0)
    assert all(f.status is FulfilmentStatus.CANCELLED for f in order.fulfilments)


def test_a_guest_who_looked_up_an_unpaid_order_can_cancel_it_and_release_the_hold(app, db, two_producers):
    tea, _ = two_producers
    order = make_order([(tea, 2)], payment="bank_transfer")
    db.session.commit()
    guest = app.test_client()
    assert guest.post(f"/orders/{order.code}/cancel", data={"reason": "x"}).status_code == 404
    assert only_order(db).status is OrderStatus.PENDING_PAYMENT  # not before the look-up
    guest.post("/orders/lookup", data={"code": order.code, "phone": "0912345678"})
    guest.post(f"/orders/{order.code}/cancel", data={})
    assert only_order(db).status is OrderStatus.CANCELLED and stock(db, tea) == (5, 0)


def test_an_order_with_a_shipped_part_cannot_be_cancelled_by_the_buyer(client, db, two_producers):
    tea, noodles = two_producers
    order = make_order([(tea, 1), (noodles, 1)], payment="cod")
    pack_fulfilment(order.fulfilments[0], actor=None)
    ship_fulfilment(order.fulfilments[0], carrier="VNPost", tracking_number="EP1", actor=None)
    db.session.commit()
    with client.session_transaction() as session:
        session["orders"] = [order.code]
    assert 'id="cancel-order"' not in client.get(f"/orders/{order.code}").get_data(as_text=True)
    response = client.post(f"/orders/{order.code}/cancel", data={"reason": ""})
    assert "không thể huỷ" in follow(client, response)
    assert only_order(db).status is OrderStatus.CONFIRMED and stock(db, tea) == (4, 0)


def test_another_buyers_order_cannot_be_cancelled(client, db, two_producers):
    tea, _ = two_producers
    order = make_order([(tea, 1)], payment="cod")
    db.session.commit()
    other = make_user()
    db.session.commit()
    from tests.factories import PASSWORD

    client.post("/account/login", data={"email": other.email, "password": PASSWORD})
    assert client.post(f"/orders/{order.code}/cancel", data={}).status_code == 404
    assert only_order(db).status is OrderStatus.CONFIRMED


def test_a_buyer_cancelling_an_order_that_expired_meanwhile_is_told_it_cannot_be_cancelled(db, two_producers):
    from sqlalchemy import update

    from storefront.checkout.cancelling import cancel_order_by_buyer
    from storefront.checkout.errors import CannotCancel

    tea, _ = two_producers
    order = make_order([(tea, 1)], payment="bank_transfer")
    db.session.commit()
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(status=OrderStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )  # the expiry won
    with pytest.raises(CannotCancel):
        cancel_order_by_buyer(order, reason="")


@pytest.fixture
def commits(app):
    """Count commits of any SQLAlchemy session while the block runs: `with commits() as n: …; n()`."""
    from contextlib import contextmanager

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    @contextmanager
    def counter():
        seen = []

        def count(session):
            seen.append(session)

        event.listen(Session, "after_commit", count)
        try:
            yield lambda: len(seen)
        finally:
            event.remove(Session, "after_commit", count)

    return counter


@pytest.fixture
def signed_in_at_review(client, db, login):
    """A signed-in shopper with 2 of a product in the account cart, on the review page: (product, review fields)."""
    product = make_product(on_hand=5, price_vnd=120_000)
    shopper = make_user()
    db.session.commit()
    login(shopper)
    add_to_cart(client, product, 2)
    return product, fill_checkout(client)


def test_placing_an_order_is_one_commit_with_the_hold_and_the_emptied_account_cart(
    client, db, signed_in_at_review, commits
):
    from storefront.cart.models import CartLine

    product, reviewed = signed_in_at_review
    with commits() as n:
        response = place(client, reviewed)
    assert response.status_code == 302
    assert n() == 1
    assert only_order(db).status is OrderStatus.CONFIRMED  # COD: confirmed and its units sold at once
    assert stock(db, product) == (3, 0)
    assert db.session.scalar(select(func.count(CartLine.id))) == 0


def test_a_failure_after_the_order_is_made_but_before_the_commit_keeps_nothing(
    client, db, signed_in_at_review, monkeypatch
):
    from storefront.cart.models import CartLine
    from storefront.checkout.views import steps

    product, reviewed = signed_in_at_review

    def broken_cart_store():
        raise RuntimeError("cart storage down")

    monkeypatch.setattr(steps, "clear_contents", broken_cart_store)
    with pytest.raises(RuntimeError):
        place(client, reviewed)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert stock(db, product) == (5, 0)
    assert db.session.scalar(select(CartLine.quantity)) == 2  # the cart is still there to try again
    monkeypatch.undo()
    assert place(client, reviewed).status_code == 302
    assert only_order(db).lines[0].quantity == 2 and stock(db, product) == (3, 0)

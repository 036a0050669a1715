"""Page structure of the shop's key pages: one primary action, Mua ngay, cart steppers, honest empty
states, an order page that leads with the code and what happens next, and the order look-up linked
from the header, the footer, the order page and every order mail."""

import re

import pytest
from sqlalchemy import select

from storefront.checkout.cancelling import cancel_order
from storefront.checkout.models import Order
from storefront.outbox.models import OutboxMessage
from tests.factories import make_producer, make_product
from tests.factories_checkout import add_to_cart, fill_checkout, place


@pytest.fixture
def two_producers(db):
    tea = make_product(
        producer=make_producer(name="HTX Chè Hảo Đạt"), name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5
    )
    noodles = make_product(
        producer=make_producer(name="HTX Miến Việt Cường"), name_vi="Miến dong", price_vnd=60_000, on_hand=8
    )
    db.session.commit()
    return tea, noodles


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def primary_buttons(page: str) -> list[str]:
    return re.findall(r'<(?:button|a)\b[^>]*class="[^"]*\bprimary\b[^"]*"[^>]*>', page)


def test_header_and_footer_link_the_order_lookup(client, two_producers):
    page = text(client.get("/"))
    header, footer = page.split("<main", 1)[0], page.split('<footer class="site-footer">', 1)[1]
    assert 'href="/orders/lookup"' in header and 'href="/orders/lookup"' in footer


def test_product_page_has_one_buy_form_the_phone_bar_submits_and_mua_ngay_goes_to_checkout(client, two_producers):
    tea, _ = two_producers
    page = text(client.get(f"/products/{tea.slug}"))
    assert page.count('<form method="post" action="/cart/add"') == 1 and 'id="buy-form"' in page
    bar = page.split('class="buy-bar"', 1)[1]
    assert bar.count('form="buy-form"') == 2 and 'name="buy_now"' in bar
    # The image area is its own partial: the gallery drops in without touching product.html.
    assert page.index('class="product-media"') < page.index('class="buy-box"')

    response = client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "2", "buy_now": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/checkout"
    assert "Chè tôm nõn" in text(client.get("/cart"))
    response = client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "1"})
    assert response.headers["Location"] == "/cart"


def test_mua_ngay_twice_buys_the_chosen_quantity_not_twice_as_many(client, two_producers):
    # A second tap on a slow phone, or back from checkout and "Mua ngay" again, must not double the order.
    tea, _ = two_producers
    for _ in range(2):
        response = client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "2", "buy_now": "1"})
        assert response.headers["Location"] == "/checkout"
    assert re.search(r'<input type="text" inputmode="numeric"[^>]*name="quantity" value="2"', text(client.get("/cart")))
    client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "1"})  # "Thêm vào giỏ" still adds
    assert re.search(r'<input type="text" inputmode="numeric"[^>]*name="quantity" value="3"', text(client.get("/cart")))
    response = client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "1", "buy_now": "1"})
    assert re.search(r'<input type="text" inputmode="numeric"[^>]*name="quantity" value="1"', text(client.get("/cart")))
    response = client.post("/cart/add", data={"product_id": str(tea.id), "quantity": "99", "buy_now": "1"})
    assert response.headers["Location"] == "/cart"  # more than the stock: the cart says how many are left
    assert re.search(r'<input type="text" inputmode="numeric"[^>]*name="quantity" value="1"', text(client.get("/cart")))


def test_cart_steppers_post_the_next_quantity_and_stop_at_one_and_at_stock(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 1)
    page = text(client.get("/cart"))
    assert re.search(r'<button type="submit" form="step-\d+" name="quantity" value="0"[^>]*disabled', page)
    assert re.search(r'<button type="submit" form="step-\d+" name="quantity" value="2"(?![^>]*disabled)', page)
    assert re.search(r'<input type="text" inputmode="numeric"[^>]*name="quantity" value="1"', page)
    assert 'class="cart-thumb"' in page
    client.post("/cart/update", data={"product_id": str(tea.id), "quantity": "5"})
    page = text(client.get("/cart"))
    assert re.search(r'<button type="submit" form="step-\d+" name="quantity" value="6"[^>]*disabled', page)  # 5 on hand
    assert re.search(r'<button type="submit" form="step-\d+" name="quantity" value="4"(?![^>]*disabled)', page)


def test_no_results_say_so_and_offer_searches_groups_and_products_never_an_empty_heading(client, two_producers):
    page = text(client.get("/products", query_string={"q": "xyzzyq"}))
    assert "Không tìm thấy sản phẩm nào cho “xyzzyq”" in page
    assert "Kết quả theo nhóm" not in page and "Kết quả theo số sao" not in page
    assert not re.search(r"</h[1-6]>\s*<ul[^>]*>\s*</ul>", page)
    assert re.search(r'<a href="/products\?q=[^"]+" lang="vi">miến dong</a>', page)  # suggested searches
    assert re.search(r'href="/products\?group=\d+"', page)  # popular groups with products


def test_review_page_has_one_primary_action_and_the_cancel_apart_as_a_small_danger_button(client, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 1)
    fill_checkout(client, payment="cod")
    page = text(client.get("/checkout/review"))
    assert len(primary_buttons(page)) == 1 and 'id="place-order"' in primary_buttons(page)[0]
    cancel = re.search(r'<form[^>]*class="actions-danger"[^>]*>.*?</form>', page, re.S).group(0)
    assert 'class="danger"' in cancel and "Huỷ, không đặt hàng" in cancel
    assert page.index('id="place-order"') < page.index('class="actions-danger"')


def test_order_page_leads_with_code_and_next_steps_then_payment_and_cancel_last(client, db, two_producers):
    tea, noodles = two_producers
    add_to_cart(client, tea, 1)
    add_to_cart(client, noodles, 1)
    response = place(client, fill_checkout(client, payment="bank_transfer", email="hoa@example.vn"))
    order = db.session.scalar(select(Order))
    page = text(client.get(response.headers["Location"]))
    positions = [
        page.index(marker)
        for marker in (
            'class="order-code"',
            'class="timeline"',
            'data-testid="next-step"',
            'id="transfer-h"',
            'id="save-qr"',
            'class="cancel-box"',
            'id="cancel-order"',
        )
    ]
    assert positions == sorted(positions)
    assert re.search(r'<li class="done" aria-current="step">Đã đặt</li>', page)
    assert f'href="/orders/lookup?code={order.code}"' in page
    assert f'download="VietQR-{order.code}.png"' in page and f'href="/orders/{order.code}/vietqr.png"' in page
    assert f'data-copy="{order.total_vnd}"' in page and f'data-copy="{order.code}"' in page
    assert 'data-copy="0011004123456"' in page and "Vietcombank" in page
    assert '<script src="/static/js/copy.js" defer></script>' in page


def test_every_order_mail_links_the_lookup_page_with_the_code(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 1)
    place(client, fill_checkout(client, payment="cod", email="hoa@example.vn"))
    order = db.session.scalar(select(Order))
    cancel_order(order, reason="đổi ý")
    db.session.commit()
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(mails) == 2
    for mail in mails:
        assert f"http://shop.test/orders/lookup?code={order.code}" in mail.body_text


def test_shop_pages_have_no_inline_styles_or_scripts(client, db, two_producers):
    tea, _ = two_producers
    add_to_cart(client, tea, 1)
    response = place(client, fill_checkout(client, payment="bank_transfer"))
    for path in [
        "/",
        "/products",
        "/products?q=xyzzyq",
        f"/products/{tea.slug}",
        "/cart",
        "/orders/lookup",
        response.headers["Location"],
    ]:
        page = text(client.get(path))
        assert " style=" not in page, path
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert all("src=" in tag or 'type="application/ld+json"' in tag for tag in scripts), (path, scripts)
    add_to_cart(client, tea, 1)
    for path in ["/checkout"]:
        page = text(client.get(path))
        assert " style=" not in page and all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", page)), path


def test_a_producer_story_card_on_the_home_page_reads_as_sentences_not_run_together(client, db):
    """The card has the producer's name as its title: the story's own heading is left out, and its
    paragraphs keep a space between them (tags stripped used to give "Hảo ĐạtĐịa chỉ…")."""
    make_producer(
        name="HTX Chè Hảo Đạt",
        story_md="## HTX Chè Hảo Đạt\n\nĐịa chỉ: **xã** Tân Cương.\n\n- chè búp\n- chè móc câu\n\nHái tay từ 1998.",
    )
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    card = html.split('id="stories-h"', 1)[1]
    summary = re.search(r'<p lang="vi">(.*?)</p>', card, re.S).group(1)
    assert summary == "Địa chỉ: xã Tân Cương. Hái tay từ 1998."


def test_the_home_page_lists_only_ocop_groups_with_products_each_count_inside_its_tile(client, db):
    make_product()  # in the factory's OCOP group; the other groups have none
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    groups = html.split('id="groups-h"', 1)[1].split("</ul>", 1)[0]
    tiles = re.findall(r'<li><a href="[^"]*group=([^"&]+)">[^<]*<span class="count">(\d+)</span></a></li>', groups)
    assert tiles and all(int(count) > 0 for _, count in tiles)
    assert groups.count("<li>") == len(tiles)  # no group without products, no count outside its tile

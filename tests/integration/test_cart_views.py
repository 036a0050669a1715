"""Cart: adding, editing, bad input, notices, grouping and the merge at login."""

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from storefront.cart.models import Cart, CartLine
from storefront.catalog.models import ProducerStatus
from tests.factories import make_producer, make_product, make_user
from tests.factories_checkout import add_to_cart, follow


def guest_cart(client) -> dict:
    with client.session_transaction() as session:
        return dict(session.get("cart", {}))


def test_a_guest_adds_a_product_and_sees_it_with_its_price(client, db):
    product = make_product(name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5)
    db.session.commit()
    response = add_to_cart(client, product, 2)
    assert response.status_code == 302
    assert guest_cart(client) == {str(product.id): [2, 380_000]}
    page = client.get("/cart").get_data(as_text=True)
    assert "Chè tôm nõn" in page and "760.000\u00a0₫" in page


def test_adding_twice_adds_up_and_the_header_counts_items(client, db):
    product = make_product(on_hand=10)
    db.session.commit()
    add_to_cart(client, product, 2)
    add_to_cart(client, product, 3)
    assert guest_cart(client)[str(product.id)][0] == 5
    assert '<span class="badge-count">5</span>' in client.get("/cart").get_data(as_text=True)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("-1", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("abc", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("1.5", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("1000", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("99999999999999999999", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("²", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("١٢", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("1e3", "Số lượng phải là số nguyên từ 1 đến 999"),
        (" 3 ", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("3.0", "Số lượng phải là số nguyên từ 1 đến 999"),
        ("11", "Chỉ còn 10 sản phẩm"),
    ],
)
def test_a_bad_quantity_is_explained_and_changes_nothing(client, db, quantity, message):
    product = make_product(on_hand=10)
    db.session.commit()
    add_to_cart(client, product, 1)
    response = client.post("/cart/add", data={"product_id": str(product.id), "quantity": quantity})
    assert message in follow(client, response)
    assert guest_cart(client) == {str(product.id): [1, product.price_vnd]}
    response = client.post("/cart/update", data={"product_id": str(product.id), "quantity": quantity})
    assert message in follow(client, response)
    assert guest_cart(client) == {str(product.id): [1, product.price_vnd]}


@pytest.mark.parametrize("kind", ["unknown", "unpublished", "hidden", "producer_suspended", "not_a_number"])
def test_a_product_not_on_sale_cannot_be_added(client, db, kind):
    product = make_product(
        is_published=kind != "unpublished",
        is_hidden=kind == "hidden",
        producer=make_producer(
            status=ProducerStatus.SUSPENDED if kind == "producer_suspended" else ProducerStatus.APPROVED
        ),
    )
    db.session.commit()
    product_id = {"unknown": str(product.id + 1000), "not_a_number": "x1"}.get(kind, str(product.id))
    response = client.post("/cart/add", data={"product_id": product_id, "quantity": "1"})
    assert "Sản phẩm này không có hoặc đã ngừng bán." in follow(client, response)
    assert guest_cart(client) == {}


def test_a_sold_out_product_cannot_be_added(client, db):
    product = make_product(on_hand=0, name_vi="Miến dong")
    db.session.commit()
    response = add_to_cart(client, product, 1)
    assert "Miến dong đã hết hàng." in follow(client, response)
    assert guest_cart(client) == {}


def test_a_lapsed_hold_does_not_stop_a_shopper_adding_the_last_units(client, db):
    from datetime import timedelta

    from storefront.checkout.models import Order, OrderStatus
    from storefront.columns import utcnow
    from storefront.inventory.models import Stock
    from tests.factories_checkout import make_order

    product = make_product(on_hand=2, name_vi="Miến dong")
    make_order([(product, 2)], payment="bank_transfer", now=utcnow() - timedelta(days=3))  # hold lapsed, not released
    db.session.commit()
    response = add_to_cart(client, product, 2)
    assert "Đã thêm vào giỏ hàng." in follow(client, response)
    assert guest_cart(client) == {str(product.id): [2, product.price_vnd]}
    db.session.expire_all()
    # The cart only reads stock: the lapsed order is expired by checkout or the cron job, not here.
    assert db.session.scalar(select(Stock.reserved)) == 2
    assert db.session.scalar(select(Order.status)) is OrderStatus.PENDING_PAYMENT


def test_quantities_can_be_edited_and_lines_removed(client, db):
    product, other = make_product(on_hand=10), make_product(on_hand=10)
    db.session.commit()
    add_to_cart(client, product, 1)
    add_to_cart(client, other, 1)
    client.post("/cart/update", data={"product_id": str(product.id), "quantity": "4"})
    client.post("/cart/remove", data={"product_id": str(other.id)})
    assert guest_cart(client) == {str(product.id): [4, product.price_vnd]}


def test_updating_a_product_not_in_the_cart_changes_nothing(client, db):
    product = make_product(on_hand=10)
    db.session.commit()
    client.post("/cart/update", data={"product_id": str(product.id), "quantity": "2"})
    assert guest_cart(client) == {}


def test_the_cart_groups_lines_by_producer(client, db):
    tea = make_producer(name="HTX Chè Hảo Đạt")
    noodles = make_producer(name="HTX Miến Việt Cường")
    for product in (make_product(producer=tea), make_product(producer=noodles), make_product(producer=tea)):
        db.session.commit()
        add_to_cart(client, product)
    page = client.get("/cart").get_data(as_text=True)
    assert page.count('class="cart-group card"') == 2
    assert page.index("HTX Chè Hảo Đạt") < page.index("HTX Miến Việt Cường")


def test_the_cart_says_when_a_price_changed_or_an_item_sold_out_or_left_the_shop(client, db):
    dearer, gone, sold_out = make_product(price_vnd=100_000), make_product(), make_product(on_hand=3)
    db.session.commit()
    for product in (dearer, gone, sold_out):
        add_to_cart(client, product)
    dearer.price_vnd = 120_000
    gone.is_published = False
    sold_out.stock.on_hand = 0
    db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "Giá đã thay đổi từ 100.000\u00a0₫ thành 120.000\u00a0₫" in page
    assert "Sản phẩm này đã ngừng bán" in page
    assert "Sản phẩm này đã hết hàng." in page
    assert 'href="/checkout"' not in page
    assert client.get("/checkout").headers["Location"].endswith("/cart")


def test_the_guest_cart_is_merged_into_the_account_cart_at_login(client, login, db):
    user = make_user()
    kept, added = make_product(on_hand=10), make_product(on_hand=10)
    db.session.add(
        Cart(user_id=user.id, lines=[CartLine(product_id=kept.id, quantity=2, price_seen_vnd=kept.price_vnd)])
    )
    db.session.commit()
    add_to_cart(client, kept, 3)
    add_to_cart(client, added, 1)
    login(user)
    lines = db.session.scalars(select(CartLine).order_by(CartLine.product_id)).all()
    assert [(line.product_id, line.quantity) for line in lines] == [(kept.id, 5), (added.id, 1)]
    assert guest_cart(client) == {}
    assert '<span class="badge-count">6</span>' in client.get("/cart").get_data(as_text=True)


def test_a_signed_in_shopper_cart_is_stored_in_the_database(client, login, db):
    user = make_user()
    product = make_product(on_hand=10)
    db.session.commit()
    login(user)
    add_to_cart(client, product, 2)
    line = db.session.scalar(select(CartLine))
    assert (line.product_id, line.quantity, line.cart.user_id) == (product.id, 2, user.id)


def test_a_cart_post_without_csrf_token_is_refused(client, db):
    product = make_product()
    db.session.commit()
    response = client.post("/cart/add", data={"product_id": str(product.id), "quantity": "1"}, csrf=False)
    assert response.status_code == 400
    assert guest_cart(client) == {}


def test_cart_lines_show_the_product_photo_as_a_small_thumbnail(client, app, db):
    from pathlib import Path

    from tests.factories_catalog import add_image

    product = make_product(name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5)
    add_image(product, Path(app.config["UPLOAD_DIR"]), size=(1200, 900))
    db.session.commit()
    add_to_cart(client, product, 1)
    response = client.get("/cart")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    thumb = page.split('class="cart-thumb"', 1)[1].split("</a>", 1)[0]
    assert 'sizes="72px"' in thumb and 'alt=""' in thumb and f"/media/{product.slug}.jpg" in thumb


class _Forms(HTMLParser):
    """Collect each form's id and its submit buttons and inputs, with the form each button posts to."""

    def __init__(self):
        super().__init__()
        self.forms, self.controls, self._current = {}, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = attrs.get("id") or f"form-{len(self.forms)}"
            self.forms[self._current] = attrs
        elif tag in ("button", "input") and self._current:
            self.controls.append({**attrs, "tag": tag, "owner": attrs.get("form") or self._current})

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def test_the_cart_has_a_typed_quantity_box_that_works_without_javascript(client, db):
    product = make_product(name_vi="Chè tôm nõn", on_hand=10)
    db.session.commit()
    add_to_cart(client, product, 2)
    parser = _Forms()
    parser.feed(client.get("/cart").get_data(as_text=True))
    [box] = [c for c in parser.controls if c["tag"] == "input" and c.get("name") == "quantity"]
    assert box["inputmode"] == "numeric" and box["value"] == "2" and box["data-max"] == "10"
    assert parser.forms[box["owner"]]["action"] == "/cart/update"
    # Enter in the box submits its form with the form's first submit button: "Cập nhật", not − or +.
    buttons = [c for c in parser.controls if c["tag"] == "button" and c["owner"] == box["owner"]]
    assert buttons and "name" not in buttons[0]
    steppers = [c for c in parser.controls if c["tag"] == "button" and c.get("name") == "quantity"]
    assert sorted(c["value"] for c in steppers) == ["1", "3"]
    assert all(parser.forms[c["owner"]]["action"] == "/cart/update" and c["owner"] != box["owner"] for c in steppers)

    # What the browser posts when the shopper types 7 and presses Enter.
    response = client.post("/cart/update", data={"product_id": str(product.id), "quantity": "7"})
    assert "Đã cập nhật số lượng." in follow(client, response)
    assert guest_cart(client) == {str(product.id): [7, product.price_vnd]}


@pytest.mark.parametrize(
    ("typed", "message"),
    [("11", "Chỉ còn 10 sản phẩm Chè tôm nõn."), ("mười", "Số lượng phải là số nguyên"), ("", "Số lượng phải")],
)
def test_a_typed_quantity_over_stock_or_not_a_number_is_explained_and_changes_no_stock(client, db, typed, message):
    from storefront.inventory.models import Stock

    product = make_product(name_vi="Chè tôm nõn", on_hand=10)
    db.session.commit()
    add_to_cart(client, product, 2)
    response = client.post("/cart/update", data={"product_id": str(product.id), "quantity": typed})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    assert guest_cart(client) == {str(product.id): [2, product.price_vnd]}
    db.session.expire_all()
    stock = db.session.scalar(select(Stock).where(Stock.product_id == product.id))
    assert (stock.on_hand, stock.available) == (10, 10)

"""A product's selling unit ("hộp") is shown in the page's language where the shop knows the word."""

from tests.factories import make_producer, make_product


def _product(db, unit):
    product = make_product(producer=make_producer(), name_vi="Chè đinh Tân Cương", price_vnd=120_000, on_hand=5)
    product.unit = unit
    db.session.commit()
    return product


def test_english_pages_say_box_not_hop(client, db):
    product = _product(db, "hộp")
    client.get("/?lang=en")
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "Unit: box" in page
    assert "hộp" not in page
    listing = client.get("/products").get_data(as_text=True)
    assert "/ box" in listing and "hộp" not in listing
    client.post("/cart/add", data={"product_id": product.id, "quantity": 1})
    cart = client.get("/cart").get_data(as_text=True)
    assert "120.000\u00a0₫ / box" in cart and "hộp" not in cart


def test_vietnamese_pages_keep_the_unit_and_an_unknown_unit_stays_marked_vietnamese(client, db):
    known = _product(db, "hộp")
    assert "/ hộp" in client.get("/products").get_data(as_text=True)
    other = _product(db, "xâu")
    client.get("/?lang=en")
    page = client.get(f"/products/{other.slug}").get_data(as_text=True)
    assert 'Unit: <span lang="vi">xâu</span>' in page
    assert known.unit == "hộp"

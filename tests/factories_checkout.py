"""Checkout helpers for tests: walk a test client through the steps, build orders directly."""

import re
import secrets

from storefront.checkout.placing import CheckoutDetails, place_order
from tests.factories import TAN_CUONG_WARD

THAI_NGUYEN = 19
HANOI = 1
#: A ward of Hà Nội (post-2025 code), i.e. not in Thái Nguyên.
HANOI_WARD = 4

CONTACT = {
    "contact_name": "Nguyễn Thị Hoa",
    "phone": "0912 345 678",
    "email": "",
    "province_code": str(THAI_NGUYEN),
    "ward_code": str(TAN_CUONG_WARD),
    "street": "Xóm Nam Tiến",
}


def held_stock(db, product) -> tuple[int, int]:
    """(on hand, reserved) of a product, read fresh from the database."""
    from sqlalchemy import select

    from storefront.inventory.models import Stock

    db.session.expire_all()
    row = db.session.scalar(select(Stock).where(Stock.product_id == product.id))
    return row.on_hand, row.reserved


def add_to_cart(client, product, quantity=1):
    return client.post("/cart/add", data={"product_id": str(product.id), "quantity": str(quantity)})


def review_key(client) -> dict:
    """Open the review page and return its hidden fields (idempotency key, reviewed total)."""
    response = client.get("/checkout/review")
    assert response.status_code == 200, response.headers.get("Location")
    page = response.get_data(as_text=True)
    return {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)
        for name in ("idempotency_key", "reviewed_total_vnd")
    }


def fill_checkout(client, *, payment="cod", **contact):
    """Post the contact and options steps; return the review page's hidden fields."""
    response = client.post("/checkout", data={**CONTACT, **contact})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = client.post("/checkout/options", data={"delivery_method": "standard", "payment_method": payment})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return review_key(client)


def place(client, reviewed: dict, **extra):
    """Post the review page's place-order form (its hidden fields plus *extra*)."""
    return client.post("/checkout/place", data={**reviewed, **extra})


def details(**kw) -> CheckoutDetails:
    values = {
        "contact_name": "Nguyễn Thị Hoa",
        "phone": "+84912345678",
        "email": "hoa@example.vn",
        "province_code": THAI_NGUYEN,
        "ward_code": TAN_CUONG_WARD,
        "street": "Xóm Nam Tiến",
        "delivery_method": "standard",
        "payment_method": "cod",
    }
    return CheckoutDetails(**{**values, **kw})


def make_order(products_qty, *, payment="cod", user=None, now=None, **kw):
    """Place an order through the service for [(product, quantity)]; flushes, does not commit."""
    contents = {product.id: (quantity, product.price_vnd) for product, quantity in products_qty}
    return place_order(
        contents, details(payment_method=payment, **kw), user=user, idempotency_key=secrets.token_urlsafe(24), now=now
    )


def follow(client, response) -> str:
    """GET the redirect target and return its text (the conftest client breaks on follow_redirects)."""
    assert response.status_code in (302, 303), response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)

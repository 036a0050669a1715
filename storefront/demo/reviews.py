"""Demo reviews: delivered demo orders by fictional buyers, each reviewed through the real service.

Every order here is marked in its note ("Đơn hàng minh hoạ (demo)") and uses a DEMO- code; every
review is `is_demo` (the page labels it) and its buyer's account has an unusable random password.
The demo shopper (khach@example.com) also gets one delivered, not yet reviewed order, so a visitor
can try writing a review.
"""

import secrets
from datetime import date, timedelta

from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.catalog.models import Product
from storefront.checkout.models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from storefront.demo.batches import vn_moment
from storefront.extensions import db
from storefront.reviews.services import reply_to_review, write_review

DEMO_NOTE = "Đơn hàng minh hoạ (demo)"
#: (product, buyer, stars, text, days ago, the producer's reply or "").
DEMO_REVIEWS = (
    (
        "Chè tôm nõn",
        "Trần Thị Mai",
        5,
        "Nước chè xanh, thơm cốm, vị chát dịu rồi ngọt hậu. Hộp đóng kín, giao 2 ngày là tới Hà Nội.",
        40,
        "Cảm ơn chị Mai đã tin dùng chè Hảo Đạt! Chị nhớ bảo quản chè trong hộp kín, nơi khô mát nhé.",
    ),
    ("Chè tôm nõn", "Lê Văn Hùng", 4, "Chè ngon, búp đều. Giá hơi cao nhưng đáng tiền.", 25, ""),
    ("Chè tôm nõn", "Phạm Thu Hà", 5, "Mua làm quà Tết, người nhận rất thích. Có tem truy xuất quét được.", 12, ""),
    ("Chè đinh Tân Cương", "Nguyễn Minh Đức", 5, "Búp nhỏ như đinh, pha ba nước vẫn còn vị.", 30, ""),
    ("Miến Việt Cường", "Trần Thị Mai", 5, "Sợi miến dai, không nát khi nấu, không có mùi lạ.", 33, ""),
    ("Miến Việt Cường", "Hoàng Văn Nam", 3, "Miến ngon nhưng gói bị rách một góc khi nhận.", 18, ""),
)
#: The demo shopper's delivered order waiting for a review.
SHOPPER_TO_REVIEW = "Chè đinh Tân Cương"


def seed_reviews(*, today: date, shopper: User) -> int:
    """Add delivered demo orders and reviews of them; flush only. Return how many reviews were written."""
    products = {p.name_vi: p for p in db.session.scalars(select(Product).where(Product.name_vi.in_(_names())))}
    buyers: dict[str, User] = {}
    written = 0
    for n, (name, buyer_name, stars, text, days_ago, reply) in enumerate(DEMO_REVIEWS, start=1):
        product = products.get(name)
        if product is None:
            continue
        buyer = buyers.get(buyer_name) or _demo_buyer(buyer_name, len(buyers) + 1)
        buyers[buyer_name] = buyer
        _delivered_order(
            f"DEMO-R{n:02d}", buyer, product, today - timedelta(days=days_ago + 4), today - timedelta(days=days_ago)
        )
        review = write_review(buyer, product, stars=stars, body=text)
        review.is_demo = True
        review.created_at = vn_moment(today - timedelta(days=days_ago - 1), 20)
        if reply and product.producer.owner is not None:
            reply_to_review(review, producer=product.producer, body=reply, actor=product.producer.owner)
            review.replied_at = vn_moment(today - timedelta(days=days_ago - 2), 9)
        written += 1
    if SHOPPER_TO_REVIEW in products:
        _delivered_order(
            "DEMO-R00", shopper, products[SHOPPER_TO_REVIEW], today - timedelta(days=9), today - timedelta(days=6)
        )
    db.session.flush()
    return written


def _names() -> set[str]:
    return {row[0] for row in DEMO_REVIEWS} | {SHOPPER_TO_REVIEW}


def _demo_buyer(full_name: str, n: int) -> User:
    user = User(email=f"nguoi-mua-demo-{n}@example.com", role=Role.SHOPPER, full_name=full_name)
    user.set_password(secrets.token_urlsafe(24))  # nobody signs in as a demo reviewer
    db.session.add(user)
    db.session.flush()
    return user


def _delivered_order(code: str, buyer: User, product: Product, placed: date, delivered: date) -> Order:
    total = product.price_vnd
    order = Order(
        code=code,
        user_id=buyer.id,
        status=OrderStatus.DELIVERED,
        contact_name=buyer.full_name,
        phone="+84900000000",
        province_code=19,
        ward_code=5503,
        street="Địa chỉ minh hoạ",
        subtotal_vnd=total,
        delivery_fee_vnd=0,
        total_vnd=total,
        payment_method=PaymentMethod.COD,
        note=DEMO_NOTE,
        created_at=vn_moment(placed, 10),
    )
    fulfilment = Fulfilment(
        order=order,
        producer_id=product.producer_id,
        status=FulfilmentStatus.DELIVERED,
        delivered_at=vn_moment(delivered, 15),
    )
    order.lines.append(
        OrderLine(
            fulfilment=fulfilment,
            product_id=product.id,
            producer_id=product.producer_id,
            product_name=product.name_vi,
            producer_name=product.producer.name,
            unit_price_vnd=product.price_vnd,
            quantity=1,
            line_total_vnd=total,
        )
    )
    order.payments.append(Payment(method=PaymentMethod.COD, amount_vnd=total, status=PaymentStatus.SUCCEEDED))
    db.session.add(order)
    db.session.flush()
    return order

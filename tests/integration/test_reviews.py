"""Verified-buyer reviews: who may write one, once, sanitised; the producer's one reply; office hiding."""

import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storefront.audit.models import AuditLogEntry
from storefront.catalog.models import ProducerStatus
from storefront.checkout.models import FulfilmentStatus, OrderStatus
from storefront.reviews.models import Review, ReviewImage
from tests.factories import make_product, make_user
from tests.factories_office import make_office_user
from tests.factories_producer import image_bytes, make_order, make_producer_account
from tests.factories_reviews import deliver, make_buyer_of, make_review


def review_count(db) -> int:
    return db.session.scalar(select(func.count(Review.id)))


def post_review(client, product, **form):
    data = {"stars": "5", "body": "Chè ngon, giao nhanh.", **form}
    return client.post(f"/products/{product.slug}/review", data=data, content_type="multipart/form-data")


def jsonld_of(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


@pytest.fixture
def product(db):
    return make_product(name_vi="Chè Tân Cương đặc biệt", slug="che-dac-biet")


def test_a_buyer_of_a_delivered_product_reviews_it_and_sees_it_on_the_page(client, db, login, product):
    buyer = make_buyer_of(product)
    db.session.commit()
    login(buyer)
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert 'data-testid="write-review"' in page
    assert client.get(f"/products/{product.slug}/review").status_code == 200

    response = post_review(client, product, stars="4", body="Chè **thơm**, nước xanh.")

    assert response.status_code == 302
    review = db.session.scalar(select(Review))
    assert (review.stars, review.body, review.user_id, review.author_name) == (
        4,
        "Chè **thơm**, nước xanh.",
        buyer.id,
        "Nguyễn Thị H.",
    )
    assert review.order_line.order.user_id == buyer.id
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "Đã mua hàng" in page and "<strong>thơm</strong>" in page and "Nguyễn Thị H." in page
    assert 'data-testid="write-review"' not in page  # once only
    data = jsonld_of(page)
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": 4.0,
        "reviewCount": 1,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert data["review"][0]["reviewRating"]["ratingValue"] == 4
    assert buyer.email not in page


def test_an_anonymous_product_page_already_cached_shows_a_new_review(app, client, db, login, product):
    buyer = make_buyer_of(product)
    db.session.commit()
    anonymous = app.test_client()
    assert "Chưa có đánh giá" in anonymous.get(f"/products/{product.slug}").get_data(as_text=True)
    login(buyer)
    post_review(client, product, body="Rất hài lòng")
    assert "Rất hài lòng" in anonymous.get(f"/products/{product.slug}").get_data(as_text=True)


NOT_DELIVERED = [
    pytest.param({"order_status": OrderStatus.PAID, "fulfilment_status": FulfilmentStatus.PENDING}, id="paid"),
    pytest.param({"order_status": OrderStatus.SHIPPED, "fulfilment_status": FulfilmentStatus.SHIPPED}, id="shipped"),
    pytest.param(
        {"order_status": OrderStatus.CANCELLED, "fulfilment_status": FulfilmentStatus.CANCELLED}, id="cancelled"
    ),
    pytest.param(
        {"order_status": OrderStatus.REFUNDED, "fulfilment_status": FulfilmentStatus.DELIVERED}, id="refunded"
    ),
    pytest.param(
        {"order_status": OrderStatus.PENDING_PAYMENT, "fulfilment_status": FulfilmentStatus.PENDING}, id="unpaid"
    ),
]


@pytest.mark.parametrize("states", NOT_DELIVERED)
def test_no_review_from_an_order_that_was_not_delivered(client, db, login, product, states):
    buyer = make_buyer_of(product, **states)
    db.session.commit()
    login(buyer)
    assert client.get(f"/products/{product.slug}/review").status_code == 403
    assert post_review(client, product).status_code == 403
    assert 'data-testid="write-review"' not in client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert review_count(db) == 0


def test_no_review_of_a_product_delivered_to_someone_else_or_of_another_product(client, db, login, product):
    make_buyer_of(product)  # someone else received it
    other_product = make_product()
    me = make_buyer_of(other_product)  # I received a different product
    db.session.commit()
    login(me)
    assert post_review(client, product).status_code == 403
    assert review_count(db) == 0


def test_a_producer_delivering_its_own_order_of_its_own_product_cannot_review_it(client, db, login):
    """A producer marks its own parcels delivered: ordering its own product and walking the order to
    'delivered' on its dashboard made it a verified buyer ('Đã mua hàng') of its own product."""
    owner, producer = make_producer_account()
    own = make_product(producer=producer, name_vi="Chè búp của mình", slug="che-cua-minh")
    neighbours = make_product(name_vi="Chè nhà bên", slug="che-nha-ben")  # another producer's
    order = make_order(lines=[(own, 1)], user=owner)
    make_buyer_of(neighbours, user=owner)
    db.session.commit()
    login(owner)
    steps = {"pack": {}, "ship": {"carrier": "VNPost", "tracking_number": "EB123456789VN"}, "deliver": {}}
    for step, data in steps.items():
        assert client.post(f"/producer/orders/{order.fulfilments[0].id}/{step}", data=data).status_code == 302
    db.session.refresh(order)
    assert (order.status, order.fulfilments[0].status) == (OrderStatus.DELIVERED, FulfilmentStatus.DELIVERED)

    assert 'data-testid="write-review"' not in client.get(f"/products/{own.slug}").get_data(as_text=True)
    assert client.get(f"/products/{own.slug}/review").status_code == 403
    assert post_review(client, own).status_code == 403
    assert review_count(db) == 0
    assert own.name_vi not in client.get("/account/reviews").get_data(as_text=True)
    # Another producer's product it received is a purchase like any shopper's.
    assert post_review(client, neighbours).status_code == 302
    assert db.session.scalar(select(Review.product_id)) == neighbours.id


def test_a_guest_order_gives_no_review_and_a_signed_out_visitor_is_sent_to_sign_in(client, db, product):
    deliver(make_order(lines=[(product, 1)], user=None))
    db.session.commit()
    response = post_review(client, product)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert review_count(db) == 0


def test_no_review_of_a_hidden_or_unknown_product_even_after_delivery(client, db, login, product):
    buyer = make_buyer_of(product)
    product.is_hidden = True
    db.session.commit()
    login(buyer)
    assert post_review(client, product).status_code == 404
    assert client.post("/products/khong-co/review", data={"stars": "5"}).status_code == 404
    assert client.get("/products/%00/review").status_code in (400, 404)
    assert review_count(db) == 0


def test_no_review_of_a_suspended_producers_product(db, product):
    from storefront.reviews.services import NotEligible, write_review

    buyer = make_buyer_of(product)
    product.producer.status = ProducerStatus.SUSPENDED
    with pytest.raises(NotEligible):
        write_review(buyer, product, stars=5, body="")
    assert review_count(db) == 0


def test_dashboards_and_the_api_have_no_route_that_creates_a_review(app):
    creating = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and "review" in rule.rule and not rule.rule.startswith("/checkout/")
    )
    # Producers reply, the office hides: only the buyer's form writes a review (checkout's /checkout/review is
    # the order review page, not a product review).
    assert creating == [
        "/office/reviews/<int:review_id>/hide",
        "/office/reviews/<int:review_id>/unhide",
        "/producer/reviews/<int:review_id>/reply",
        "/products/<slug>/review",
    ]


def test_a_buyer_reviews_a_product_once_even_after_buying_it_again(client, db, login, product):
    buyer = make_buyer_of(product)
    db.session.commit()
    login(buyer)
    assert post_review(client, product).status_code == 302
    make_buyer_of(product, user=buyer)
    db.session.commit()
    response = post_review(client, product, stars="1", body="lần hai")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/reviews")
    assert db.session.scalars(select(Review.stars)).all() == [5]


@pytest.mark.parametrize("stars", ["0", "6", "", "năm", "-1"])
def test_stars_outside_one_to_five_are_a_form_error(client, db, login, product, stars):
    buyer = make_buyer_of(product)
    db.session.commit()
    login(buyer)
    response = post_review(client, product, stars=stars)
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert review_count(db) == 0


def test_text_too_long_is_a_form_error(client, db, login, product):
    buyer = make_buyer_of(product)
    db.session.commit()
    login(buyer)
    assert post_review(client, product, body="a" * 2001).status_code == 200
    assert review_count(db) == 0


def test_review_text_is_sanitised(client, db, login, product):
    buyer = make_buyer_of(product)
    db.session.commit()
    login(buyer)
    body = "Ngon<script>alert(1)</script> [xem](javascript:alert(2)) <img src=x onerror=alert(3)> Ch\u200bè\x07"
    post_review(client, product, body=body)
    stored = db.session.scalar(select(Review.body))
    assert "\u200b" not in stored and "\x07" not in stored
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    section = page[page.index('id="reviews-h"') :]
    section = section[: section.index("</section>")]
    assert "<script" not in section and 'href="javascript:' not in section and "<img src=x" not in section
    assert "&lt;script&gt;" in section and "Chè" in section


def test_up_to_three_photos_go_through_the_image_pipeline(app, client, db, login, product):
    buyer = make_buyer_of(product)
    db.session.commit()
    login(buyer)
    photos = [(io.BytesIO(image_bytes(size=(900, 600))), f"p{i}.jpg") for i in range(2)]
    assert post_review(client, product, photos=photos).status_code == 302
    images = db.session.scalars(select(ReviewImage)).all()
    assert len(images) == 2 and images[0].width == 900
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert (upload_dir / images[0].filename).is_file()
    assert (upload_dir / images[0].filename.replace(".jpg", ".tiny.webp")).is_file()
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert images[0].filename in page


def test_four_photos_or_a_non_image_are_refused_and_leave_no_files(app, client, db, login, product):
    buyer = make_buyer_of(product)
    db.session.commit()
    login(buyer)
    four = [(io.BytesIO(image_bytes()), f"p{i}.jpg") for i in range(4)]
    response = post_review(client, product, photos=four)
    assert response.status_code == 200 and "Tối đa 3 ảnh" in response.get_data(as_text=True)
    mixed = [(io.BytesIO(image_bytes()), "a.jpg"), (io.BytesIO(b"%PDF-1.4 not an image"), "b.jpg")]
    response = post_review(client, product, photos=mixed)
    assert response.status_code == 200 and "Ảnh không được chấp nhận" in response.get_data(as_text=True)
    assert review_count(db) == 0
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_reviews_are_rate_limited_per_account(app, client, db, login):
    app.config["RATELIMIT_REVIEW"] = "1 per minute"
    products = [make_product(), make_product()]
    buyer = make_user()
    for item in products:
        make_buyer_of(item, user=buyer)
    db.session.commit()
    login(buyer)
    assert post_review(client, products[0]).status_code == 302
    assert post_review(client, products[1]).status_code == 429
    assert review_count(db) == 1


def test_the_producer_replies_once_and_another_producer_cannot(client, db, login):
    owner_user, producer = make_producer_account()
    other_user, _ = make_producer_account()
    product = make_product(producer=producer)
    review = make_review(product)
    db.session.commit()

    login(other_user)
    assert client.post(f"/producer/reviews/{review.id}/reply", data={"body": "Chen ngang"}).status_code == 404
    assert "Chen ngang" not in client.get("/producer/reviews").get_data(as_text=True)
    login.logout()

    login(owner_user)
    assert review.product.name_vi in client.get("/producer/reviews").get_data(as_text=True)
    client.post(f"/producer/reviews/{review.id}/reply", data={"body": "Cảm ơn chị đã ủng hộ!"})
    client.post(f"/producer/reviews/{review.id}/reply", data={"body": "Sửa lại"})
    db.session.refresh(review)
    assert review.reply_body == "Cảm ơn chị đã ủng hộ!" and review.replied_by_id == owner_user.id
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "Phản hồi của cơ sở" in page and "Cảm ơn chị đã ủng hộ!" in page


def test_a_shopper_cannot_reply_nor_hide(client, db, login, product):
    review = make_review(product)
    shopper = make_user()
    db.session.commit()
    login(shopper)
    assert client.post(f"/producer/reviews/{review.id}/reply", data={"body": "x"}).status_code == 403
    assert client.post(f"/office/reviews/{review.id}/hide", data={"reason": "x"}).status_code == 403
    db.session.refresh(review)
    assert not review.reply_body and not review.is_hidden


def test_the_office_hides_a_review_with_a_reason_audited_and_it_leaves_page_summary_and_jsonld(
    client, db, login, product
):
    kept = make_review(product, stars=5, body="Tốt")
    spam = make_review(product, stars=1, body="Mua hàng rẻ hơn tại trang-lừa-đảo")
    office = make_office_user()
    db.session.commit()
    login(office)
    assert client.post(f"/office/reviews/{spam.id}/hide", data={"reason": ""}).status_code == 302
    db.session.refresh(spam)
    assert not spam.is_hidden  # a reason is required
    client.post(f"/office/reviews/{spam.id}/hide", data={"reason": "Quảng cáo trang khác"})
    db.session.refresh(spam)
    assert spam.is_hidden and spam.hidden_reason == "Quảng cáo trang khác"
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.object_type == "Review"))
    assert (entry.action, entry.object_id, entry.actor_id, entry.reason) == (
        "review.hide",
        spam.id,
        office.id,
        "Quảng cáo trang khác",
    )
    assert entry.before == {"is_hidden": False, "hidden_reason": ""}

    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "trang-lừa-đảo" not in page and "Tốt" in page
    data = jsonld_of(page)
    assert data["aggregateRating"]["reviewCount"] == 1 and data["aggregateRating"]["ratingValue"] == 5.0
    assert [r["reviewBody"] for r in data["review"]] == ["Tốt"]
    assert "trang-lừa-đảo" in client.get("/office/reviews?hidden=1").get_data(as_text=True)

    client.post(f"/office/reviews/{spam.id}/unhide")
    db.session.refresh(spam)
    assert not spam.is_hidden
    assert kept.id != spam.id


def test_a_product_without_visible_reviews_has_no_rating_in_jsonld(client, db, product):
    db.session.commit()
    data = jsonld_of(client.get(f"/products/{product.slug}").get_data(as_text=True))
    assert "aggregateRating" not in data and "review" not in data


def test_the_page_shows_average_count_distribution_and_pages_the_rest(client, db, product):
    for stars in [5] * 8 + [4] * 3 + [2]:
        make_review(product, stars=stars, body=f"{stars} sao")
    db.session.commit()
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "12 đánh giá" in page and "<strong>4.5</strong>" in page
    assert page.count('data-testid="review"') == 5
    assert 'value="67"' in page and 'value="25"' in page  # 8/12 five stars, 3/12 four stars
    assert f"/products/{product.slug}/reviews" in page
    second = client.get(f"/products/{product.slug}/reviews?page=2").get_data(as_text=True)
    assert second.count('data-testid="review"') == 2
    assert client.get(f"/products/{product.slug}/reviews?page=3").status_code == 404
    assert client.get(f"/products/{product.slug}/reviews?page=abc").status_code == 404


def test_my_reviews_lists_delivered_products_awaiting_a_review(client, db, login, product):
    waiting = make_product(name_vi="Miến dong Việt Cường")
    buyer = make_buyer_of(product)
    make_buyer_of(waiting, user=buyer)
    make_buyer_of(
        make_product(name_vi="Mật ong chưa giao"),
        user=buyer,
        order_status=OrderStatus.SHIPPED,
        fulfilment_status=FulfilmentStatus.SHIPPED,
    )
    db.session.commit()
    login(buyer)
    post_review(client, product)
    page = client.get("/account/reviews").get_data(as_text=True)
    todo, done = page.split('id="done-h"')
    assert "Miến dong Việt Cường" in todo and "Chè Tân Cương đặc biệt" not in todo
    assert "Mật ong chưa giao" not in page
    assert "Chè Tân Cương đặc biệt" in done


def test_the_review_pages_speak_english(client, db, login, product):
    buyer = make_buyer_of(product)
    db.session.commit()
    login(buyer)
    page = client.get(f"/products/{product.slug}/review?lang=en").get_data(as_text=True)
    assert "Submit review" in page and "Gửi đánh giá" not in page


def test_a_double_submit_that_races_past_the_check_is_answered_as_already_reviewed(
    client, db, login, product, monkeypatch
):
    buyer = make_buyer_of(product)
    db.session.commit()
    login(buyer)
    assert post_review(client, product, body="lần một").status_code == 302
    from storefront.reviews import services

    # The second request reads "no review yet" (the first had not committed when it checked).
    monkeypatch.setattr(services, "review_by", lambda user, product: None)
    response = post_review(client, product, body="lần hai")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/reviews")
    assert db.session.scalars(select(Review.body)).all() == ["lần một"]

"""A buyer whose order was delivered reviews the product on a phone and sees the review on its page."""

from playwright.sync_api import expect
from sqlalchemy import select

from storefront.reviews.models import Review
from tests.factories import PASSWORD
from tests.factories_reviews import make_buyer_of


def sign_in(page, base_url, user):
    page.goto(f"{base_url}/account/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_a_buyer_reviews_a_delivered_product_and_sees_it_on_the_page(live_server, page, db, two_products):
    tea, _ = two_products
    buyer = make_buyer_of(tea)
    db.session.commit()
    sign_in(page, live_server.url, buyer)

    page.goto(f"{live_server.url}/account")
    page.get_by_role("link", name="Đánh giá của tôi").click()
    expect(page.get_by_role("link", name="Chè tôm nõn")).to_be_visible()
    page.get_by_role("link", name="Viết đánh giá").first.click()
    page.get_by_label("4 sao – Hài lòng").check()
    page.get_by_label("Nhận xét của bạn").fill("Chè thơm cốm, nước xanh. Giao hàng nhanh.")
    page.get_by_role("button", name="Gửi đánh giá").click()

    expect(page.get_by_text("Cảm ơn bạn! Đánh giá đã được đăng.")).to_be_visible()
    review = page.get_by_test_id("review")
    expect(review).to_contain_text("Chè thơm cốm, nước xanh.")
    expect(review.get_by_test_id("verified")).to_have_text("✓ Đã mua hàng")
    expect(page.get_by_test_id("rating-summary")).to_contain_text("1 đánh giá")
    expect(page.get_by_test_id("write-review")).to_have_count(0)
    assert db.session.scalar(select(Review.stars)) == 4

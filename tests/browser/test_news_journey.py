"""The office publishes an article about a tea on a phone; a shopper then finds it on the tea's page."""

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.factories_office import make_office_user
from tests.factories_producer import image_bytes

SHOTS = os.environ.get("SCREENSHOT_DIR")  # set it to keep the phone screenshots this journey takes


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_the_office_publishes_an_article_linked_to_a_product_which_then_shows_on_its_page(
    live_server, page, db, two_products, tmp_path
):
    tea, _noodles = two_products
    clerk = make_office_user()
    db.session.commit()
    cover = tmp_path / "doi-che.jpg"
    cover.write_bytes(image_bytes(size=(1200, 800)))

    page.goto(f"{live_server.url}/account/login")
    page.get_by_label("Email").fill(clerk.email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/office")
    page.get_by_role("link", name="Tin tức", exact=True).click()
    page.get_by_role("link", name="Viết bài mới").click()
    page.get_by_label("Tiêu đề", exact=True).fill("Mùa chè xuân ở Tân Cương")
    page.get_by_label("Tóm tắt (hiện trong danh sách và khi chia sẻ)").fill("Búp chè đầu năm.")
    page.locator("#body").fill("Những **búp chè** đầu xuân.\n\n<script>alert(1)</script>")
    page.get_by_label("Ảnh bìa (JPEG, PNG hoặc WebP, tối đa 5 MB; không bắt buộc)").set_input_files(str(cover))
    page.get_by_label("Ảnh bìa cho thấy gì (tiếng Việt)").fill("Đồi chè buổi sáng")
    page.get_by_label(f"Chè tôm nõn – {tea.producer.name}").check()
    page.get_by_role("button", name="Lưu bản nháp").click()

    expect(page.get_by_test_id("article-state")).to_contain_text("Bản nháp")
    page.get_by_role("button", name="Đăng ngay").click()
    expect(page.get_by_text("Đã đăng bài viết.")).to_be_visible()
    expect(page.get_by_test_id("article-state")).to_contain_text("Đã đăng")
    page.get_by_role("link", name="Xem trên trang").click()

    expect(page.get_by_role("heading", name="Mùa chè xuân ở Tân Cương")).to_be_visible()
    expect(page.locator(".prose strong")).to_have_text("búp chè")
    expect(page.get_by_alt_text("Đồi chè buổi sáng")).to_be_visible()
    # Visible is not loaded: wait until the browser is done with the picture (a broken one is done too, at width 0).
    page.wait_for_function("() => document.querySelector('.article-cover img').complete")
    assert page.evaluate("() => document.querySelector('.article-cover img').naturalWidth") > 0
    shot(page, "article-390")
    page.locator(".article-tags").get_by_role("link", name="Chè tôm nõn", exact=True).click()

    about = page.locator("#articles")
    expect(about.get_by_role("heading", name="Bài viết về sản phẩm này")).to_be_visible()
    about.get_by_role("link", name="Mùa chè xuân ở Tân Cương").click()
    expect(page).to_have_url(f"{live_server.url}/news/mua-che-xuan-o-tan-cuong")

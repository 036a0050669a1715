"""An office clerk records a certificate in the register and sees the OCOP badge appear in the shop."""

from playwright.sync_api import expect
from sqlalchemy import select

from storefront.catalog.models import Certificate
from tests.factories import PASSWORD, days_ago, make_product
from tests.factories_office import make_office_user


def test_an_office_user_records_a_certificate_and_the_badge_appears_on_the_product_page(live_server, desktop_page, db):
    page = desktop_page
    clerk = make_office_user(email="van.phong@ocop.vn")
    product = make_product(name_vi="Chè đinh Tân Cương")
    db.session.commit()

    page.goto(live_server.url + f"/products/{product.slug}")
    expect(page.locator(".ocop-badge")).to_have_count(0)

    page.goto(live_server.url + "/account/login")
    page.get_by_label("Email").fill(clerk.email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Văn phòng OCOP").click()
    page.get_by_role("link", name="Sổ chứng nhận").click()
    page.get_by_role("link", name="Ghi chứng nhận mới").click()

    page.get_by_label("Sản phẩm", exact=True).select_option(label=f"Chè đinh Tân Cương – {product.producer.name}")
    page.get_by_label("Số sao").select_option("4")
    page.get_by_label("Điểm (nếu công bố)").fill("84")
    page.get_by_label("Cấp công nhận").select_option("province")
    page.get_by_label("Số quyết định").fill("1520/QĐ-UBND")
    page.get_by_label("Ngày quyết định").fill(days_ago(3).isoformat())
    page.get_by_role("button", name="Ghi vào sổ").click()

    expect(page.get_by_test_id("certificate-state")).to_have_text("Còn hiệu lực")
    assert db.session.scalar(select(Certificate.decision_number)) == "1520/QĐ-UBND"
    page.get_by_role("link", name="Xem trang sản phẩm").click()
    badge = page.locator(".ocop-badge")
    expect(badge).to_have_attribute("data-stars", "4")
    expect(badge).to_contain_text("1520/QĐ-UBND")


def test_on_a_phone_the_office_moderates_an_experience_without_scrolling_sideways(live_server, page, db):
    """At 390×844 each row of the moderation table is a card (label: value): nothing is wider than the screen."""
    from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on

    clerk = make_office_user(email="van.phong@ocop.vn")
    experience = make_experience(name_vi="Du lịch văn hóa dân tộc Tày bản làng Thái Hải", capacity=20)
    make_booking(session_on(experience, next_saturday()))
    db.session.commit()

    page.goto(live_server.url + "/account/login")
    page.get_by_label("Email").fill(clerk.email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Kiểm duyệt").click()
    row = page.locator(f"#product-{experience.product_id}")
    table = page.locator("table", has=row)
    expect(row.get_by_test_id("experience-tag")).to_be_visible()
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth"), table.evaluate("t => t.scrollWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(row.locator("td[data-label='Trạng thái']")).to_have_text("Đang bán")
    for control in (row.get_by_label("Lý do ẩn"), row.get_by_role("checkbox"), row.get_by_role("button", name="Ẩn")):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    row.get_by_label("Lý do ẩn").fill("Chưa có giấy phép lữ hành")
    row.get_by_role("checkbox").check()
    row.get_by_role("button", name="Ẩn").click()
    expect(row).to_contain_text("Đang ẩn: Chưa có giấy phép lữ hành")


def test_on_a_phone_the_office_menu_is_one_row_and_shows_where_you_are(live_server, page, db):
    """At 390×844 the 13 office sections scroll sideways in one row (they took half the first
    screen as wrapped tabs); the current one is marked and scrolled into view, even the last."""
    clerk = make_office_user(email="van.phong@ocop.vn")
    db.session.commit()
    page.goto(live_server.url + "/account/login")
    page.get_by_label("Email").fill(clerk.email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(live_server.url + "/office/jobs")
    menu = page.get_by_role("navigation", name="Văn phòng OCOP")
    expect(menu.get_by_role("link")).to_have_count(13)
    assert menu.bounding_box()["height"] < 80, menu.bounding_box()
    current = menu.locator("a[aria-current=page]")
    expect(current).to_have_text("Việc lỗi")
    box = current.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    first = menu.get_by_role("link", name="Tổng quan")
    assert first.bounding_box()["x"] < 0  # scrolled out to the left, so the row did scroll
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    heading = page.get_by_role("heading", level=1)
    assert heading.bounding_box()["y"] < 844 / 2

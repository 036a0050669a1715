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

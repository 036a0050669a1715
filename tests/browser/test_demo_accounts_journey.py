"""Every demo account the README lists signs in through the real form and lands on its role's home."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from storefront.accounts.models import Role
from storefront.main.demo import seed_demo
from tests.integration.test_demo_accounts import readme_accounts

HOMES = {Role.SHOPPER: "/account/", Role.PRODUCER: "/producer/", Role.OFFICE: "/office/"}
HEADINGS = {Role.SHOPPER: "Tài khoản", Role.PRODUCER: "HTX Chè Hảo Đạt", Role.OFFICE: "Tổng quan chương trình OCOP"}


@pytest.fixture
def seeded_demo(app, db, tmp_path):
    """The real `seed_demo` on an empty database, committed so the server thread sees it."""
    seed_demo(today=date.today(), image_dir=app.config["UPLOAD_DIR"])
    db.session.commit()


@pytest.mark.parametrize("viewport", ["page", "desktop_page"])
def test_each_readme_account_signs_in_through_the_form_and_lands_on_its_home(live_server, seeded_demo, request,
                                                                              viewport):
    page = request.getfixturevalue(viewport)
    accounts = readme_accounts()
    assert {role for role, _, _ in accounts} == set(HOMES)
    for role, email, password in accounts:
        page.context.clear_cookies()
        page.goto(live_server.url + "/account/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page).to_have_url(live_server.url + HOMES[role])
        expect(page.get_by_text("Đăng nhập thành công.")).to_be_visible()
        expect(page.locator("h1").first).to_contain_text(re.compile(HEADINGS[role]))

"""The skeleton: home, health check, error pages in the user's language, language switch."""

import pytest

from config import DEV_SECRET_KEY, Config
from storefront import create_app
from tests.factories import make_certificate, make_product


def test_home_lists_certified_products_in_vietnamese(client, db):
    product = make_product(name_vi="Chè đinh Tân Cương", price_vnd=450_000)
    make_certificate(product=product, stars=5)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Chè đinh Tân Cương" in page
    assert "450.000\u00a0₫" in page
    assert '<html lang="vi">' in page


def test_healthz_reports_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    ("lang", "text"),
    [("vi", "Không tìm thấy trang"), ("en", "Page not found")],
)
def test_404_page_speaks_the_users_language(client, lang, text):
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_language_choice_sticks_for_the_session(client):
    client.get("/lang/en")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    client.get("/lang/vi")
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_a_404(client):
    assert client.get("/lang/fr").status_code == 404


def test_language_switch_does_not_redirect_off_site(client):
    response = client.get("/lang/en?next=//evil.example/x")
    assert response.headers["Location"] == "/"


def test_form_without_csrf_token_is_refused_with_a_clear_page(client):
    response = client.post("/account/login", data={"email": "a@b.vn", "password": "x"}, csrf=False)
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)


@pytest.mark.parametrize("lang, text", [("vi", "không được chấp nhận"), ("en", "not accepted")])
def test_a_host_outside_trusted_hosts_gets_a_400_page_not_an_error(app, client, lang, text):
    app.config["TRUSTED_HOSTS"] = ["shop.test"]
    assert client.get("/", headers={"Host": "shop.test"}).status_code == 200
    response = client.get(f"/products?lang={lang}", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert text in response.get_data(as_text=True)


def test_production_refuses_the_development_secret_key():
    production = type("Prod", (Config,), {"APP_ENV": "production", "SECRET_KEY": DEV_SECRET_KEY})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(production)


def test_a_misspelt_scan_write_mode_is_refused_at_start():
    misspelt = type("Misspelt", (Config,), {"SCAN_WRITE_MODE": "bufferred"})
    with pytest.raises(RuntimeError, match="SCAN_WRITE_MODE"):
        create_app(misspelt)


def test_a_scan_region_header_without_a_trusted_proxy_is_refused_at_start():
    """Any client could send the header itself: two requests naming two regions would brand a genuine stamp copied."""
    unproxied = type("Unproxied", (Config,), {"SCAN_REGION_HEADER": "X-Region", "TRUSTED_PROXIES": 0})
    with pytest.raises(RuntimeError, match="SCAN_REGION_HEADER"):
        create_app(unproxied)
    proxied = type("Proxied", (Config,), {"SCAN_REGION_HEADER": "X-Region", "TRUSTED_PROXIES": 1})
    assert create_app(proxied).config["SCAN_REGION_HEADER"] == "X-Region"


@pytest.mark.parametrize("name", ["terms", "privacy", "returns", "shipping", "payment", "about"])
def test_policy_pages_and_seller_identity_are_shown(client, name):
    page = client.get(f"/pages/{name}").get_data(as_text=True)
    assert "Thông tin người bán" in page
    assert "Giấy chứng nhận đăng ký kinh doanh" in page

"""The footer of every page is rendered once per app, language and mount point (filters.site_footer)."""

import pytest
from flask import render_template, render_template_string
from flask_babel import force_locale

from config import TestConfig
from storefront import create_app


@pytest.mark.parametrize(("lang", "shown"), [("vi", "Thông tin người bán"), ("en", "Seller information")])
def test_pages_carry_the_footer_of_their_language_as_the_template_renders_it(app, client, db, lang, shown):
    page = client.get(f"/orders/lookup?lang={lang}").get_data(as_text=True)
    with app.test_request_context(f"/?lang={lang}"):
        footer = render_template("_footer.html")
    assert shown in footer and footer in page
    assert page.count('class="site-footer"') == 1


def test_the_footer_follows_the_language_within_a_request(app):
    with app.test_request_context("/?lang=en"):
        assert "Seller information" in render_template_string("{{ site_footer() }}")
        with force_locale("vi"):
            assert "Thông tin người bán" in render_template_string("{{ site_footer() }}")
        assert "Seller information" in render_template_string("{{ site_footer() }}")


def test_each_app_and_mount_point_has_its_own_footer(app):
    other = create_app(type("OtherShop", (TestConfig,), {"SHOP_PHONE": "0208 3999 999"}))
    with other.test_request_context("/", base_url="http://shop.example/ocop"):
        mounted = render_template_string("{{ site_footer() }}")
    with app.test_request_context("/"):
        assert "0208 3999 999" not in render_template_string("{{ site_footer() }}")
    assert "0208 3999 999" in mounted and 'href="/ocop/pages/terms"' in mounted

"""Template text is looked up once per request and locale (storefront/filters.py page_translations),
and still follows the page's language: per request, under force_locale, after flask_babel.refresh()."""

from flask import session
from flask_babel import force_locale, refresh

from tests.factories import make_product


def test_each_request_speaks_its_own_language(client, db):
    product = make_product()
    db.session.commit()
    for lang, shown, hidden in [("en", "Cart", "Giỏ hàng"), ("vi", "Giỏ hàng", ">Cart<"), ("en", "Cart", "Giỏ hàng")]:
        page = client.get(f"/products/{product.slug}?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in page and shown in page and hidden not in page


TEMPLATE = (
    "{{ _('Giỏ hàng') }}|{{ ngettext('%(num)d sản phẩm', '%(num)d sản phẩm', 2) }}|"
    "{{ ngettext('%(num)d sản phẩm', '%(num)d sản phẩm', 1) }}"
)


def test_force_locale_switches_template_text_within_a_request_and_back(app):
    template = app.jinja_env.from_string(TEMPLATE)
    with app.test_request_context("/?lang=en"):
        assert template.render() == "Cart|2 products|1 product"
        with force_locale("vi"):  # a mail in the order's language, rendered during an English page
            assert template.render() == "Giỏ hàng|2 sản phẩm|1 sản phẩm"
        assert template.render() == "Cart|2 products|1 product"


def test_a_language_chosen_during_a_request_applies_after_refresh(app):
    template = app.jinja_env.from_string(TEMPLATE)
    with app.test_request_context("/"):
        assert template.render() == "Giỏ hàng|2 sản phẩm|1 sản phẩm"
        session["lang"] = "en"
        refresh()
        assert template.render() == "Cart|2 products|1 product"

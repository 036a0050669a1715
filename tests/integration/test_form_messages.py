"""WTForms', Flask-WTF's and email-validator's messages in the page's language, through the real forms."""

import html
import inspect

import pytest
from flask import g
from flask_wtf import FlaskForm

from storefront.forms import BaseForm
from tests.factories import make_product, make_user
from tests.factories_checkout import CONTACT, add_to_cart
from tests.languages import english_in, vietnamese_in

REQUIRED = {"vi": "Vui lòng điền trường này.", "en": "This field is required."}
BAD_EMAIL = {"vi": "Địa chỉ email không hợp lệ.", "en": "Invalid email address."}
TOO_LONG_120 = {"vi": "Trường này không được dài quá 120 ký tự.", "en": "Field cannot be longer than 120 characters."}
FIX_BELOW = {"vi": "Vui lòng sửa các lỗi bên dưới.", "en": "Please correct the errors below."}
OTHER = {"vi": "en", "en": "vi"}


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def in_language(client, lang):
    client.get(f"/?lang={lang}")


def assert_one_language(text, lang):
    """No UI word of the other language on the page (the detector of the English walk)."""
    findings = vietnamese_in(text) if lang == "en" else english_in(text)
    assert findings == [], [str(f) for f in findings]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_login_with_nothing_filled_says_required_in_the_page_language(client, db, lang):
    in_language(client, lang)
    text = page(client.post("/account/login", data={"email": "", "password": ""}))
    assert text.count(REQUIRED[lang]) == 2
    assert REQUIRED[OTHER[lang]] not in text
    assert FIX_BELOW[lang] in text and FIX_BELOW[OTHER[lang]] not in text
    assert_one_language(text, lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("email", ["khach@", "khach@ocop", "khách hàng@example.vn", "a@b@example.vn"])
def test_login_with_a_malformed_email_says_so_in_the_page_language(client, db, lang, email):
    in_language(client, lang)
    text = page(client.post("/account/login", data={"email": email, "password": "demo1234"}))
    assert BAD_EMAIL[lang] in text
    assert BAD_EMAIL[OTHER[lang]] not in text
    assert_one_language(text, lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_register_shows_the_library_length_message_in_the_page_language(client, db, lang):
    in_language(client, lang)
    text = page(
        client.post(
            "/account/register",
            data={
                "full_name": "N" * 121,
                "email": "hoa@example.vn",
                "password": "mot-mat-khau-dai",
                "confirm": "mot-mat-khau-dai",
                "accept_privacy": "y",
            },
        )
    )
    assert TOO_LONG_120[lang] in text
    assert TOO_LONG_120[OTHER[lang]] not in text
    assert_one_language(text, lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_register_with_empty_fields_and_a_bad_email(client, db, lang):
    in_language(client, lang)
    text = page(client.post("/account/register", data={"full_name": "", "email": "hoa.example.vn"}))
    assert REQUIRED[lang] in text and BAD_EMAIL[lang] in text
    assert REQUIRED[OTHER[lang]] not in text and BAD_EMAIL[OTHER[lang]] not in text
    assert_one_language(text, lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_checkout_contact_step_speaks_the_page_language(client, db, lang):
    product = make_product(on_hand=5)
    db.session.commit()
    in_language(client, lang)
    add_to_cart(client, product, 1)
    response = client.post("/checkout", data={**CONTACT, "contact_name": "", "street": "", "email": "hoa@"})
    assert response.status_code == 200
    text = page(response)
    assert text.count(REQUIRED[lang]) == 2
    assert BAD_EMAIL[lang] in text
    assert REQUIRED[OTHER[lang]] not in text and BAD_EMAIL[OTHER[lang]] not in text
    assert_one_language(text, lang)


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("vi", "Phiên làm việc đã hết hạn. Hãy tải lại trang và gửi lại biểu mẫu."),
        ("en", "Your session has expired. Please reload the page and submit the form again."),
    ],
)
def test_a_form_posted_without_its_csrf_token_gets_a_400_page_in_the_page_language(client, db, lang, message):
    make_user(email="hoa@example.vn")
    db.session.commit()
    in_language(client, lang)
    response = client.post("/account/login", data={"email": "hoa@example.vn", "password": "x"}, csrf=False)
    assert response.status_code == 400
    text = page(response)
    assert message in text
    assert "CSRF" not in text
    assert_one_language(text, lang)


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("vi", "Biểu mẫu thiếu mã bảo mật. Hãy tải lại trang và gửi lại."),
        ("en", "The CSRF token is missing."),
    ],
)
def test_a_forms_own_csrf_check_speaks_the_page_language(app, lang, message):
    """Flask-WTF's form-level check (used where CSRFProtect has not already passed the request)."""
    from storefront.accounts.forms import LoginForm

    with app.test_request_context(
        f"/account/login?lang={lang}", method="POST", data={"email": "hoa@example.vn", "password": "x"}
    ):
        g.pop("csrf_valid", None)
        form = LoginForm()
        assert not form.validate()
        assert form.csrf_token.errors == [message]


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_form_of_the_site_gets_translated_messages(app):
    """A form built on FlaskForm directly would show WTForms' English on Vietnamese pages."""
    forms = [c for c in all_subclasses(FlaskForm) if c.__module__.split(".")[0] in {"storefront", "traceability"}]
    assert len(forms) > 20
    direct = [
        f"{c.__module__}.{c.__qualname__}" for c in forms if c is not BaseForm and BaseForm not in inspect.getmro(c)
    ]
    assert direct == [], "derive from storefront.forms.BaseForm"

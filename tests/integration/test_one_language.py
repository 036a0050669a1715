"""One language per page: walk the main pages of a seeded demo shop in English, then in Vietnamese.

The demo database comes from the real seed (`seed_demo`, what `flask seed-demo` runs). What
producers, shoppers and the office entered (names, addresses, descriptions: every text column
of the database) and official place names are data, not UI, and are set aside; so is anything
inside an element marked with the other language's `lang`. Whatever is left must be in the
page's language (tests/languages.py says how each language is recognised).
"""

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.accounts.services import start_login_session
from storefront.articles.models import Article, ArticleStatus
from storefront.catalog.models import Certificate, Producer, Product
from storefront.checkout.models import Fulfilment, Order
from storefront.clock import today_vn
from storefront.demo.seed import OWNED_PRODUCER, seed_demo
from storefront.events.models import Event
from storefront.experiences.models import Experience
from storefront.outbox.models import OutboxMessage
from storefront.outlets.models import Outlet
from tests.factories_checkout import CONTACT
from tests.factories_office import make_evaluation
from tests.languages import data_strings, english_in, text_pieces, vietnamese_in
from traceability.models import Batch
from traceability.stamps.urls import origin_path


@pytest.fixture
def app_config():
    # The walk ends by tripping the login limit to see the 429 page.
    return {"RATELIMIT_LOGIN": "6 per minute"}


@pytest.fixture
def demo(app, db):
    seed_demo(today=today_vn(), image_dir=Path(app.config["UPLOAD_DIR"]))
    db.session.commit()


def sign_in(client, db, role):
    """Put the demo account of *role* in the session (the login form has its own tests)."""
    user = db.session.scalar(select(User).where(User.role == role).order_by(User.id))
    start_login_session(user, max_age=client.application.config["REMEMBER_COOKIE_DURATION"])
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return user


class Walk:
    """Visit pages in one language and collect text in the other."""

    def __init__(self, client, lang, data):
        self.client, self.lang, self.data = client, lang, data
        self.findings: dict[str, list[str]] = {}
        self.visited: list[str] = []
        client.get(f"/?lang={lang}")

    def check(self, label, response, status=200):
        assert response.status_code == status, (label, response.status_code, response.headers.get("Location"))
        if response.status_code in (301, 302, 303):
            return self.get(response.headers["Location"])
        page = response.get_data(as_text=True)
        assert f'<html lang="{self.lang}"' in page, label
        found = self.find(page)
        if found:
            self.findings[label] = [str(f) for f in found]
        self.visited.append(label)
        return page

    def find(self, page):
        corpus = self.corpus()
        if self.lang == "en":
            found = vietnamese_in(page, data=self.data)
        else:
            found = english_in(page, data=self.data)
        # A piece of data cut short ("…") is still data.
        return [f for f in found if f.text.rstrip(".…").strip() not in corpus]

    def corpus(self):
        if not hasattr(self, "_corpus"):
            self._corpus = "\n".join(" ".join(v.replace("_", " ").replace("*", " ").split()) for v in self.data)
        return self._corpus

    def get(self, url, status=200):
        return self.check(url, self.client.get(url), status)

    def post(self, url, data, status=200, label=None, **kwargs):
        return self.check(label or f"POST {url}", self.client.post(url, data=data, **kwargs), status)

    def follow(self, response):
        assert response.status_code in (302, 303), response.status_code
        return response.headers["Location"]


def walk_everything(app, db, lang):
    evaluation = make_evaluation(product=db.session.scalar(select(Product).order_by(Product.id)))
    db.session.commit()
    data = data_strings(db)
    producer = db.session.scalar(select(Producer).where(Producer.name == OWNED_PRODUCER))
    product = db.session.scalar(
        select(Product).where(Product.producer_id == producer.id, Product.is_published.is_(True)).order_by(Product.id)
    )
    batch = db.session.scalar(
        select(Batch).where(Batch.product_id == product.id, Batch.is_published.is_(True)).order_by(Batch.id)
    )
    certificate = db.session.scalar(select(Certificate).order_by(Certificate.id))
    article = db.session.scalar(select(Article).where(Article.status == ArticleStatus.PUBLISHED).order_by(Article.id))
    event = db.session.scalar(select(Event).order_by(Event.id))
    outlet = db.session.scalar(select(Outlet).order_by(Outlet.id))
    visit = db.session.scalar(select(Product).join(Experience, Experience.product_id == Product.id))

    # A shopper: catalogue, search, a product, its producer, cart, every checkout step, the order.
    shop = Walk(app.test_client(), lang, data)
    for url in (
        "/",
        "/products",
        "/products?q=che+tan+cuong",
        "/products?q=khongcosanphamnao",
        "/products?group=1&stars=4",
        f"/products/{product.slug}",
        f"/producers/{producer.slug}",
        "/cart",
        "/pages/terms",
        "/pages/privacy",
        "/pages/returns",
        "/pages/shipping",
        "/pages/payment",
        "/pages/about",
        "/account/login",
        "/account/register",
        "/account/reset",
        "/orders/lookup",
        "/news",
        f"/news/{article.slug}",
        "/events",
        f"/events/{event.slug}",
        "/points-of-sale",
        f"/points-of-sale/{outlet.slug}",
        f"/products/{visit.slug}",
    ):
        shop.get(url)
    shop.post("/account/login", {"email": "khach@", "password": ""}, label="login with errors")
    shop.post("/account/register", {"email": "x", "password": "a", "confirm": "b"}, label="register with errors")
    shop.post("/orders/lookup", {"code": "XX", "phone": "123"}, label="order look-up with errors")
    assert shop.client.post("/cart/add", data={"product_id": product.id, "quantity": 2}).status_code == 302
    shop.get("/cart")
    shop.get("/checkout")
    shop.post("/checkout", {**CONTACT, "contact_name": "", "email": "hoa@"}, label="checkout contact with errors")
    assert shop.client.post("/checkout", data={**CONTACT, "email": "hoa@example.vn"}).status_code == 302
    shop.get("/checkout/options")
    assert (
        shop.client.post(
            "/checkout/options", data={"delivery_method": "standard", "payment_method": "bank_transfer"}
        ).status_code
        == 302
    )
    review = shop.get("/checkout/review")
    hidden = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', review).group(1)
        for name in ("idempotency_key", "reviewed_total_vnd")
    }
    placed = shop.client.post("/checkout/place", data=hidden)
    order_url = shop.follow(placed)
    shop.get(order_url)
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    # The confirmation mail, written while the shopper checked out, is in the shopper's language.
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "hoa@example.vn")).all()
    assert mails and order.code in mails[0].subject
    for mail in mails:
        page = f'<html lang="{lang}"><title>{html.escape(mail.subject)}</title><pre>{html.escape(mail.body_text)}</pre>'
        found = shop.find(page)
        if found:
            shop.findings[f"mail {mail.subject}"] = [str(f) for f in found]
    shop.post("/orders/lookup", {"code": order.code, "phone": CONTACT["phone"]}, status=302, label="order look-up")

    # Scanning a stamp: the origin page and the counterfeit report form.
    shop.get(origin_path(batch))
    shop.get("/trace/report")

    # Error pages.
    shop.get("/khong-co-trang-nay", status=404)
    shop.get("/products/khong-co-san-pham", status=404)
    shop.post(
        "/cart/add", {"product_id": product.id, "quantity": 1}, status=400, label="400 (no CSRF token)", csrf=False
    )

    # A signed-in shopper: account, orders, and a 403 at the office.
    data = data_strings(db)  # now with the order's name and address
    shopper = Walk(app.test_client(), lang, data)
    sign_in(shopper.client, db, Role.SHOPPER)
    for url in ("/account/", "/orders"):
        shopper.get(url)
    shopper.get("/office/", status=403)
    shopper.get("/producer/", status=403)

    # The producer's dashboard.
    maker = Walk(app.test_client(), lang, data)
    sign_in(maker.client, db, Role.PRODUCER)
    fulfilment = db.session.scalar(select(Fulfilment).where(Fulfilment.producer_id == producer.id))
    for url in (
        "/producer/",
        "/producer/profile",
        "/producer/products",
        "/producer/products/new",
        f"/producer/products/{product.id}/edit",
        "/producer/products/import",
        "/producer/batches",
        f"/producer/products/{product.id}/batches/new",
        f"/producer/batches/{batch.id}",
        "/producer/orders",
        f"/producer/orders/{fulfilment.id}",
        "/producer/analytics",
        "/producer/stories",
        "/producer/stories/new",
        "/producer/outlets",
        "/producer/experiences",
    ):
        maker.get(url)
    maker.post("/producer/products/new", {"name_vi": ""}, label="new product with errors")

    # The OCOP office.
    office = Walk(app.test_client(), lang, data)
    sign_in(office.client, db, Role.OFFICE)
    for url in (
        "/office/",
        "/office/producers",
        f"/office/producers/{producer.id}",
        "/office/products",
        "/office/certificates",
        f"/office/certificates/{certificate.id}",
        "/office/certificates/new",
        "/office/certificates/import",
        "/office/evaluations",
        "/office/evaluations/new",
        f"/office/evaluations/{evaluation.id}",
        "/office/orders",
        f"/office/orders/{order.id}",
        "/office/reports",
        "/office/audit",
        "/office/articles",
        "/office/articles/new",
        f"/office/articles/{article.id}/edit",
        "/office/events",
        "/office/events/new",
        f"/office/events/{event.id}/edit",
        "/office/outlets",
    ):
        office.get(url)

    # Too many sign-in attempts: the 429 page.
    limited = Walk(app.test_client(), lang, data)
    for _ in range(6):
        limited.client.post("/account/login", data={"email": "khach@example.vn", "password": "sai"})
    limited.post("/account/login", {"email": "khach@example.vn", "password": "sai"}, status=429, label="429")

    walks = (shop, shopper, maker, office, limited)
    return (
        {label: found for w in walks for label, found in w.findings.items()},
        [label for w in walks for label in w.visited],
    )


def report(findings) -> str:
    return "\n".join(f"{label}:\n    " + "\n    ".join(found) for label, found in findings.items())


def test_english_pages_show_no_vietnamese_ui_text(app, db, demo):
    findings, visited = walk_everything(app, db, "en")
    assert len(visited) >= 60
    assert findings == {}, report(findings)


def test_vietnamese_pages_show_no_english_ui_text(app, db, demo):
    findings, visited = walk_everything(app, db, "vi")
    assert len(visited) >= 60
    assert findings == {}, report(findings)


def test_a_product_without_an_english_name_shows_its_vietnamese_name_marked_as_vietnamese(app, db, demo, client):
    product = db.session.scalar(select(Product).where(Product.is_published.is_(True)).order_by(Product.id))
    product.name_en = ""  # the producer entered no English name
    db.session.commit()
    client.get("/?lang=en")
    for url in (f"/products/{product.slug}", "/products"):
        pieces = text_pieces(html.unescape(client.get(url).get_data(as_text=True)), "en")
        marked = [
            lang for text, lang, where in pieces if where in ("text", "title") and text.strip() == product.name_vi
        ]
        assert marked and set(marked) == {"vi"}, (url, marked)


def test_the_detector_finds_what_the_walk_must_catch():
    """The walk can fail: the strings the issue reported are caught, proper names are not."""
    page = (
        '<html lang="en"><title>Thái Nguyên OCOP products</title><p>Vui lòng sửa các lỗi bên dưới.</p>'
        '<p>Lô 12 · Tân Cương tea</p><p lang="vi">Chè tôm nõn</p><input placeholder="Tìm">'
        "<p>Xã Tân Cương, Tỉnh Thái Nguyên</p></html>"
    )
    assert [f.text for f in vietnamese_in(page)] == ["Vui lòng sửa các lỗi bên dưới.", "Lô 12 · Tân Cương tea", "Tìm"]
    page = '<html lang="vi"><p>This field is required.</p><p>Email hoặc mật khẩu</p><a lang="en">English</a></html>'
    assert [f.text for f in english_in(page)] == ["This field is required."]


@pytest.mark.parametrize(
    ("lang", "subjects"),
    [
        ("en", ("Order confirmation", "has been cancelled")),
        ("vi", ("Xác nhận đơn hàng", "đã bị huỷ")),
    ],
)
def test_every_mail_about_an_order_is_in_the_language_it_was_placed_in(client, db, lang, subjects):
    """The confirmation is written during checkout; a later cancellation by the office is not."""
    from storefront.checkout.cancelling import cancel_order
    from tests.factories import make_product
    from tests.factories_checkout import fill_checkout, place

    product = make_product(on_hand=5)
    db.session.commit()
    client.get(f"/?lang={lang}")
    client.post("/cart/add", data={"product_id": str(product.id), "quantity": "1"})
    assert place(client, fill_checkout(client, email="hoa@example.vn")).status_code == 302
    order = db.session.scalar(select(Order))
    assert order.language == lang
    cancel_order(order, reason="Hết hàng")  # outside any request, as the office or a timer would
    db.session.commit()
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [subject in mail.subject for subject, mail in zip(subjects, mails)] == [True, True]
    for mail in mails:
        page = f'<html lang="{lang}"><title>{html.escape(mail.subject)}</title><pre>{html.escape(mail.body_text)}</pre>'
        data = [order.contact_name, order.street, product.name_vi, product.producer.name, "Hết hàng"]
        found = vietnamese_in(page, data=data) if lang == "en" else english_in(page, data=data)
        assert found == [], [str(f) for f in found]


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"),
    [
        (
            "en",
            [
                "Decision 148/QĐ-TTg (24/02/2023)",
                "A. Product and community strength (0–40)",
                "C. Product quality (0–35)",
            ],
            ["Sản phẩm và sức mạnh cộng đồng", "Quyết định 148"],
        ),
        (
            "vi",
            ["Quyết định 148/QĐ-TTg (24/02/2023)", "A. Sản phẩm và sức mạnh cộng đồng (0–40)"],
            ["Product and community strength", "Decision 148"],
        ),
    ],
)
def test_the_scoresheet_names_its_criteria_in_the_page_language(client, db, login, lang, shown, hidden):
    """The seeded criteria (Decision 148/QĐ-TTg) are office labels; a name the office typed stays as typed."""
    from tests.factories_office import make_office_user

    chair = make_office_user()
    evaluation = make_evaluation(chair=chair)
    evaluation.criteria_set.parts[1].name = "Tiêu chí do văn phòng tự đặt"
    db.session.commit()
    login(chair)
    client.get(f"/?lang={lang}")
    page = html.unescape(client.get(f"/office/evaluations/{evaluation.id}").get_data(as_text=True))
    assert all(text in page for text in shown), [text for text in shown if text not in page]
    assert not any(text in page for text in hidden)
    assert "B. Tiêu chí do văn phòng tự đặt (0–25)" in page


def test_an_english_product_page_describes_itself_in_english_to_search_engines_and_shares(client, db):
    from tests.factories import make_product

    product = make_product(
        name_vi="Chè tôm nõn",
        name_en="First-bud green tea",
        description_vi="Chè xanh Tân Cương.",
        description_en="Green tea from Tân Cương.",
    )
    db.session.commit()
    client.get("/?lang=en")
    page = html.unescape(client.get(f"/products/{product.slug}").get_data(as_text=True))
    assert '<meta name="description" content="Green tea from Tân Cương.">' in page
    assert '<meta property="og:title" content="First-bud green tea">' in page
    assert '<meta property="og:description" content="Green tea from Tân Cương.">' in page
    assert [str(f) for f in vietnamese_in(page, data=[product.producer.name])] == []

"""Security headers (storefront/security_headers.py) on every GET route, for every role, and on the scan fast path."""

import base64
import hashlib
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from storefront import security_headers
from storefront.accounts.models import Role
from storefront.accounts.services import make_reset_token
from storefront.articles.services import ArticleInput, approve, create_article
from storefront.catalog.videos import add_video
from storefront.events.services import EventInput, create_event
from storefront.experiences.tokens import voucher_path
from storefront.outlets.services import OutletInput, create_outlet
from storefront.outlets.views import LIST_PERMISSIONS
from tests.factories import make_user
from tests.factories_catalog import add_image
from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on
from tests.factories_office import make_evaluation, make_office_user
from tests.factories_producer import make_order, make_producer_account
from tests.factories_reviews import make_review
from tests.factories_traceability import make_traced_batch, make_traced_product
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path, stamp_url

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": security_headers.PERMISSIONS_POLICY,
}
ROLES = ["anonymous", Role.SHOPPER, Role.PRODUCER, Role.OFFICE]


@pytest.fixture
def seeded(app, db):
    """One of everything a GET route's URL can name, owned by the signed-in roles below."""
    with app.test_request_context():
        shopper = make_user()
        producer_user, producer = make_producer_account()
        office_user = make_office_user()
        product = make_traced_product(producer=producer)
        image = add_image(product, Path(app.config["UPLOAD_DIR"]), filename=f"{product.slug}-1.jpg")
        batch = make_traced_batch(product=product)
        issue, _ = issue_stamps(batch, count=1, actor=None)
        stamp = issue_stamps_list(issue)[0]
        order = make_order(lines=[(product, 1)], user=shopper)
        evaluation = make_evaluation(product=product, chair=office_user)
        stamp_path = urlsplit(stamp_url(stamp)).path
        make_review(product, user=shopper)  # so the review pages have something to show
        outlet = create_outlet(OutletInput(name="Phòng trưng bày", kind="showroom", ward_code=5503), producer=producer)
        clip = add_video(product, url="https://youtu.be/dQw4w9WgXcQ")
        fair = create_event(
            EventInput(name="Hội chợ", level="province", starts_on=date(2026, 3, 1), ends_on=None, ward_code=5503)
        )
        story = create_article(
            ArticleInput(title="Câu chuyện của cơ sở", body="…", product_ids=(product.id,)),
            actor=producer_user,
            producer=producer,
        )
        approve(story, actor=office_user)
        tour = make_experience(producer=producer)
        booking = make_booking(session_on(tour, next_saturday()))
        voucher = voucher_path(booking.code)
        users = {Role.SHOPPER: shopper, Role.PRODUCER: producer_user, Role.OFFICE: office_user}
        urls = {
            "/01/<path:rest>": stamp_path,
            "/origin/01/<path:rest>": origin_path(batch, stamp),
            "/gtin/<path:rest>": "/gtin/" + product.gtin,
            "/account/reset/<token>": "/account/reset/" + make_reset_token(shopper, app.config["SECRET_KEY"]),
            "/api/v1/batches/<int:batch_id>/epcis": f"/api/v1/batches/{batch.id}/epcis",
            "/api/v1/epcis/locations/<path:code>": f"/api/v1/epcis/locations/{batch.growing_area_code}",
            "/trace/preview/<int:batch_id>": f"/trace/preview/{batch.id}",
            "/lang/<code>": "/lang/en",
            "/media/<path:filename>": f"/media/{image.filename}?size=thumb&fmt=jpg",
            "/office/certificates/<int:certificate_id>": f"/office/certificates/{product.certificates[0].id}",
            "/office/certificates/<int:certificate_id>/document": f"/office/certificates/{product.certificates[0].id}/document",
            "/office/evaluations/<int:evaluation_id>": f"/office/evaluations/{evaluation.id}",
            "/office/orders/<int:order_id>": f"/office/orders/{order.id}",
            "/office/producers/<int:producer_id>": f"/office/producers/{producer.id}",
            "/orders/<code>": f"/orders/{order.code}",
            "/orders/<code>/paid": f"/orders/{order.code}/paid",
            "/orders/<code>/vietqr.png": f"/orders/{order.code}/vietqr.png",
            "/pages/<name>": "/pages/terms",
            "/payments/<provider>/webhook": "/payments/vnpay/webhook",  # VNPay's IPN is a GET
            "/producer/analytics/<name>.csv": "/producer/analytics/sales.csv",
            "/producer/batches/<int:batch_id>": f"/producer/batches/{batch.id}",
            "/producer/orders/<int:fulfilment_id>": f"/producer/orders/{order.fulfilments[0].id}",
            "/producer/products/<int:product_id>/batches/new": f"/producer/products/{product.id}/batches/new",
            "/producer/products/<int:product_id>/edit": f"/producer/products/{product.id}/edit",
            "/producer/stamp-issues/<int:issue_id>/codes.zip": f"/producer/stamp-issues/{issue.id}/codes.zip",
            "/producer/stamp-issues/<int:issue_id>/sheet.pdf": f"/producer/stamp-issues/{issue.id}/sheet.pdf",
            "/producers/<slug>": f"/producers/{producer.slug}",
            "/products/<slug>": f"/products/{product.slug}",
            "/products/<slug>/review": f"/products/{product.slug}/review",
            "/api/v1/products/<slug>/listings": f"/api/v1/products/{product.slug}/listings",
            "/products/<slug>/reviews": f"/products/{product.slug}/reviews",
            "/points-of-sale/<slug>": f"/points-of-sale/{outlet.slug}",
            "/news/<slug>": f"/news/{story.slug}",
            "/office/articles/<int:article_id>/edit": f"/office/articles/{story.id}/edit",
            "/producer/stories/<int:article_id>/edit": f"/producer/stories/{story.id}/edit",
            "/office/outlets/<int:outlet_id>/edit": f"/office/outlets/{outlet.id}/edit",
            "/producer/outlets/<int:outlet_id>/edit": f"/producer/outlets/{outlet.id}/edit",
            "/products/<slug>/videos/<int:video_id>": f"/products/{product.slug}/videos/{clip.id}",
            "/events/<slug>": f"/events/{fair.slug}",
            "/events/<slug>.ics": f"/events/{fair.slug}.ics",
            "/office/events/<int:event_id>/edit": f"/office/events/{fair.id}/edit",
            "/experiences/sessions/<int:session_id>/book": f"/experiences/sessions/{booking.session_id}/book",
            "/bookings/<code>/<token>": voucher,
            "/bookings/<code>/<token>/qr.png": voucher + "/qr.png",
            "/bookings/<code>/<token>/booking.ics": voucher + "/booking.ics",
            "/producer/tourism/<int:tourism_product_id>/experience": f"/producer/tourism/{tour.product_id}/experience",
            "/producer/experiences/<int:experience_id>/sessions": f"/producer/experiences/{tour.id}/sessions",
            "/producer/sessions/<int:session_id>": f"/producer/sessions/{booking.session_id}",
            "/static/<path:filename>": "/static/css/site.css",
            "/t/<code>": f"/t/{batch.short_code}",
            "/t/<code>/<serial>": f"/t/{batch.short_code}/{stamp.serial}",
        }
    db.session.commit()
    return users, urls, urls["/origin/01/<path:rest>"]  # the origin page


def get_urls(app, urls):
    """Return the URL of every GET rule in app.url_map, its arguments filled from `urls`."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        if rule.arguments:
            assert rule.rule in urls, f"give {rule.rule} a seeded URL in this test"
            found.append(urls[rule.rule])
        else:
            found.append(rule.rule)
    return sorted(set(found))


#: Pages that differ on purpose: the points-of-sale list may ask for the visitor's position ("near me").
#: A video's player page is framed by our product page (static/js/video.js), and frames YouTube itself.
#: The host's check-in page may use the camera, to scan a booking voucher's QR code.
EXCEPTIONS = {
    "/points-of-sale": {"Permissions-Policy": LIST_PERMISSIONS},
    "/producer/check-in": {
        "Permissions-Policy": security_headers.PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")
    },
}
PLAYER = re.compile(r"^/products/[^/]+/videos/\d+$")


def player_policy(app) -> str:
    return security_headers.frame_policy(app, ["https://www.youtube-nocookie.com"])


def assert_security_headers(response, url):
    exceptions = {"X-Frame-Options": "SAMEORIGIN"} if PLAYER.match(url) else EXCEPTIONS.get(url, {})
    if url == "/producer/check-in" and response.status_code != 200:
        exceptions = {}  # refused before the page (sign-in redirect, 403): the site's policy
    for name, value in {**EXPECTED, **exceptions}.items():
        assert response.headers.get(name) == value, (url, response.status_code, name)
    assert response.headers.getlist("Content-Security-Policy") != [], url
    assert "Strict-Transport-Security" not in response.headers, url  # plain HTTP, development


@pytest.mark.parametrize("role", ROLES, ids=lambda r: getattr(r, "value", r))
def test_every_get_route_sends_the_security_headers_to_every_role(app, client, db, login, seeded, role):
    users, urls, _ = seeded
    if role != "anonymous":
        login(users[role])
    policy = security_headers.content_security_policy(security_headers.inline_style_hashes(app))
    html_pages = 0
    for url in get_urls(app, urls):
        with client.get(url) as response:
            response.get_data()
        assert response.status_code < 500, (url, response.status_code)
        assert_security_headers(response, url)
        csp = response.headers.getlist("Content-Security-Policy")
        if url.endswith("/document"):
            continue  # a download has its own sandbox policy: tests/integration/test_office_documents.py
        assert csp == [player_policy(app) if PLAYER.match(url) else policy], url
        if response.mimetype == "text/html" and response.status_code == 200:
            html_pages += 1
            assert "unsafe-inline" not in csp[0]
    # The sweep reaches real pages, not only redirects to the login form and 404s.
    assert html_pages >= {"anonymous": 17, Role.SHOPPER: 20, Role.PRODUCER: 30, Role.OFFICE: 34}[role]


def test_the_policy_forbids_framing_inline_code_and_plugins(app):
    policy = security_headers.content_security_policy(security_headers.inline_style_hashes(app))
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy and "nonce" not in policy


def test_the_origin_pages_inline_style_is_allowed_by_its_hash(app, client, db, seeded):
    _, _, stamp_path = seeded
    response = client.get(stamp_path)
    html = response.get_data(as_text=True)
    blocks = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(blocks) == 1
    digest = base64.b64encode(hashlib.sha256(blocks[0].encode()).digest()).decode()
    style_src = next(d for d in response.headers["Content-Security-Policy"].split("; ") if d.startswith("style-src"))
    assert f"'sha256-{digest}'" in style_src.split()


def test_no_template_has_inline_scripts_styles_or_event_handlers():
    templates = Path(__file__).resolve().parents[2] / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)|\sstyle\s*=|\son[a-z]+\s*=", re.I)
    offenders = []
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(templates)}: {m.group(0)}" for m in inline.finditer(text)]
    styles = sorted(str(p.relative_to(templates)) for p in templates.rglob("*.html") if "<style" in p.read_text())
    assert offenders == []
    assert styles == list(security_headers.INLINE_STYLE_TEMPLATES)  # the one hashed block


def test_hsts_only_in_production_over_https(app, client, db):
    app.config.update(APP_ENV="production", SECURITY_HSTS_SECONDS=600)
    assert client.get("/healthz", base_url="https://localhost").headers["Strict-Transport-Security"] == "max-age=600"
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


@pytest.mark.parametrize(
    "settings", [{"APP_ENV": "development"}, {"APP_ENV": "production", "SECURITY_HSTS_SECONDS": 0}]
)
def test_no_hsts_in_development_or_when_turned_off(app, client, db, settings):
    app.config.update(settings)
    assert "Strict-Transport-Security" not in client.get("/healthz", base_url="https://localhost").headers


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_a_fast_path_scan_sends_the_same_security_headers_as_flask(app, client, db, seeded, https):
    _, _, stamp_path = seeded
    app.config.update(APP_ENV="production", SCAN_WRITE_MODE="buffered")
    fast_path = app.extensions["scan_fast_path"]
    base_url = "https://localhost" if https else "http://localhost"
    answers = {}
    for fast in (False, False, True):  # Flask renders the page's states first; then the fast path serves one
        app.config["SCAN_FAST_PATH"] = fast
        before = fast_path.served
        answers[fast] = client.get(stamp_path, base_url=base_url)
        assert answers[fast].status_code == 200
        assert fast_path.served - before == int(fast)

    def security(response):
        names = {name for name, _ in security_headers.response_headers(app, https=True)}
        return {(k, v) for k, v in response.headers.items() if k in names}

    assert security(answers[True]) == security(answers[False])
    assert_names = {k for k, _ in security(answers[True])}
    assert ("Strict-Transport-Security" in assert_names) is https
    assert {"Content-Security-Policy", *EXPECTED} <= assert_names

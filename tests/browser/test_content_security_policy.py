"""The main pages load in Chromium under the Content-Security-Policy with no violation, and still work.

Every page is checked twice: a `securitypolicyviolation` listener (installed before any page
script runs) and the console, where Chromium reports each refused script, style or frame.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from storefront.accounts.models import Role
from tests.factories import PASSWORD
from tests.factories_catalog import add_image
from tests.factories_office import make_office_user
from tests.factories_producer import make_producer_account
from tests.factories_traceability import make_traced_batch, make_traced_product
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import stamp_url

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def app_config(request):
    """Scans written at once, or queued (then the 307s and a reload are the scan fast path's)."""
    return {"SCAN_WRITE_MODE": getattr(request, "param", "immediate"), "SCAN_FLUSH_SECONDS": 3600}


@pytest.fixture
def watched(page):
    """The phone page, with every CSP violation collected from the page and the console."""
    console = []
    page.context.add_init_script(LISTEN)
    page.on("console", lambda message: console.append(message.text))

    def violations():
        seen = page.evaluate("window.__violations || []")
        return seen + [text for text in console if "Content Security Policy" in text]

    page.violations = violations
    return page


@pytest.fixture
def shop(app, db):
    producer_user, producer = make_producer_account(name="HTX Chè Hảo Đạt")
    product = make_traced_product(producer=producer)
    add_image(product, Path(app.config["UPLOAD_DIR"]), filename=f"{product.slug}-1.jpg")
    batch = make_traced_batch(product=product)
    issue, _ = issue_stamps(batch, count=1, actor=None)
    stamp = issue_stamps_list(issue)[0]
    users = {Role.PRODUCER: producer_user, Role.OFFICE: make_office_user()}
    db.session.commit()
    return product, stamp, users


def visit(page, url):
    response = page.goto(url)
    assert response.status < 400, url
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert page.violations() == [], url


def sign_in(page, base, user):
    page.goto(base + "/account/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_the_listener_does_report_a_violation(live_server, watched):
    """The check can fail: an inline style attribute set by a script is refused and reported."""
    watched.goto(live_server.url + "/pages/terms")
    watched.evaluate("document.body.setAttribute('style', 'background: red')")
    watched.wait_for_timeout(200)
    assert any("style-src" in v for v in watched.violations())
    assert watched.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"


@pytest.mark.parametrize("app_config", ["immediate", "buffered"], indirect=True)
def test_shop_and_origin_pages_load_without_violations(app, live_server, watched, shop):
    product, stamp, _ = shop
    base = live_server.url
    for path in [
        "/",
        "/products",
        f"/products/{product.slug}",
        f"/producers/{product.producer.slug}",
        "/pages/terms",
        "/account/login",
        "/account/register",
        "/orders/lookup",
        "/cart",
    ]:
        visit(watched, base + path)

    # The product page's JSON-LD is data, not a script: present, and not reported.
    assert (
        watched.goto(base + f"/products/{product.slug}")
        and watched.locator('script[type="application/ld+json"]').count() == 1
    )

    # The search suggestions script runs (it styles its list through the CSSOM, which CSP allows).
    watched.goto(base + "/products")
    watched.get_by_role("searchbox").first.fill("Tân Cương")
    expect(watched.locator("a", has_text=product.name_vi).first).to_be_visible()
    assert watched.violations() == []

    # The origin page: its inline CSS (allowed by hash) applies; its reload may be the scan fast path.
    url = stamp_url(stamp)
    watched.context.clear_cookies()  # a phone that scans a stamp: no session cookie yet
    for _ in range(2):
        visit(watched, url)
        expect(watched.get_by_role("heading", level=1)).to_have_text(product.name_vi)
        assert watched.evaluate("getComputedStyle(document.querySelector('.origin')).maxWidth") == "640px"
    assert watched.locator('script[type="application/ld+json"]').count() == 1
    if app.config["SCAN_WRITE_MODE"] == "buffered":
        assert app.extensions["scan_fast_path"].served == 3  # both 307s and the second page


def test_checkout_ward_list_loads_under_the_policy(live_server, watched, shop):
    product, _, _ = shop
    watched.goto(f"{live_server.url}/products/{product.slug}")
    watched.get_by_role("button", name="Thêm vào giỏ").click()
    visit(watched, live_server.url + "/checkout")
    expect(watched.locator(".no-js-only").first).to_be_hidden()  # the script ran
    watched.get_by_label("Tỉnh / thành phố").select_option(label="Thành phố Hà Nội")
    expect(watched.get_by_label("Phường / xã").locator("option", has_text="Phường Ba Đình")).to_have_count(1)
    assert watched.violations() == []


@pytest.mark.parametrize("role", [Role.PRODUCER, Role.OFFICE], ids=["producer", "office"])
def test_dashboards_load_without_violations(live_server, watched, shop, role):
    product, stamp, users = shop
    base = live_server.url
    sign_in(watched, base, users[role])
    if role is Role.PRODUCER:
        paths = [
            "/producer/",
            "/producer/products",
            f"/producer/products/{product.id}/edit",
            "/producer/batches",
            f"/producer/batches/{stamp.batch_id}",
            "/producer/orders",
            "/producer/analytics",
            "/producer/profile",
        ]
    else:
        paths = [
            "/office/",
            "/office/producers",
            f"/office/producers/{product.producer_id}",
            "/office/certificates",
            f"/office/certificates/{product.certificates[0].id}",
            "/office/certificates/new",
            "/office/evaluations",
            "/office/orders",
            "/office/reports",
            "/office/audit",
        ]
    for path in paths:
        visit(watched, base + path)
        expect(watched.locator("h1").first).to_be_visible()

"""A demo instance says so on every page, linking to what is real and what is invented."""

import pytest

from tests.factories import make_product
from tests.factories_traceability import make_traced_batch
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path

BANNER = 'data-testid="demo-banner"'


@pytest.fixture
def demo_mode(app_config):
    app_config["DEMO_MODE"] = True


def _pages(db):
    product = make_product(name_vi="Chè Tân Cương")
    batch = make_traced_batch(lot_code="L2026-01")
    issue, _ = issue_stamps(batch, count=1, actor=None)
    db.session.commit()
    stamp = issue_stamps_list(issue)[0]
    return [
        "/",
        "/products",
        f"/products/{product.slug}",
        "/account/login",
        "/cart/",
        "/pages/about",
        origin_path(stamp.batch, stamp),
        "/no-such-page",
    ]


@pytest.mark.usefixtures("demo_mode")
def test_every_page_of_a_demo_instance_carries_the_banner(client, db):
    for path in _pages(db):
        page = client.get(path).get_data(as_text=True)
        assert BANNER in page, path
        assert 'href="/pages/demo"' in page, path


@pytest.mark.usefixtures("demo_mode")
def test_the_demo_page_explains_what_is_real_and_what_is_invented(client, db):
    page = client.get("/pages/demo").get_data(as_text=True)
    assert "Điều gì là thật" in page and "Điều gì là minh hoạ" in page and "hư cấu" in page
    client.get("/lang/en")
    english = client.get("/pages/demo").get_data(as_text=True)
    assert "What is real" in english and "demo" in english.lower()


def test_a_real_instance_shows_no_banner(client, db):
    for path in _pages(db):
        assert BANNER not in client.get(path).get_data(as_text=True), path

"""Truth in stars: a lapsed certificate says so to shoppers; producers are warned 90 days ahead and on expiry."""

from datetime import timedelta

import pytest

from storefront.catalog.services import certificate_standing
from storefront.clock import today_vn
from tests.factories import make_certificate, make_product
from tests.factories_producer import owner  # noqa: F401 (owner is a fixture)

RENEW_ADVICE = "nộp hồ sơ đề nghị đánh giá lại cho Văn phòng OCOP tỉnh"


def _lapsed(product, *, stars=4, days_ago=10):
    """A certificate whose 36 months ended `days_ago` days ago."""
    today = today_vn()
    return make_certificate(
        product=product,
        stars=stars,
        decision_date=today - timedelta(days=3 * 365 + days_ago),
        valid_until=today - timedelta(days=days_ago),
    )


def _ending_in(product, days, *, stars=4):
    today = today_vn()
    return make_certificate(
        product=product,
        stars=stars,
        decision_date=today - timedelta(days=900),
        valid_until=today + timedelta(days=days),
    )


def test_a_lapsed_certificate_is_stated_on_the_product_page_and_its_card(client, db):
    product = make_product(name_vi="Chè tôm nõn")
    certificate = _lapsed(product)
    db.session.commit()
    stated = f"Chứng nhận OCOP 4★ đã hết hạn ngày {certificate.valid_until:%d/%m/%Y}"
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert stated in page and 'class="ocop-badge' not in page
    listing = client.get("/products").get_data(as_text=True)
    assert stated in listing


def test_a_valid_certificate_shows_stars_and_no_lapse(client, db):
    product = make_product(name_vi="Chè đinh")
    make_certificate(product=product, stars=5)
    db.session.commit()
    listing = client.get("/products").get_data(as_text=True)
    assert 'data-stars="5"' in listing and "đã hết hạn" not in listing


@pytest.mark.parametrize(
    ("days", "state"),
    [(200, "valid"), (91, "valid"), (90, "expiring"), (1, "expiring"), (0, "expiring"), (-1, "lapsed")],
)
def test_certificate_standing_warns_from_90_days_before_the_end(db, days, state):
    product = make_product()
    _ending_in(product, days)
    assert certificate_standing(product, today_vn()).state == state


def test_a_renewal_on_record_clears_the_warning(db):
    product = make_product()
    _ending_in(product, 30)
    make_certificate(product=product, decision_date=today_vn() - timedelta(days=5))
    assert certificate_standing(product, today_vn()).state == "valid"


def test_the_producer_dashboard_warns_before_and_on_expiry_with_what_to_do(client, db, owner):
    lapsed = make_product(producer=owner, name_vi="Chè tôm nõn")
    certificate = _lapsed(lapsed, stars=5)
    ending = make_product(producer=owner, name_vi="Chè đinh")
    soon = _ending_in(ending, 45)
    fine = make_product(producer=owner, name_vi="Chè móc câu")
    _ending_in(fine, 400)
    db.session.commit()
    page = client.get("/producer/").get_data(as_text=True)
    assert 'data-testid="certificate-alerts"' in page
    assert f"chứng nhận OCOP 5★ đã hết hạn ngày {certificate.valid_until:%d/%m/%Y}" in page
    assert f"chứng nhận OCOP 4★ hết hạn ngày {soon.valid_until:%d/%m/%Y} (còn 45 ngày)" in page
    assert (
        RENEW_ADVICE in page
        and "Chè móc câu" not in page.split('data-testid="certificate-alerts"')[1].split("</section>")[0]
    )
    products = client.get("/producer/products").get_data(as_text=True)
    assert f"Chứng nhận OCOP đã hết hạn ngày {certificate.valid_until:%d/%m/%Y}: không hiện sao" in products
    assert "(còn 45 ngày)" in products
    assert products.count('data-testid="certificate-alert"') == 2


def test_no_warning_without_a_certificate_problem(client, db, owner):
    _ending_in(make_product(producer=owner), 400)
    db.session.commit()
    assert 'data-testid="certificate-alerts"' not in client.get("/producer/").get_data(as_text=True)

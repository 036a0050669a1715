"""Truth in stars: a lapsed certificate says so to shoppers; producers are warned 90 days ahead and on expiry."""

import json
import re
from datetime import timedelta

import pytest

from storefront.catalog.certificates import certificate_standing
from storefront.clock import today_vn
from tests.factories import make_certificate, make_product
from tests.factories_office import office  # noqa: F401 (office is a fixture)
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


def _year_only(product, year, *, stars=4):
    """A certificate whose source gives only the year of recognition (as the real demo products')."""
    from datetime import date

    decided = date(year, 1, 1)
    return make_certificate(
        product=product, stars=stars, decision_date=decided, decision_number="", decision_day_known=False
    )


def _certificate_section(page):
    return re.search(r'data-testid="certificate".*?</section>', page, re.S).group(0)


def test_a_year_only_certificate_shows_years_never_an_invented_day(client, db):
    today = today_vn()
    lapsed = make_product(name_vi="Chè tôm nõn")
    _year_only(lapsed, today.year - 4, stars=5)
    valid = make_product(name_vi="Chè đinh")
    _year_only(valid, today.year - 1)
    db.session.commit()

    page = client.get(f"/products/{lapsed.slug}").get_data(as_text=True)
    assert f"Chứng nhận OCOP 5★ đã hết hạn trong năm {today.year - 1}" in page
    assert f"được đánh giá lại (công nhận năm {today.year - 4}, " in page
    assert "01/01/" not in _certificate_section(page) and "Quyết định số" not in page
    assert 'class="ocop-badge' not in page

    page = client.get(f"/products/{valid.slug}").get_data(as_text=True)
    assert 'class="ocop-badge' in page
    assert f"Công nhận năm {today.year - 1} (nguồn công bố không nêu số và ngày quyết định)" in page
    assert f"Hiệu lực 36 tháng, hết hạn trong năm {today.year + 2}" in page
    assert "01/01/" not in _certificate_section(page) and "Quyết định số" not in page
    [jsonld] = [
        b for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S) if "Certification" in b
    ]
    certification = json.loads(jsonld)["hasCertification"]
    assert certification["validFrom"] == str(today.year - 1)
    assert "expires" not in certification and "certificationIdentification" not in certification

    items = client.get("/api/v1/products").get_json()["items"]
    api = next(item for item in items if item["slug"] == valid.slug)["certificate"]
    assert api["decision_day_known"] is False and api["decision_number"] == ""
    assert api["decision_date"] == f"{today.year - 1}-01-01"


def test_a_year_only_certificate_is_valid_until_the_earliest_day_it_can_end(db):
    from datetime import date

    product = make_product()
    certificate = _year_only(product, 2023)
    # Decided some day of 2023: its 36 months end some day of 2026, at the earliest on 1 January.
    assert certificate.valid_until == date(2026, 1, 1)
    assert certificate.is_valid_on(date(2025, 12, 31)) and certificate.is_valid_on(date(2026, 1, 1))
    assert not certificate.is_valid_on(date(2026, 1, 2))


def test_the_office_register_shows_and_exports_a_year_only_decision_by_year(client, db, office):
    product = make_product(name_vi="Chè đinh")
    certificate = _year_only(product, today_vn().year - 1)
    db.session.commit()
    year = today_vn().year - 1
    listing = client.get("/office/certificates").get_data(as_text=True)
    assert f"Công nhận năm {year}" in listing and f"trong năm {year + 3}" in listing
    detail = client.get(f"/office/certificates/{certificate.id}").get_data(as_text=True)
    assert f"Công nhận năm {year}" in detail and f"01/01/{year}" not in detail
    exported = client.get("/office/certificates.csv").get_data(as_text=True)
    row = next(line for line in exported.splitlines() if line.startswith("Chè đinh"))
    assert f",{year},{year + 3}," in row and "-01-01" not in row

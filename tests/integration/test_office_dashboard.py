"""The office dashboard: certified products by stars, group and ward, targets, sales, scans, warnings, CSV."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from storefront.catalog.models import ProducerStatus
from storefront.checkout.models import OrderStatus
from storefront.clock import today_vn
from storefront.office import dashboard
from tests.factories import days_ago, make_batch, make_certificate, make_producer, make_product
from tests.factories_office import make_office_user, make_order, office, request_context  # noqa: F401
from traceability.models import CounterfeitReport, Scan, Stamp, StampIssue

pytestmark = pytest.mark.usefixtures("request_context")


def test_certified_products_count_each_product_once_with_its_best_valid_certificate(db):
    product = make_product()
    make_certificate(product=product, stars=3, decision_date=days_ago(900))
    make_certificate(product=product, stars=4, decision_date=days_ago(30))
    make_certificate(stars=2)
    make_certificate(stars=5, is_revoked=True)
    make_certificate(stars=4, decision_date=days_ago(1200), valid_until=days_ago(1))
    pairs = dashboard.certified_products(today_vn())
    assert [(p.id, c.stars) for p, c in pairs] == [(product.id, 4)]


def test_breakdowns_name_the_ward_with_the_legacy_district(db):
    producer = make_producer(legacy_district="Thành phố Thái Nguyên")
    make_certificate(product=make_product(producer=producer), stars=5)
    make_certificate(product=make_product(producer=producer, ocop_group=2), stars=3)
    breakdowns = dashboard.breakdowns(dashboard.certified_products(today_vn()))
    assert breakdowns["stars"] == [("3★", 1), ("4★", 0), ("5★", 1)]
    assert breakdowns["group"] == [("Thực phẩm", 1), ("Đồ uống", 1)]
    [(label, count)] = breakdowns["ward"]
    assert count == 2 and "Tân Cương" in label and "Thành phố Thái Nguyên" in label


def test_targets_follow_the_scheme(db):
    for _i in range(2):
        make_certificate(decision_date=date(2020, 6, 1), valid_until=date(2023, 6, 1))
    later = make_product()
    make_certificate(product=later, decision_date=date(2019, 1, 5), valid_until=date(2022, 1, 5))
    make_certificate(product=later, decision_date=date(2022, 3, 1), valid_until=date(2025, 3, 1))  # re-rated
    make_certificate(stars=5, decision_date=date(2024, 5, 1))
    make_certificate(stars=5, decision_date=date(2024, 5, 2), is_revoked=True)
    by_2020, in_2021_2025, five_star = dashboard.target_progress()
    assert (by_2020.value, by_2020.goal) == (3, 50)
    assert (in_2021_2025.value, in_2021_2025.goal) == (1, 70)
    assert (five_star.value, five_star.goal, five_star.is_met) == (1, 5, False)


def test_sales_and_scans_are_summed_per_month(db):
    today = today_vn()
    product = make_product(price_vnd=100_000)
    now = datetime.now(UTC)
    make_order(product=product, quantity=2)
    make_order(product=product, quantity=5, status=OrderStatus.CANCELLED)
    make_order(product=product, quantity=1, created_at=now - timedelta(days=400))
    batch = make_batch(product=product)
    db.session.add_all([Scan(batch_id=batch.id), Scan(batch_id=batch.id)])
    db.session.flush()
    months = dashboard.last_months(today)
    assert len(months) == 12 and months[-1] == today.replace(day=1)
    assert dashboard.sales_per_month(months)[-1] == (today.strftime("%m/%Y"), 200_000)
    assert sum(v for _m, v in dashboard.sales_per_month(months)) == 200_000
    assert dashboard.scans_per_month(months)[-1][1] == 2


def test_the_dashboard_page_draws_charts_and_warnings(client, db, login):
    make_certificate(product=make_product(name_vi="Chè đinh Tân Cương"), stars=5)
    batch = make_batch()
    issue = StampIssue(batch_id=batch.id, count=1)
    db.session.add(issue)
    db.session.flush()
    db.session.add(Stamp(batch_id=batch.id, issue_id=issue.id, serial="K7Q2M9", scan_count=45, device_count=45))
    # One phone's 119 scans, and a display unit's many phones: no evidence of copying.
    db.session.add(Stamp(batch_id=batch.id, issue_id=issue.id, serial="ONEPHONE", scan_count=119, device_count=1))
    db.session.add(
        Stamp(
            batch_id=batch.id, issue_id=issue.id, serial="SHOWROOM", scan_count=300, device_count=280, is_display=True
        )
    )
    db.session.add(CounterfeitReport(message="Nghi giả"))
    user = make_office_user()
    db.session.commit()
    login(user)
    page = client.get("/office/").get_data(as_text=True)
    assert page.count('<figure class="chart">') == 5
    # Labels and figures are page text (read at the page's size on a phone), not text inside a scaled SVG.
    assert '<span class="bar-label">5★</span>' in page and "<text" not in page
    # The one 5★ product: the longest bar of its chart (scaled to the largest value), its count beside it.
    five = r'<span class="bar-label">5★</span>\s*<svg[^>]*><rect width="100.0"[^>]*></rect></svg>\s*<span class="bar-value">1</span>'
    three = r'<span class="bar-label">3★</span>\s*<svg[^>]*><rect width="0.0"[^>]*></rect></svg>\s*<span class="bar-value">0</span>'
    assert re.search(five, page) and re.search(three, page)
    assert 'data-testid="certified-total">1<' in page
    assert "K7Q2M9" in page and "1 báo cáo nghi hàng giả" in page
    assert "ONEPHONE" not in page and "SHOWROOM" not in page


def test_certified_products_export_as_csv(client, db, login):
    make_certificate(product=make_product(name_vi="Miến Việt Cường"), stars=5, decision_number="5/QĐ-BNN")
    make_certificate(product=make_product(producer=make_producer(status=ProducerStatus.SUSPENDED)), stars=3)
    user = make_office_user()
    db.session.commit()
    login(user)
    lines = client.get("/office/certified.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "product,producer,ocop_group,ward,stars,decision_number,decision_date,valid_until"
    assert lines[1].startswith("Miến Việt Cường,") and ",5,5/QĐ-BNN," in lines[1]
    assert len(lines) == 3


def test_a_product_name_in_the_office_export_cannot_become_a_spreadsheet_formula(client, db, login):
    make_certificate(product=make_product(name_vi="\t=HYPERLINK(1)"), stars=4)
    user = make_office_user()
    db.session.commit()
    login(user)
    lines = client.get("/office/certified.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[1].startswith("'\t=HYPERLINK(1),")


def test_monthly_figures_export_as_csv(client, db, office):
    make_order(product=make_product(price_vnd=120_000), quantity=3)
    db.session.commit()
    lines = client.get("/office/figures.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "month,sales_vnd,scans" and len(lines) == 13
    assert lines[-1] == f"{today_vn().strftime('%m/%Y')},360000,0"


def test_list_pages_do_not_query_per_row(client, db, office, count_queries):
    for _i in range(6):
        make_certificate()
    db.session.commit()
    client.get("/office/certificates")  # a worker's first page also renders its footer, once (filters.site_footer)
    with count_queries() as few:
        client.get("/office/certificates")
    for _i in range(6):
        make_certificate()
    db.session.commit()
    with count_queries() as more:
        client.get("/office/certificates")
    assert more() == few()

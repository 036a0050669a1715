"""Analytics: sales by product and month, scans by batch and day, warnings, low stock; SVG charts and CSV."""

import calendar
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from storefront.checkout.models import OrderStatus
from storefront.clock import VIETNAM_TZ
from tests.factories import make_batch, make_product
from tests.factories_producer import make_order, owner  # noqa: F401 (owner is a fixture)
from traceability.models import Scan, Stamp, StampIssue


def read_csv(response):
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_sales_count_sold_orders_by_product_and_month_and_only_mine(client, db, owner):
    tea = make_product(producer=owner, name_vi="Chè búp", price_vnd=100_000)
    other = make_product(name_vi="Miến người khác", price_vnd=50_000)
    make_order(lines=[(tea, 2), (other, 5)], status=OrderStatus.PAID)
    make_order(lines=[(tea, 1)], status=OrderStatus.DELIVERED)
    make_order(lines=[(tea, 9)], status=OrderStatus.CANCELLED)
    db.session.commit()
    rows = read_csv(client.get("/producer/analytics/sales.csv"))
    assert rows[0] == ["Tháng", "Sản phẩm", "Số lượng", "Doanh thu (đồng)"]
    assert [r[1:] for r in rows[1:]] == [["Chè búp", "3", "300000"]]
    page = client.get("/producer/analytics").get_data(as_text=True)
    assert "<svg" in page and "300.000" in page
    assert "Miến người khác" not in page


def test_scans_are_counted_by_batch_and_day_and_heavy_stamps_are_flagged(client, db, owner, app):
    batch = make_batch(product=make_product(producer=owner), lot_code="TC-01")
    issue = StampIssue(batch=batch, count=1)
    db.session.add(issue)
    db.session.flush()
    stamp = Stamp(batch_id=batch.id, issue_id=issue.id, serial="ABC123", scan_count=25, device_count=25)
    # One phone's 119 scans are no evidence of copying (the old list flagged raw scan counts).
    db.session.add(Stamp(batch_id=batch.id, issue_id=issue.id, serial="ONEPHONE", scan_count=119, device_count=1))
    db.session.add(stamp)
    db.session.flush()
    # 23:30 UTC is the next day in Vietnam (UTC+7).
    for hour in (1, 2, 23):
        db.session.add(
            Scan(
                stamp_id=stamp.id,
                batch_id=batch.id,
                scanned_at=datetime.now(UTC).replace(hour=hour, minute=30),
            )
        )
    db.session.commit()
    rows = read_csv(client.get("/producer/analytics/scans.csv"))
    assert sorted(int(r[3]) for r in rows[1:]) == [1, 2]
    assert {r[1] for r in rows[1:]} == {"TC-01"}
    warnings = read_csv(client.get("/producer/analytics/warnings.csv"))
    assert warnings[1][:4] == ["TC-01", batch.product.name_vi, "ABC123", "25"]
    assert len(warnings) == 2


def test_low_stock_lists_published_products_at_or_under_the_threshold(client, db, owner):
    make_product(producer=owner, name_vi="Sắp hết", on_hand=2)
    make_product(producer=owner, name_vi="Còn nhiều", on_hand=50)
    make_product(producer=owner, name_vi="Nháp", on_hand=0, is_published=False)
    db.session.commit()
    rows = read_csv(client.get("/producer/analytics/low_stock.csv"))
    assert rows[1:] == [["Sắp hết", "2"]]
    assert "Sắp hết</a>: còn 2" in client.get("/producer/").get_data(as_text=True)


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "\t=1+1", "\r=1+1"])
def test_a_product_name_cannot_become_a_spreadsheet_formula(client, db, owner, name):
    make_product(producer=owner, name_vi=name, on_hand=1)
    db.session.commit()
    rows = read_csv(client.get("/producer/analytics/low_stock.csv"))
    assert rows[1][0] == "'" + name


def test_an_unknown_table_is_a_404(client, owner):
    assert client.get("/producer/analytics/secrets.csv").status_code == 404


def test_with_no_data_each_csv_still_has_its_header_row_and_the_page_says_so(client, db, owner):
    page = client.get("/producer/analytics").get_data(as_text=True)
    assert page.count("Chưa có dữ liệu.") == 6
    headers = {
        "sales": ["Tháng", "Sản phẩm", "Số lượng", "Doanh thu (đồng)"],
        "visits": ["Tháng", "Đặt chỗ", "Khách", "Đã đến", "Không đến", "Tiền đặt chỗ"],
        "scans": ["Ngày", "Lô", "Sản phẩm", "Lượt quét"],
        "warnings": ["Lô", "Sản phẩm", "Sê-ri", "Lượt quét", "Quét lần đầu"],
        "unknown_codes": ["Mã đã quét", "Sản phẩm", "Lượt quét", "Quét lần đầu", "Quét lần cuối"],
        "low_stock": ["Sản phẩm", "Còn có thể bán"],
    }
    for name, header in headers.items():
        assert read_csv(client.get(f"/producer/analytics/{name}.csv")) == [header], name
    assert read_csv(client.get("/producer/analytics/sales.csv?lang=en"))[0][0] == "Month"


def test_months_read_as_words_in_the_page_language_and_stay_sortable_in_the_csv(client, db, owner):
    tea = make_product(producer=owner, name_vi="Chè búp", price_vnd=100_000)
    order = make_order(lines=[(tea, 1)], status=OrderStatus.PAID)
    order.created_at = datetime.now(UTC) - timedelta(days=45)
    db.session.commit()
    month = order.created_at.astimezone(VIETNAM_TZ)
    vietnamese, english_name = f"Tháng {month.month}/{month.year}", f"{calendar.month_name[month.month]} {month.year}"
    page = client.get("/producer/analytics").get_data(as_text=True)
    # The chart's label: the full name (read out), and the figures a phone shows instead ("10/2026", one line).
    short = f'<span class="short" aria-hidden="true">{month:%m/%Y}</span>'
    assert f'<td class="name nowrap">{vietnamese}</td>' in page
    assert f'<span class="bar-label"><span class="long">{vietnamese}</span>{short}</span>' in page
    assert f"{month:%Y-%m}" not in page
    english = client.get("/producer/analytics?lang=en").get_data(as_text=True)
    assert (
        f'<td class="name nowrap">{english_name}</td>' in english
        and f'<span class="bar-label"><span class="long">{english_name}</span>{short}</span>' in english
    )
    assert read_csv(client.get("/producer/analytics/sales.csv"))[1][0] == f"{month:%Y-%m}"

"""Journey: a shopper scans (opens) a stamp URL on a phone and reads where the product comes from.

Run with scans queued (production, the test default) and written at once: in the former the
resolver's 307 and the second scan are answered by the scan fast path (traceability/fast_path.py).
"""

import pytest
from playwright.sync_api import expect

from storefront.clock import today_vn
from tests.factories_traceability import make_traced_batch
from traceability.scans.buffer import scan_buffer
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_url, stamp_url


@pytest.fixture(params=["immediate", "buffered"])
def app_config(request):
    return {"SCAN_WRITE_MODE": request.param, "SCAN_FLUSH_SECONDS": 3600}


def test_shopper_scans_a_stamp_on_a_phone_and_sees_origin_and_scan_count(app, live_server, page, db):
    batch = make_traced_batch(lot_code="L2026-01")
    issue, _pins = issue_stamps(batch, count=1, actor=None)
    stamp = issue_stamps_list(issue)[0]
    db.session.commit()
    url = stamp_url(stamp)
    assert url.startswith(live_server.url + "/01/")  # the stamp points at this server

    page.goto(url)  # the resolver's 307 to the stamp's origin page
    expect(page).to_have_url(origin_url(batch, stamp) + "?" + url.split("?", 1)[1])  # the query passed on
    expect(page.get_by_role("heading", level=1)).to_have_text("Chè Tân Cương đặc biệt")
    expect(page.get_by_test_id("scan-info")).to_have_text("Lần quét đầu tiên")
    expect(page.locator("#producer-h + p")).to_contain_text("HTX Chè Hảo Đạt")
    stages = page.get_by_test_id("stages").locator("li")
    expect(stages).to_have_count(3)
    expect(stages.first).to_contain_text("Thu hoạch")
    expect(stages.first).to_contain_text("VT-19-5503-001")
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.reload()
    expect(page.get_by_test_id("scan-info")).to_have_text(f"Đã quét 2 lần, lần đầu ngày {today_vn():%d/%m/%Y}")
    if app.config["SCAN_WRITE_MODE"] == "buffered":
        # The first scan's 307 and the reload; Flask rendered the first scan's page.
        assert app.extensions["scan_fast_path"].served == 2
        scan_buffer().flush()
    db.session.expire_all()
    assert db.session.get(type(stamp), stamp.id).scan_count == 2

    page.get_by_role("link", name="Mua trực tuyến").click()
    expect(page).to_have_url(f"{live_server.url}/products/{batch.product.slug}")

"""Batches from the dashboard: create (stock grows), trace events, the Circular 02/2024 checklist, recall, stamps."""

import io
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storefront.catalog.models import ProductImage
from storefront.columns import utcnow
from storefront.inventory.models import Stock
from tests.factories import make_batch, make_product
from tests.factories_producer import owner  # noqa: F401 (owner is a fixture)
from traceability.batches.services import add_trace_event
from traceability.models import Batch, Stamp, StampIssue, TraceEvent
from traceability.stamps.services import issue_stamps

BATCH = {
    "lot_code": "TC2026-05",
    "harvest_date": "2026-05-02",
    "production_date": "2026-05-04",
    "packing_date": "2026-05-06",
    "expiry_date": "2027-05-06",
    "quantity": "120",
    "growing_area_code": "VT-19-5503-001",
    "standards": "VietGAP",
}


def test_creating_a_batch_adds_its_quantity_to_stock(client, db, owner):
    product = make_product(producer=owner, on_hand=5)
    db.session.commit()
    response = client.post(f"/producer/products/{product.id}/batches/new", data=BATCH)
    assert response.status_code == 302
    batch = db.session.scalar(select(Batch))
    assert (batch.lot_code, batch.quantity, batch.is_published) == ("TC2026-05", 120, False)
    assert str(batch.expiry_date) == "2027-05-06"
    assert db.session.scalar(select(Stock.on_hand).where(Stock.product_id == product.id)) == 125


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lot_code", "", "Vui lòng điền trường này"),
        ("lot_code", "x" * 21, "Trường này không được dài quá 20 ký tự"),
        ("quantity", "-1", "Số phải trong khoảng từ 0 đến 1000000"),
        ("quantity", "nhiều", "Cần nhập một số nguyên"),
        ("expiry_date", "31/02/2027", "Ngày không hợp lệ"),
    ],
)
def test_bad_batch_input_creates_nothing(client, db, owner, field, value, message):
    product = make_product(producer=owner)
    db.session.commit()
    response = client.post(f"/producer/products/{product.id}/batches/new", data={**BATCH, field: value})
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Batch.id))) == 0


def test_a_lot_code_used_twice_for_a_product_is_refused(client, db, owner):
    product = make_product(producer=owner)
    make_batch(product=product, lot_code="TC2026-05")
    db.session.commit()
    response = client.post(f"/producer/products/{product.id}/batches/new", data=BATCH)
    assert "Sản phẩm đã có lô mang mã TC2026-05" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Batch.id))) == 1


def test_the_checklist_lists_what_circular_02_still_needs_until_publishing_works(client, db, owner):
    product = make_product(producer=owner)
    batch = make_batch(product=product, with_events=False, is_published=False, standards="")
    db.session.commit()
    page = client.get(f"/producer/batches/{batch.id}").get_data(as_text=True)
    assert "Các công đoạn sản xuất" in page and "Tiêu chuẩn áp dụng" in page and "Ảnh sản phẩm" in page
    client.post(f"/producer/batches/{batch.id}/publish")
    db.session.refresh(batch)
    assert batch.is_published is False

    client.post(
        f"/producer/batches/{batch.id}/events",
        data={
            "biz_step": "harvesting",
            "event_time": "2026-05-02T07:30",
            "location_name": "Đồi chè Nam Tiến",
            "read_point": "VT-19-5503-001",
        },
    )
    [event] = db.session.scalars(select(TraceEvent)).all()
    assert event.biz_step == "harvesting" and event.event_time.hour == 0 and event.event_time.minute == 30  # 07:30 +07
    batch.standards = "VietGAP"
    product.images.append(ProductImage(filename="a.jpg"))
    db.session.commit()
    client.post(f"/producer/batches/{batch.id}/publish")
    db.session.refresh(batch)
    assert batch.is_published is True


def test_recalling_needs_a_reason_and_records_it(client, db, owner):
    batch = make_batch(product=make_product(producer=owner))
    db.session.commit()
    client.post(f"/producer/batches/{batch.id}/recall", data={"reason": ""})
    db.session.refresh(batch)
    assert batch.recalled_at is None
    client.post(f"/producer/batches/{batch.id}/recall", data={"reason": "Phát hiện nấm mốc"})
    db.session.refresh(batch)
    assert batch.recalled_at is not None and batch.recall_reason == "Phát hiện nấm mốc"


def test_issuing_twenty_stamps_and_downloading_the_pdf_and_zip(client, db, owner):
    batch = make_batch(product=make_product(producer=owner))
    db.session.commit()
    assert (
        client.post(f"/producer/batches/{batch.id}/stamps", data={"count": "20", "serialized": "y"}).status_code == 302
    )
    issue = db.session.scalar(select(StampIssue))
    assert issue.count == 20
    assert db.session.scalar(select(func.count(Stamp.id)).where(Stamp.issue_id == issue.id)) == 20
    page = client.get(f"/producer/batches/{batch.id}").get_data(as_text=True)
    assert f"/producer/stamp-issues/{issue.id}/sheet.pdf" in page
    pdf = client.get(f"/producer/stamp-issues/{issue.id}/sheet.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/producer/stamp-issues/{issue.id}/codes.zip").data))
    assert len([n for n in archive.namelist() if n.endswith(".png")]) == 20


def test_stamps_with_pins_show_the_pins_once(client, db, owner):
    batch = make_batch(product=make_product(producer=owner))
    db.session.commit()
    response = client.post(
        f"/producer/batches/{batch.id}/stamps", data={"count": "3", "serialized": "y", "with_pin": "y"}
    )
    assert response.status_code == 200
    assert "chỉ hiển thị một lần" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Stamp.id)).where(Stamp.pin_hash.is_not(None))) == 3


@pytest.mark.parametrize("count", ["0", "100001", "hai mươi", ""])
def test_a_bad_stamp_count_issues_nothing(client, db, owner, count):
    batch = make_batch(product=make_product(producer=owner))
    db.session.commit()
    client.post(f"/producer/batches/{batch.id}/stamps", data={"count": count})
    assert db.session.scalar(select(func.count(StampIssue.id))) == 0


def test_a_recalled_batch_gets_no_more_stamps(client, db, owner, app):
    batch = make_batch(product=make_product(producer=owner), recall_reason="x", recalled_at=utcnow())
    db.session.commit()
    client.post(f"/producer/batches/{batch.id}/stamps", data={"count": "5"})
    assert db.session.scalar(select(func.count(StampIssue.id))) == 0


def test_the_batch_list_shows_only_my_batches(client, db, owner, app):
    make_batch(product=make_product(producer=owner), lot_code="CUATOI")
    other = make_batch(lot_code="NGUOIKHAC")
    with app.test_request_context():
        issue_stamps(other, count=1)
    db.session.commit()
    page = client.get("/producer/batches").get_data(as_text=True)
    assert "CUATOI" in page and "NGUOIKHAC" not in page


def test_a_trace_event_without_a_location_code_is_refused(client, db, owner):
    batch = make_batch(product=make_product(producer=owner), with_events=False)
    db.session.commit()
    client.post(
        f"/producer/batches/{batch.id}/events",
        data={"biz_step": "packing", "event_time": "2026-05-06T08:00", "read_point": ""},
    )
    assert db.session.scalar(select(func.count(TraceEvent.id))) == 0
    assert "Mỗi công đoạn cần một mã địa điểm" in client.get(f"/producer/batches/{batch.id}").get_data(as_text=True)


def test_a_trace_event_at_another_producers_location_is_refused_in_the_producers_language(client, db, owner):
    theirs = make_batch(growing_area_code="", with_events=False)  # another producer's product
    add_trace_event(theirs, biz_step="packing", event_time=datetime(2026, 5, 1, tzinfo=UTC), read_point="HTXB-KHO01")
    mine = make_batch(product=make_product(producer=owner), growing_area_code="", with_events=False)
    db.session.commit()
    client.get("/producer/?lang=en")
    event = {
        "biz_step": "packing",
        "event_time": "2026-05-06T08:00",
        "location_name": "Kho",
        "read_point": "HTXB-KHO01",
    }
    assert client.post(f"/producer/batches/{mine.id}/events", data=event).status_code == 302
    assert db.session.scalar(select(func.count(TraceEvent.id)).where(TraceEvent.batch_id == mine.id)) == 0
    page = client.get(f"/producer/batches/{mine.id}").get_data(as_text=True)
    assert "Location code HTXB-KHO01 belongs to another producer" in page
    client.post(f"/producer/batches/{mine.id}/events", data={**event, "read_point": "HTXA-KHO01"})
    client.post(f"/producer/batches/{mine.id}/events", data={**event, "read_point": "HTXA-KHO01"})  # mine: again
    assert db.session.scalars(select(TraceEvent.read_point).where(TraceEvent.batch_id == mine.id)).all() == [
        "HTXA-KHO01",
        "HTXA-KHO01",
    ]


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "0001-01-01T06:59", "1899-12-31T23:59"])
def test_a_trace_event_in_year_1_is_a_form_error_not_a_500(client, db, owner, when):
    """Year 1 at 00:00 in Vietnam time is before year 1 in UTC: storing it raised OverflowError."""
    batch = make_batch(product=make_product(producer=owner), with_events=False)
    db.session.commit()
    response = client.post(
        f"/producer/batches/{batch.id}/events",
        data={"biz_step": "harvesting", "event_time": when, "read_point": "VT-19-5503-001"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(TraceEvent.id))) == 0
    assert "Chọn công đoạn và thời điểm." in client.get(response.location).get_data(as_text=True)


def test_the_batch_page_needs_few_queries(client, db, owner, count_queries):
    batch = make_batch(product=make_product(producer=owner))
    for _ in range(3):
        issue_stamps(batch, count=2)
    db.session.commit()
    with count_queries() as n:
        assert client.get(f"/producer/batches/{batch.id}").status_code == 200
    assert n() <= 20

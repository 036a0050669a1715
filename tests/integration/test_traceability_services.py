"""Traceability services on a real database: batches, events, stamps, scans, PINs, reports."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select

from storefront.catalog.models import ProducerStatus
from storefront.inventory.models import Stock
from tests.factories import make_batch, make_certificate, make_product, make_user
from tests.factories_traceability import GTIN, add_scans, make_traced_batch, make_traced_product, many_devices
from traceability.batches.services import (
    add_trace_event,
    batch_missing_fields,
    create_batch,
    publish_batch,
    recall_batch,
)
from traceability.counterfeit.services import report_counterfeit
from traceability.errors import (
    BatchIncomplete,
    BatchRecalled,
    DuplicateLot,
    InvalidLotCode,
    InvalidStampRequest,
    InvalidTraceEvent,
    NotInProgramme,
    TraceabilityError,
)
from traceability.identifiers.codes import CODE_ALPHABET
from traceability.models import Batch, CounterfeitReport, Scan, Stamp, StampIssue
from traceability.scans import copy_warnings, recording
from traceability.stamps import services as stamp_services
from traceability.stamps.pins import verify_pin
from traceability.stamps.services import MAX_STAMPS_PER_ISSUE, issue_labels, issue_stamps, issue_stamps_list
from traceability.stamps.urls import digital_link_url, origin_url, stamp_url


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


# --- batches ------------------------------------------------------------------------------


def test_creating_a_batch_adds_its_quantity_to_stock_and_gets_a_random_short_code(db):
    product = make_product(on_hand=10)
    batch = create_batch(
        product,
        lot_code="TC-2026-01",
        harvest_date=date(2026, 3, 1),
        production_date=date(2026, 3, 5),
        packing_date=date(2026, 3, 6),
        expiry_date=date(2027, 3, 5),
        quantity=40,
        growing_area_code="VT-19-5503-001",
        standards="VietGAP",
        actor=None,
    )
    assert batch.id is not None and not batch.is_published
    assert len(batch.short_code) == 10
    assert db.session.scalar(select(Stock.on_hand).where(Stock.product_id == product.id)) == 50


@pytest.mark.parametrize("lot_code", ["", " ", "L" * 21, "LÔ-1", "L 1", "L#1", "L\t1"])
def test_a_lot_code_outside_the_gs1_rules_is_refused(db, lot_code):
    product = make_product()
    with pytest.raises(InvalidLotCode):
        create_batch(product, lot_code=lot_code, quantity=1)
    assert _count(db, Batch) == 0


def test_a_lot_code_is_unique_per_product_but_not_across_products(db):
    first, second = make_product(), make_product()
    create_batch(first, lot_code="L1", quantity=1)
    create_batch(second, lot_code="L1", quantity=1)
    with pytest.raises(DuplicateLot):
        create_batch(first, lot_code="L1", quantity=1)
    assert _count(db, Batch) == 2


def test_a_trace_event_needs_an_aware_time_and_a_location_code(db):
    batch = make_batch(with_events=False)
    with pytest.raises(InvalidTraceEvent):
        add_trace_event(batch, biz_step="harvesting", event_time=datetime(2026, 3, 1), read_point="VT-1")
    with pytest.raises(InvalidTraceEvent):
        add_trace_event(batch, biz_step="harvesting", event_time=datetime(2026, 3, 1, tzinfo=UTC))
    event = add_trace_event(
        batch,
        biz_step="harvesting",
        read_point="VT-19-5503-001",
        event_time=datetime(2026, 3, 1, 1, tzinfo=UTC),
    )
    assert event.id is not None and event.event_time_zone_offset == "+07:00"


def test_publishing_is_refused_until_the_circular_02_minimum_is_there(app, db):
    product = make_product()  # no photo
    batch = make_batch(product=product, with_events=False, standards="", production_date=None, is_published=False)
    with pytest.raises(BatchIncomplete) as refused:
        publish_batch(batch)
    with app.test_request_context():
        missing = [str(item) for item in refused.value.missing]
    assert missing == [
        "Ảnh sản phẩm",
        "Các công đoạn sản xuất (ít nhất một)",
        "Thời gian sản xuất",
        "Tiêu chuẩn áp dụng",
    ]
    assert not db.session.get(Batch, batch.id).is_published


def test_a_complete_batch_publishes(db):
    batch = make_traced_batch(is_published=False)
    assert batch_missing_fields(batch) == []
    publish_batch(batch)
    assert batch.is_published


def test_recalling_a_batch_keeps_reason_time_and_actor(db):
    office = make_user()
    batch = make_traced_batch()
    with pytest.raises(TraceabilityError):
        recall_batch(batch, reason="  ", actor=office)
    recall_batch(batch, reason="Dư lượng thuốc bảo vệ thực vật vượt ngưỡng", actor=office)
    db.session.commit()
    stored = db.session.get(Batch, batch.id)
    assert stored.recalled_at is not None and stored.recalled_by_id == office.id
    assert stored.recall_reason.startswith("Dư lượng")


# --- identifiers -------------------------------------------------------------------------


def test_a_stamp_carries_a_canonical_digital_link_with_expiry_and_its_origin_page_is_under_origin(db):
    batch = make_traced_batch(lot_code="TC/01", expiry_date=date(2027, 12, 31))
    stamp = Stamp(batch=batch, issue=None, serial="ABCDE12345")
    assert digital_link_url(batch) == f"http://shop.test/01/{GTIN}/10/TC%2F01?17=271231"
    assert digital_link_url(batch, stamp) == f"http://shop.test/01/{GTIN}/10/TC%2F01/21/ABCDE12345?17=271231"
    assert origin_url(batch) == f"http://shop.test/origin/01/{GTIN}/10/TC%2F01"
    assert origin_url(batch, stamp) == f"http://shop.test/origin/01/{GTIN}/10/TC%2F01/21/ABCDE12345"


def test_a_product_without_gtin_gets_a_short_path_not_a_fake_gtin(db):
    batch = make_batch(product=make_product(gtin=None), short_code="K7M2Q9XW3T")
    stamp = Stamp(batch=batch, serial="ABCDE12345")
    assert origin_url(batch) == "http://shop.test/t/K7M2Q9XW3T"
    assert stamp_url(stamp) == "http://shop.test/t/K7M2Q9XW3T/ABCDE12345"


# --- stamps ------------------------------------------------------------------------------


def test_issuing_serialized_stamps_gives_unique_random_serials(db):
    batch = make_traced_batch()
    issue, pins = issue_stamps(batch, count=300, actor=None)
    db.session.commit()
    serials = db.session.scalars(select(Stamp.serial).where(Stamp.issue_id == issue.id).order_by(Stamp.id)).all()
    assert len(serials) == len(set(serials)) == 300 and pins == {}
    assert all(len(s) == 10 and set(s) <= set(CODE_ALPHABET) for s in serials)
    assert serials != sorted(serials)  # random, not sequential


def test_issuing_with_pins_stores_only_hashes_and_returns_each_pin_once(db):
    batch = make_traced_batch()
    issue, pins = issue_stamps(batch, count=3, with_pin=True, actor=None)
    db.session.commit()
    stamps = db.session.scalars(select(Stamp).where(Stamp.issue_id == issue.id)).all()
    assert set(pins) == {s.serial for s in stamps}
    for stamp in stamps:
        assert stamp.pin_hash.startswith("pbkdf2:") and pins[stamp.serial] not in stamp.pin_hash


def test_a_failure_midway_through_issuing_leaves_no_stamp_rows(db, monkeypatch):
    batch = make_traced_batch()
    db.session.commit()
    real = stamp_services.codes.new_serial
    calls = iter(range(10_000))

    def failing_serial():
        if next(calls) == 7:
            raise RuntimeError("printer queue died")
        return real()

    monkeypatch.setattr(stamp_services, "_STAMP_CHUNK", 3)
    monkeypatch.setattr(stamp_services.codes, "new_serial", failing_serial)
    with pytest.raises(RuntimeError):
        issue_stamps(batch, count=10, actor=None)
    db.session.rollback()
    assert _count(db, Stamp) == 0 and _count(db, StampIssue) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"count": 0},
        {"count": MAX_STAMPS_PER_ISSUE + 1},
        {"count": 2, "serialized": False, "with_pin": True},
    ],
)
def test_bad_stamp_requests_are_refused(db, kwargs):
    batch = make_traced_batch()
    with pytest.raises(InvalidStampRequest):
        issue_stamps(batch, actor=None, **kwargs)
    assert _count(db, StampIssue) == 0


def test_a_recalled_batch_gets_no_new_stamps(db):
    batch = make_traced_batch()
    recall_batch(batch, reason="Thu hồi", actor=None)
    with pytest.raises(BatchRecalled):
        issue_stamps(batch, count=1, actor=None)


def test_batch_level_stamps_share_one_row_per_batch(db):
    batch = make_traced_batch()
    issue_stamps(batch, count=50, serialized=False, actor=None)
    issue_stamps(batch, count=20, serialized=False, actor=None)
    stamps = db.session.scalars(select(Stamp).where(Stamp.batch_id == batch.id)).all()
    assert [s.serial for s in stamps] == [None]


def test_the_sheet_prints_ocop_stars_only_while_the_certificate_is_valid(db):
    valid = make_traced_batch()
    expired_product = make_traced_product(gtin=None, certified=False)
    make_certificate(product=expired_product, stars=5, decision_date=date(2020, 1, 1))
    expired = make_traced_batch(product=expired_product)
    valid_issue, _ = issue_stamps(valid, count=2, actor=None)
    expired_issue, _ = issue_stamps(expired, count=2, actor=None)
    assert {label.stars for label in issue_labels(valid_issue)} == {4}
    assert {label.stars for label in issue_labels(expired_issue)} == {None}


# --- scans -------------------------------------------------------------------------------


def test_recording_scans_counts_them_and_keeps_the_first_scan_time(db, count_queries):
    batch = make_traced_batch()
    issue, _ = issue_stamps(batch, count=1, actor=None)
    stamp = issue_stamps_list(issue)[0]
    first = datetime(2026, 5, 1, 3, tzinfo=UTC)
    with count_queries() as queries:
        recording.record_scan(batch, stamp, region="VN-19", user_agent="Zalo/1.0", now=first)
    assert queries() == 2  # one UPDATE of the counters, one INSERT
    recording.record_scan(batch, stamp, region="", user_agent="Zalo/1.0", now=first + timedelta(days=1))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Stamp, stamp.id)
    assert stored.scan_count == 2 and stored.first_scanned_at == first
    assert stored.last_scanned_at == first + timedelta(days=1)
    assert [(s.region, s.user_agent) for s in db.session.scalars(select(Scan).order_by(Scan.id))] == [
        ("VN-19", "Zalo/1.0"),
        ("", "Zalo/1.0"),
    ]


def test_scans_keep_no_ip_address(db):
    columns = {c["name"] for c in inspect(db.engine).get_columns("scans")}
    assert not any("ip" in name.split("_") or "addr" in name for name in columns)


def test_a_lot_level_scan_without_stamp_is_still_recorded(db):
    batch = make_traced_batch()
    recording.record_scan(batch, None, region="", user_agent="x")
    assert db.session.scalar(select(Scan.batch_id)) == batch.id


@pytest.fixture
def stamp(db):
    issue, _ = issue_stamps(make_traced_batch(), count=1, actor=None)
    return issue_stamps_list(issue)[0]


@pytest.mark.parametrize(
    "scans, devices, expected",
    [
        (21, 1, None),  # one phone's repeats count once (the old rule counted raw scans: "count")
        (119, 1, None),
        (20, 20, None),
        (21, 21, "devices"),
    ],
)
def test_a_stamp_scanned_from_more_devices_than_the_threshold_warns(db, stamp, scans, devices, expected):
    names = many_devices(devices)
    add_scans(stamp, [""] * scans, devices=[names[i % devices] for i in range(scans)])
    assert copy_warnings.scan_warning(stamp, threshold=20) == expected


@pytest.mark.parametrize(
    "regions, hours_ago, expected",
    [
        (["VN-19", "VN-19", ""], 1, None),
        (["VN-19", "VN-01"], 1, "regions"),
        (["VN-19", "VN-01"], 30, None),
    ],
)
def test_scans_from_two_provinces_within_a_day_warn(db, stamp, regions, hours_ago, expected):
    add_scans(stamp, regions, at=datetime.now(UTC) - timedelta(hours=hours_ago))
    assert copy_warnings.scan_warning(stamp, threshold=20) == expected


def test_a_lot_level_code_never_warns(db):
    assert copy_warnings.scan_warning(None, threshold=0) is None


def test_a_pin_verifies_once(db):
    issue, pins = issue_stamps(make_traced_batch(), count=1, with_pin=True, actor=None)
    stamp = issue_stamps_list(issue)[0]
    assert verify_pin(stamp, "00000000" if pins[stamp.serial] != "00000000" else "11111111") == "wrong"
    assert stamp.pin_verified_at is None
    assert verify_pin(stamp, pins[stamp.serial]) == "valid"
    assert verify_pin(stamp, pins[stamp.serial]) == "used"
    db.session.commit()
    assert db.session.get(Stamp, stamp.id).pin_verified_at is not None


def test_a_counterfeit_report_is_saved_even_for_an_unknown_code(db):
    report = report_counterfeit(
        batch=None,
        stamp=None,
        scanned_code="/01/08934567890120/10/X",
        message="Tem in mờ",
        where_bought="Chợ Thái",
        contact="0912345678",
    )
    db.session.commit()
    stored = db.session.get(CounterfeitReport, report.id)
    assert (stored.scanned_code, stored.message, stored.status.value) == (
        "/01/08934567890120/10/X",
        "Tem in mờ",
        "open",
    )


# --- the producer's standing in the OCOP programme ----------------------------------------


def _out_of_programme(db, batch, how):
    if how == "suspended":
        batch.product.producer.status = ProducerStatus.SUSPENDED
    elif how == "pending":
        batch.product.producer.status = ProducerStatus.PENDING
    else:
        batch.product.is_hidden = True
    db.session.flush()


@pytest.mark.parametrize(
    "how, message",
    [
        ("suspended", "tạm dừng"),
        ("pending", "chưa được duyệt"),
        ("hidden", "ẩn"),
    ],
)
def test_a_producer_out_of_the_programme_cannot_publish_a_batch(db, how, message):
    batch = make_traced_batch(is_published=False)
    _out_of_programme(db, batch, how)
    with pytest.raises(NotInProgramme, match=message):
        publish_batch(batch)
    assert db.session.scalar(select(Batch.is_published).where(Batch.id == batch.id)) is False


@pytest.mark.parametrize("how", ["suspended", "pending", "hidden"])
def test_a_producer_out_of_the_programme_cannot_issue_stamps(db, how):
    batch = make_traced_batch()
    _out_of_programme(db, batch, how)
    with pytest.raises(NotInProgramme):
        issue_stamps(batch, count=3, actor=None)
    assert db.session.scalar(select(func.count()).select_from(Stamp)) == 0
    assert db.session.scalar(select(func.count()).select_from(StampIssue)) == 0

"""Stamps never call a genuine product fake: case-insensitive codes, unpublished lots, the report link."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests.factories_producer import make_producer_account, owner  # noqa: F401 (owner is a fixture)
from tests.factories_traceability import make_traced_batch, make_traced_product
from traceability.models import CounterfeitReport, Scan, Stamp
from traceability.scans.buffer import scan_buffer
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path, stamp_url

COUNTERFEIT_WORDS = ("không chính hãng", "hàng giả", "chưa được đăng ký", "sao chép")
UNPUBLISHED = "Lô hàng chưa được cơ sở công bố"


@pytest.fixture(params=["immediate", "buffered"])
def write_mode(request, app_config):
    """Both scan write modes: "buffered" lets the fast path answer plain scans before Flask."""
    app_config.update(SCAN_WRITE_MODE=request.param, SCAN_FLUSH_SECONDS=3600)
    return request.param


@pytest.fixture
def stamped(db, write_mode):
    batch = make_traced_batch(lot_code="L2026-01", short_code="WN43RTNS2J")
    issue, _ = issue_stamps(batch, count=1, actor=None)
    db.session.commit()
    return batch, issue_stamps_list(issue)[0]


def _scans(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Scan))


def _misread(serial: str) -> str:
    """The serial as a phone or a person might give it: lower case, 0 read as O, 1 as l."""
    return serial.lower().replace("0", "o").replace("1", "l")


def test_a_lower_case_short_url_answers_one_301_to_the_canonical_url(client, db, stamped):
    batch, stamp = stamped
    response = client.get(f"/t/{batch.short_code.lower()}/{_misread(stamp.serial)}?utm=zalo")
    assert response.status_code == 301
    assert response.headers["Location"] == f"http://shop.test/t/{batch.short_code}/{stamp.serial}?utm=zalo"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and stamp.serial in page.get_data(as_text=True)


def test_the_issue_example_serial_is_corrected_not_called_fake(client, db, write_mode):
    batch = make_traced_batch(lot_code="L2026-02", short_code="WN43RTNS2J")
    issue_stamps(batch, count=1, actor=None)
    stamp = db.session.scalar(select(Stamp).where(Stamp.batch_id == batch.id))
    stamp.serial = "MDA0GTTEZA"
    db.session.commit()
    response = client.get("/t/wn43rtns2j/mda0gtteza")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://shop.test/t/WN43RTNS2J/MDA0GTTEZA"
    # Only the serial lower-case (the batch code already canonical): corrected as well.
    assert client.get("/t/WN43RTNS2J/mdaogtteza").headers["Location"] == "http://shop.test/t/WN43RTNS2J/MDA0GTTEZA"
    page = client.get("/t/WN43RTNS2J/MDA0GTTEZA").get_data(as_text=True)
    assert "không chính hãng" not in page


def test_a_gs1_url_with_a_lower_case_serial_answers_301(client, db, stamped):
    _batch, stamp = stamped
    path = urlsplit(stamp_url(stamp)).path
    misread = path.rsplit("/", 1)[0] + "/" + _misread(stamp.serial)
    response = client.get(misread + "?17=271231")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://shop.test" + path + "?17=271231"  # absolute (resolver standard)


def test_a_serial_outside_crockford_is_left_as_typed_and_unknown(client, db, stamped):
    batch, _stamp = stamped
    response = client.get(f"/t/{batch.short_code}/abc-u")
    assert response.status_code == 404


def test_a_stamp_of_an_unpublished_lot_gets_a_neutral_page_and_counts_nothing(client, db, write_mode):
    batch = make_traced_batch(lot_code="L2026-03", short_code="QQQQ2222RR", is_published=False)
    issue, _ = issue_stamps(batch, count=1, actor=None)
    db.session.commit()
    stamp = issue_stamps_list(issue)[0]
    for path in (
        f"/t/{batch.short_code}/{stamp.serial}",
        origin_path(stamp.batch, stamp),
        f"/t/{batch.short_code}",
    ):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert UNPUBLISHED in page, path
        assert not any(word in page for word in COUNTERFEIT_WORDS), path
    assert _scans(db) == 0
    assert db.session.scalar(select(Stamp.scan_count).where(Stamp.id == stamp.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(CounterfeitReport)) == 0


def test_an_unknown_serial_on_an_unpublished_lot_is_still_unknown(client, db, write_mode):
    batch = make_traced_batch(lot_code="L2026-04", short_code="QQQQ3333RR", is_published=False)
    db.session.commit()
    page = client.get(f"/t/{batch.short_code}/ZZZZZZZZZZ").get_data(as_text=True)
    assert UNPUBLISHED not in page and "chưa được đăng ký" in page


def test_the_unpublished_answer_in_linkset_json_is_neutral(client, db, write_mode):
    batch = make_traced_batch(lot_code="L2026-05", short_code="QQQQ4444RR", is_published=False)
    db.session.commit()
    response = client.get(f"/t/{batch.short_code}", headers={"Accept": "application/linkset+json"})
    assert response.status_code == 404 and response.json["message"] == UNPUBLISHED


def test_every_origin_page_has_a_visible_report_link(client, db, stamped):
    batch, stamp = stamped
    for path in (
        f"/t/{batch.short_code}/{stamp.serial}",
        f"/t/{batch.short_code}",
        origin_path(stamp.batch, stamp),
    ):
        page = client.get(path).get_data(as_text=True)
        link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>Báo cáo hàng giả</a>', page)
        assert link, path
        assert link.group(1).startswith("/trace/report?code=")


@pytest.fixture
def buffered_only(app_config):
    app_config.update(SCAN_WRITE_MODE="buffered", SCAN_FLUSH_SECONDS=3600)


@pytest.mark.usefixtures("buffered_only")
def test_the_fast_path_leaves_a_misread_serial_to_flasks_301_and_counts_nothing(app, client, db):
    batch = make_traced_batch(lot_code="L2026-06", short_code="WN43RTNS2K")
    issue, _ = issue_stamps(batch, count=1, actor=None)
    db.session.commit()
    stamp = issue_stamps_list(issue)[0]
    middleware = app.extensions["scan_fast_path"]
    gs1 = origin_path(stamp.batch, stamp)
    assert client.get(gs1).status_code == 200  # Flask renders; the batch is in this worker's cache now
    assert client.get(gs1).status_code == 200 and middleware.served == 1
    for misread in (
        f"/t/{batch.short_code}/{_misread(stamp.serial)}",
        gs1.rsplit("/", 1)[0] + "/" + _misread(stamp.serial),
    ):
        assert client.get(misread).status_code == 301, misread
    assert middleware.served == 1
    scan_buffer().flush()
    assert _scans(db) == 2


def test_the_producer_previews_the_origin_page_of_an_unpublished_batch_without_a_scan(client, db, owner):
    batch = make_traced_batch(
        product=make_traced_product(producer=owner, gtin=None), lot_code="L2026-07", is_published=False
    )
    db.session.commit()
    dashboard = client.get(f"/producer/batches/{batch.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-testid="origin-preview-link"', dashboard)
    assert link and link.group(1) == f"/trace/preview/{batch.id}"
    response = client.get(link.group(1))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["X-Robots-Tag"] == "noindex"
    assert "Xem trước trang nguồn gốc" in page and "Chè Tân Cương đặc biệt" in page and "L2026-07" in page
    assert "Báo cáo hàng giả" in page
    assert _scans(db) == 0


def test_nobody_else_previews_a_producers_batch(client, db, login):
    batch = make_traced_batch(lot_code="L2026-08", is_published=False)
    stranger, _producer = make_producer_account()
    db.session.commit()
    assert client.get(f"/trace/preview/{batch.id}").status_code == 302  # to the login page
    login(stranger)
    assert client.get(f"/trace/preview/{batch.id}").status_code == 404

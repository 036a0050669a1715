"""The GS1 Digital Link resolver, origin pages, their forms and the EPCIS export, via the test client."""

import os
import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import func, select

from storefront.catalog.models import ProducerStatus
from storefront.clock import today_vn
from tests.factories import make_batch, make_product
from tests.factories_traceability import GTIN, add_scans, make_traced_batch, many_devices, page_path, scan
from traceability.batches.services import add_trace_event, recall_batch
from traceability.models import CounterfeitReport, Scan, Stamp
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_url, stamp_url

#: The test Redis of this leg (TEST_REDIS_URL), where limits are counted as in production.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
NOT_REGISTERED = "Mã này chưa được đăng ký: sản phẩm có thể không chính hãng"


@pytest.fixture(autouse=True, params=["buffered", "immediate"])
def write_mode(request, app_config):
    """Production's write mode (buffered: the scan fast path answers plain scans) and the immediate one."""
    app_config.update(SCAN_WRITE_MODE=request.param, SCAN_FLUSH_SECONDS=3600)
    return request.param


def _written(db):
    """Write this process's queued scans (buffered mode) before reading stored ones."""
    from flask import current_app

    buffer = current_app.extensions.get("scan_buffer")
    if buffer is not None:
        buffer.flush()
    db.session.expire_all()


@pytest.fixture
def traced(db):
    """A published, certified tea batch (lot L2026-01) with one serialized stamp; returns (batch, stamp)."""
    batch = make_traced_batch(lot_code="L2026-01")
    issue, _ = issue_stamps(batch, count=1, actor=None)
    stamp = issue_stamps_list(issue)[0]
    db.session.commit()
    return batch, stamp


@pytest.fixture
def region_header(app_config):
    """Trust X-Region as a proxy-set region header (off by default: clients could forge it)."""
    app_config.update(SCAN_REGION_HEADER="X-Region", TRUSTED_PROXIES=1)  # a proxy that sets the header


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _post_and_follow(client, url, data):
    """POST, then GET the redirect (the conftest client cannot follow redirects itself)."""
    response = client.post(url, data=data)
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def _scan_count(db, stamp):
    _written(db)
    return db.session.scalar(select(Stamp.scan_count).where(Stamp.id == stamp.id))


# --- resolver table ----------------------------------------------------------------------


@pytest.mark.usefixtures("region_header")
def test_a_stamp_url_shows_the_origin_page_and_counts_the_scan(client, db, traced):
    batch, stamp = traced
    response = scan(client, stamp_url(stamp), headers={"X-Region": "VN-19", "User-Agent": "Zalo"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Chè Tân Cương đặc biệt" in page and "Lần quét đầu tiên" in page and stamp.serial in page
    assert _scan_count(db, stamp) == 1
    row = db.session.scalar(select(Scan))
    assert (row.stamp_id, row.region, row.user_agent) == (stamp.id, "VN-19", "Zalo")


@pytest.mark.parametrize(
    "path, location",
    [
        (f"/gtin/{GTIN}/lot/L2026-01", f"/01/{GTIN}/10/L2026-01"),
        ("/gtin/8934567890120/lot/L2026-01?17=271231", f"/01/{GTIN}/10/L2026-01?17=271231"),
        (f"/01/{GTIN[1:]}/10/L2026-01", f"/01/{GTIN}/10/L2026-01"),
    ],
)
def test_legacy_and_short_forms_redirect_permanently_to_the_canonical_link(client, traced, path, location):
    # A trailing slash is no longer here: it is answered like the URI without it (test_gs1_conformance.py).
    response = client.get(path)
    assert response.status_code == 301 and response.headers["Location"] == "http://shop.test" + location
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/01/08934567890121/10/L2026-01",  # wrong check digit
        f"/01/{GTIN}/21/ABC/10/L2026-01",  # serial before lot
        f"/01/{GTIN}/10/L2026-01/21/{'A' * 21}",  # 21-character serial
        f"/01/{GTIN}/10/L%C3%94",  # "Ô" is outside GS1 character set 82
        f"/01/{GTIN}/10//21/ABC",  # empty segment
        f"/01/{GTIN}/99/X",  # unknown AI
        f"/01/{GTIN}/10/L2026-01?17=271332",  # no 32nd day
    ],
)
def test_bad_syntax_is_a_400_page_in_vietnamese(client, traced, path):
    response = client.get(path)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # One language a page: the parser's English reason is not on the Vietnamese page.
    assert "Mã không hợp lệ" in page and "<details" not in page and "Technical" not in page


def test_the_400_page_follows_the_users_language(client, traced):
    response = client.get("/01/08934567890121/10/L1?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'lang="en"' in page
    assert "Technical details" in page and "check digit" in page  # the parser's reason, in English on the English page


@pytest.mark.parametrize(
    "suffix, warning",
    [
        ("/10/NOPE", "Lô NOPE không được cơ sở sản xuất đăng ký"),  # unknown lot
        # unknown serial: a guessed or copied stamp
        ("/10/L2026-01/21/ZZZZZZZZZZ", "Số sê-ri ZZZZZZZZZZ không được cơ sở sản xuất đăng ký cho lô L2026-01"),
    ],
)
def test_unknown_codes_of_a_known_gtin_walk_up_with_a_page_saying_the_product_may_be_fake(
    client, db, traced, suffix, warning
):
    # Was a 404: the resolver standard asks a resolver to walk up to the GTIN (test_gs1_conformance.py).
    response = scan(client, f"/01/{GTIN}{suffix}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert warning in page and "sản phẩm có thể không chính hãng" in page and 'data-testid="report-form"' in page
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 0  # no stamp's counter moves


def test_an_unknown_gtin_is_a_404_not_a_500(client, traced):
    response = scan(client, "/01/08934567890137/10/L2026-01")
    assert response.status_code == 404 and NOT_REGISTERED in response.get_data(as_text=True)


def test_an_unpublished_batch_is_not_registered(client, db):
    batch = make_traced_batch(is_published=False)
    db.session.commit()
    assert client.get(_path(origin_url(batch))).status_code == 404


def test_link_type_pip_redirects_to_the_product_page_passing_query_parameters(client, traced):
    batch, stamp = traced
    response = client.get(_path(stamp_url(stamp)) + "&linkType=gs1:pip&utm_source=tem")
    assert response.status_code == 307
    location = response.headers["Location"]
    assert location.startswith(f"http://shop.test/products/{batch.product.slug}?")
    assert "17=" in location and "utm_source=tem" in location and "linkType" not in location


def test_link_type_certification_info_redirects_to_the_certificate(client, traced):
    batch, _stamp = traced
    response = client.get(f"/01/{GTIN}/10/L2026-01?linkType=gs1:certificationInfo")
    assert response.status_code == 307
    assert response.headers["Location"] == f"http://shop.test/products/{batch.product.slug}#cert-h"


def test_a_gtin_alone_redirects_to_the_product_page(client, traced):
    batch, _stamp = traced
    response = client.get(f"/01/{GTIN}")
    location = response.headers["Location"]
    assert response.status_code == 307 and location == f"http://shop.test/products/{batch.product.slug}"


@pytest.mark.parametrize(
    "how", [{"query_string": {"linkType": "linkset"}}, {"headers": {"Accept": "application/linkset+json"}}]
)
def test_the_linkset_lists_own_and_inherited_links(client, traced, how):
    batch, stamp = traced
    path = urlsplit(stamp_url(stamp)).path
    response = client.get(path, **how)
    assert response.status_code == 200 and response.mimetype == "application/linkset+json"
    (entry,) = response.get_json()["linkset"]
    assert entry["anchor"] == f"http://shop.test{path}"
    voc = "https://gs1.org/voc/"
    assert entry[voc + "defaultLink"][0]["href"] == f"http://shop.test/origin{path}"  # the origin page
    # Inherited from the GTIN level (product page, certificate) and the lot level (EPCIS).
    assert entry[voc + "pip"][0]["href"] == f"http://shop.test/products/{batch.product.slug}"
    assert entry[voc + "certificationInfo"][0]["href"].endswith("#cert-h")
    assert entry[voc + "epcis"][0]["href"] == f"http://shop.test/api/v1/batches/{batch.id}/epcis"
    assert {"href", "title", "type"} <= set(entry[voc + "pip"][0])


@pytest.mark.parametrize("query", ["", "?linkType=linkset", "?linkType=gs1:pip"])
def test_every_resolver_answer_carries_a_link_header_to_the_linkset(client, traced, query):
    response = client.get(f"/01/{GTIN}/10/L2026-01{query}")
    assert response.status_code in (200, 307)
    # The linkset answer adds the JSON-LD context after it (test_gs1_conformance.py).
    assert response.headers["Link"].startswith(
        f'<http://shop.test/01/{GTIN}/10/L2026-01?linkType=linkset>; rel="linkset"; type="application/linkset+json"'
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_options_answers_the_cors_preflight_without_counting_a_scan(client, db, traced):
    _batch, stamp = traced
    response = client.options(
        urlsplit(stamp_url(stamp)).path,
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert _scan_count(db, stamp) == 0


def test_head_answers_like_get_without_a_body_or_a_scan(client, db, traced):
    _batch, stamp = traced
    response = scan(client, stamp_url(stamp), method="head")
    assert response.status_code == 200 and response.data == b"" and "Link" in response.headers
    assert _scan_count(db, stamp) == 0


def test_the_well_known_file_describes_the_resolver(client):
    response = client.get("/.well-known/gs1resolver")
    data = response.get_json()
    assert response.status_code == 200 and data["resolverRoot"] == "http://shop.test"
    assert data["supportedPrimaryKeys"] == ["01"]
    assert any(t["profile"].endswith("/pip") for t in data["supportedLinkType"])


# --- short paths for products without a GTIN ---------------------------------------------


def test_a_product_without_gtin_resolves_on_the_short_path(client, db):
    batch = make_batch(product=make_product(gtin=None), short_code="K7M2Q9XW3T")
    issue, _ = issue_stamps(batch, count=1, actor=None)
    stamp = issue_stamps_list(issue)[0]
    db.session.commit()
    response = client.get(page_path(stamp_url(stamp)))
    assert response.status_code == 200 and "Lần quét đầu tiên" in response.get_data(as_text=True)
    assert client.get("/t/K7M2Q9XW3T").status_code == 200
    assert client.get("/t/k7m2q9xw3t").headers["Location"] == "http://shop.test/t/K7M2Q9XW3T"
    assert client.get("/t/K7M2Q9XW3T/ZZZZZZZZZZ").status_code == 404
    assert client.get("/t/NOPE!").status_code == 404


# --- origin page content -----------------------------------------------------------------


def test_the_origin_page_shows_what_circular_02_asks_for(client, db, traced):
    batch, stamp = traced
    page = client.get(page_path(stamp_url(stamp))).get_data(as_text=True)
    product, producer = batch.product, batch.product.producer
    for text in [
        product.name_vi,
        producer.name,
        "Xóm Nam Tiến",
        "Tân Cương",
        batch.lot_code,
        stamp.serial,
        "VietGAP",
        "Thu hoạch",
        "Chế biến",
        "Đóng gói",
        batch.growing_area_code,
        batch.production_date.strftime("%d/%m/%Y"),
        batch.packing_date.strftime("%d/%m/%Y"),
        batch.expiry_date.strftime("%d/%m/%Y"),
        "Mua trực tuyến",
        f"/products/{product.slug}",
        f"/producers/{producer.slug}",
        "1234/QĐ-UBND",
    ]:
        assert text in page, text
    assert len(re.findall(r"Mã địa điểm", page)) == len(batch.events) == 3
    assert product.images[0].filename in page


def test_the_origin_page_has_no_ocop_badge_without_a_valid_certificate(client, db):
    from tests.factories_traceability import make_traced_product

    batch = make_traced_batch(product=make_traced_product(certified=False))
    db.session.commit()
    page = client.get(_path(origin_url(batch))).get_data(as_text=True)
    assert "ocop-badge" not in page


def test_a_second_scan_says_how_many_times_and_since_when(client, db, traced):
    _batch, stamp = traced
    path = page_path(stamp_url(stamp))
    client.get(path)
    page = client.get(path).get_data(as_text=True)
    assert f"Đã quét 2 lần, lần đầu ngày {today_vn():%d/%m/%Y}" in page
    assert _scan_count(db, stamp) == 2


def test_a_stamp_scanned_too_often_warns_and_offers_the_report_form(client, db, traced, app):
    _batch, stamp = traced
    app.config["SCAN_WARNING_THRESHOLD"] = 3
    add_scans(stamp, [""] * 3, devices=many_devices(3))  # and this scan's phone is the 4th
    db.session.commit()
    path = page_path(stamp_url(stamp))
    page = client.get(path).get_data(as_text=True)
    assert "có thể đã bị sao chép" in page and 'data-testid="report-link"' in page
    link = re.search(r'href="([^"]+)" data-testid="report-link"', page).group(1).replace("&amp;", "&")
    form_page = client.get(link).get_data(as_text=True)
    assert 'data-testid="report-form"' in form_page and "csrf_token" in form_page
    assert f'value="{path}"' in form_page.replace("&amp;", "&")


@pytest.mark.usefixtures("region_header")
def test_a_stamp_scanned_in_two_provinces_within_a_day_warns(client, db, traced):
    _batch, stamp = traced
    add_scans(stamp, ["VN-01"])
    db.session.commit()
    page = client.get(page_path(stamp_url(stamp)), headers={"X-Region": "VN-19"}).get_data(as_text=True)
    assert "nhiều tỉnh khác nhau" in page


def test_with_the_default_config_a_region_header_from_the_client_is_ignored(client, db, traced):
    _batch, stamp = traced
    add_scans(stamp, ["VN-01"])
    db.session.commit()
    page = client.get(page_path(stamp_url(stamp)), headers={"X-Region": "VN-19"}).get_data(as_text=True)
    assert "có thể đã bị sao chép" not in page
    _written(db)
    regions = db.session.scalars(select(Scan.region).order_by(Scan.id)).all()
    assert regions == ["VN-01", ""]


def test_a_fresh_stamp_does_not_warn(client, traced):
    _batch, stamp = traced
    page = client.get(page_path(stamp_url(stamp))).get_data(as_text=True)
    assert "có thể đã bị sao chép" not in page and 'data-testid="report-link"' not in page


@pytest.mark.parametrize("how", ["suspended", "hidden"])
def test_a_batch_of_a_producer_out_of_the_programme_says_so_without_badge_or_buy_link(client, db, traced, how):
    batch, stamp = traced
    path = page_path(stamp_url(stamp))
    assert "ocop-badge" in client.get(path).get_data(as_text=True)  # cached while in the programme
    if how == "suspended":
        batch.product.producer.status = ProducerStatus.SUSPENDED
    else:
        batch.product.is_hidden = True
    db.session.commit()
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="not-in-programme"' in page
    assert "Nhà sản xuất này hiện không còn trong chương trình OCOP của tỉnh" in page
    assert "ocop-badge" not in page and "Mua trực tuyến" not in page and f"/products/{batch.product.slug}" not in page
    assert stamp.serial in page and "Thu hoạch" in page  # the package is real: its origin still shows
    assert _scan_count(db, stamp) == 2


@pytest.mark.parametrize("write_mode", ["immediate"], indirect=True)  # buffered: tests/integration/test_scan_buffer.py
def test_a_repeat_scan_costs_one_look_up_one_update_and_one_insert_and_sets_no_cookie(client, traced, count_queries):
    _batch, stamp = traced
    path = page_path(stamp_url(stamp))
    client.get(path)  # builds the cached description of the batch
    with count_queries() as n:
        response = client.get(path)
    assert response.status_code == 200 and "Đã quét 2 lần" in response.get_data(as_text=True)
    queries = [q for q in count_queries.statements if not q.startswith("SET LOCAL synchronous_commit")]
    assert len(queries) == 3 and n() <= 4, count_queries.statements
    assert "Set-Cookie" not in response.headers


def test_a_stage_added_after_a_scan_shows_on_the_next_scan(client, db, traced):
    batch, stamp = traced
    path = page_path(stamp_url(stamp))
    assert "Kiểm nghiệm chất lượng" not in client.get(path).get_data(as_text=True)
    add_trace_event(
        batch,
        biz_step="inspecting",
        event_time=batch.events[-1].event_time,
        read_point="LAB-TN-01",
        location_name="Trung tâm Kiểm nghiệm",
    )
    db.session.commit()
    assert "Trung tâm Kiểm nghiệm" in client.get(path).get_data(as_text=True)


def test_a_recalled_batch_shows_a_red_recall_notice(client, db, traced):
    batch, stamp = traced
    recall_batch(batch, reason="Dư lượng thuốc trừ sâu", actor=None)
    db.session.commit()
    page = client.get(page_path(stamp_url(stamp))).get_data(as_text=True)
    assert 'class="recall"' in page and "đã bị thu hồi" in page and "Dư lượng thuốc trừ sâu" in page


def test_a_recall_reason_ending_in_a_full_stop_is_not_followed_by_a_second_one(client, db, traced):
    batch, stamp = traced
    recall_batch(batch, reason="Bao bì in sai hạn sử dụng.", actor=None)
    db.session.commit()
    page = client.get(page_path(stamp_url(stamp))).get_data(as_text=True)
    assert "Bao bì in sai hạn sử dụng. Không sử dụng sản phẩm" in page and "dụng.." not in page


def test_an_expired_batch_says_so(client, db):
    batch = make_traced_batch(expiry_date=today_vn() - timedelta(days=1))
    db.session.commit()
    page = client.get(_path(origin_url(batch))).get_data(as_text=True)
    assert "đã hết hạn" in page


def test_a_batch_in_date_does_not_say_expired(client, traced):
    _batch, stamp = traced
    assert "đã hết hạn" not in client.get(page_path(stamp_url(stamp))).get_data(as_text=True)


def test_the_origin_page_with_its_css_stays_under_100_kb(client, traced):
    _batch, stamp = traced
    response = client.get(page_path(stamp_url(stamp)))
    html = response.get_data(as_text=True)
    total = len(response.data)
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        css = client.get(href)
        assert css.status_code == 200
        total += len(css.data)
        css.close()
    # Works without JavaScript: the only scripts are JSON-LD data.
    assert "<script" not in re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
    assert total < 100_000


# --- PIN and counterfeit report ----------------------------------------------------------


def test_a_pin_checks_once_on_the_origin_page(client, db):
    batch = make_traced_batch()
    issue, pins = issue_stamps(batch, count=1, with_pin=True, actor=None)
    stamp = issue_stamps_list(issue)[0]
    db.session.commit()
    code = page_path(stamp_url(stamp))
    assert 'name="pin"' in client.get(code).get_data(as_text=True)

    wrong = "0" * 8 if pins[stamp.serial] != "0" * 8 else "1" * 8
    response = _post_and_follow(client, "/trace/pin", {"code": code, "pin": wrong})
    assert "Mã PIN không đúng" in response.get_data(as_text=True)
    assert db.session.get(Stamp, stamp.id).pin_verified_at is None

    response = _post_and_follow(client, "/trace/pin", {"code": code, "pin": pins[stamp.serial]})
    assert "đây là sản phẩm chính hãng" in response.get_data(as_text=True)
    assert db.session.get(Stamp, stamp.id).pin_verified_at is not None

    response = _post_and_follow(client, "/trace/pin", {"code": code, "pin": pins[stamp.serial]})
    assert "đã được kiểm tra ngày" in response.get_data(as_text=True)


@pytest.fixture
def limits_in_redis(app_config):
    """Rate limits counted in the test Redis, as in production, under a key prefix of this test's own."""
    prefix = f"pin-test-{uuid.uuid4().hex}/"
    app_config.update(
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_PIN="1000 per minute",
        RATELIMIT_PIN_STAMP="3 per day",
    )
    yield
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)
    connection.close()


def test_wrong_pins_from_many_addresses_lock_that_stamps_pin_check_before_any_pin_is_compared(
    limits_in_redis, client, db
):
    """RATELIMIT_PIN holds one address: a stamp's PIN could be guessed from many (an IPv6 /48 is 65,536
    of them), and its buyer's genuine PIN would then read 'already checked, may not be genuine'."""
    batch = make_traced_batch()
    issue, pins = issue_stamps(batch, count=2, with_pin=True, actor=None)
    stamp, other = issue_stamps_list(issue)
    db.session.commit()

    def check(target, pin, address):
        data = {"code": page_path(stamp_url(target)), "pin": pin}
        response = client.post("/trace/pin", data=data, environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 302
        return client.get(response.headers["Location"]).get_data(as_text=True)

    wrong = [pin for pin in ("00000000", "11111111", "22222222", "33333333") if pin != pins[stamp.serial]][:3]
    for n, pin in enumerate(wrong):  # each guess from an address (and /64) of its own
        assert "Mã PIN không đúng" in check(stamp, pin, f"2001:db8:{n + 1}::1")
    page = check(stamp, pins[stamp.serial], "2001:db8:ff::1")  # even the right PIN is not compared now
    assert "tạm khoá kiểm tra PIN" in page and "đây là sản phẩm chính hãng" not in page
    assert db.session.get(Stamp, stamp.id).pin_verified_at is None
    # Another stamp of the batch is checked as before.
    assert "đây là sản phẩm chính hãng" in check(other, pins[other.serial], "2001:db8:ff::1")


def test_a_pin_without_csrf_token_is_refused(client, db):
    batch = make_traced_batch()
    issue, pins = issue_stamps(batch, count=1, with_pin=True, actor=None)
    stamp = issue_stamps_list(issue)[0]
    db.session.commit()
    response = client.post(
        "/trace/pin", data={"code": page_path(stamp_url(stamp)), "pin": pins[stamp.serial]}, csrf=False
    )
    assert response.status_code == 400 and db.session.get(Stamp, stamp.id).pin_verified_at is None


def test_a_counterfeit_report_from_the_origin_page_is_saved(client, db, traced):
    batch, stamp = traced
    code = page_path(stamp_url(stamp))
    response = client.post(
        "/trace/report",
        data={"code": code, "message": "Tem bị dán đè", "where_bought": "Chợ Đồng Quang", "contact": ""},
    )
    assert response.status_code == 302
    report = db.session.scalar(select(CounterfeitReport))
    assert (report.batch_id, report.stamp_id, report.scanned_code) == (batch.id, stamp.id, code)
    assert report.where_bought == "Chợ Đồng Quang"


def test_a_report_about_an_unregistered_code_is_saved_without_a_batch(client, db, traced):
    code = f"/01/{GTIN}/10/L2026-01/21/ZZZZZZZZZZ"
    assert 'data-testid="report-form"' in scan(client, code).get_data(as_text=True)
    client.post("/trace/report", data={"code": code, "message": "Không tra được"})
    report = db.session.scalar(select(CounterfeitReport))
    assert report.batch_id is None and report.scanned_code == code


def test_an_empty_report_is_not_saved(client, db, traced):
    response = client.post("/trace/report", data={"code": "/t/X", "message": ""})
    assert response.status_code == 200 and "error" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CounterfeitReport)) == 0


# --- EPCIS --------------------------------------------------------------------------------


def test_a_published_batch_exports_an_epcis_2_document(client, traced):
    batch, _stamp = traced
    response = client.get(f"/api/v1/batches/{batch.id}/epcis")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    doc = response.get_json()
    assert doc["@context"][0] == "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    assert (doc["type"], doc["schemaVersion"]) == ("EPCISDocument", "2.0")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", doc["creationDate"])
    events = doc["epcisBody"]["eventList"]
    # EPCIS 2.0 / CBV 2.0: the harvest is CBV "commissioning" of the material (ObjectEvent ADD),
    # processing turns it into the lot (TransformationEvent), packing observes the lot.
    assert [(e["type"], e.get("action"), e["bizStep"]) for e in events] == [
        ("ObjectEvent", "ADD", "commissioning"),
        ("TransformationEvent", None, "commissioning"),
        ("ObjectEvent", "OBSERVE", "packing"),
    ]
    first = events[0]
    assert first["eventTime"].endswith("+07:00") and first["eventTimeZoneOffset"] == "+07:00"
    # The class identifier carries no data attribute (?17=…): GTIN + lot only.
    assert events[1]["outputQuantityList"] == [
        {"epcClass": f"http://shop.test/01/{GTIN}/10/L2026-01", "quantity": batch.quantity}
    ]
    assert first["readPoint"] == {"id": "http://shop.test/api/v1/epcis/locations/VT-19-5503-001"}
    assert events[1]["ilmd"]["cbvmda:lotNumber"] == "L2026-01"
    assert "ilmd" not in events[2]


def test_an_unpublished_batch_has_no_epcis_document(client, db):
    batch = make_traced_batch(is_published=False)
    db.session.commit()
    response = client.get(f"/api/v1/batches/{batch.id}/epcis")
    assert response.status_code == 404 and response.is_json


def test_a_lot_with_a_percent_encoded_slash_resolves(client, db):
    batch = make_traced_batch(lot_code="TC/01")
    db.session.commit()
    path = _path(origin_url(batch))
    assert "/10/TC%2F01" in path
    response = client.get(path)
    assert response.status_code == 200 and "TC/01" in response.get_data(as_text=True)


def test_a_link_type_the_lot_has_no_link_of_is_a_404(client, traced):
    # Was a fall-back to the origin page: the resolver standard says 404 (test_gs1_conformance.py).
    response = client.get(f"/01/{GTIN}/10/L2026-01?linkType=gs1:review")
    assert response.status_code == 404 and 'data-testid="origin"' not in response.get_data(as_text=True)


# --- rate limit --------------------------------------------------------------------------


@pytest.fixture
def three_scans_a_minute(app_config):
    app_config["RATELIMIT_SCAN"] = "3 per minute"


@pytest.mark.usefixtures("three_scans_a_minute")
def test_scans_are_rate_limited_per_visitor_with_a_page_in_their_language(client, db, traced):
    _batch, stamp = traced
    path = page_path(stamp_url(stamp))
    codes = [client.get(path).status_code for _ in range(3)]
    refused = client.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert codes == [200, 200, 200] and refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert "Too many requests" in refused.get_data(as_text=True)
    assert _scan_count(db, stamp) == 3  # the refused look-up is not counted
    other = client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other.status_code == 200  # another visitor is not held back


def test_the_origin_page_describes_the_lot_for_search_engines(client, traced):
    import json

    batch, stamp = traced
    page = client.get(page_path(stamp_url(stamp))).get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Product" and data["name"] == "Chè Tân Cương đặc biệt"
    assert data["gtin14"] == GTIN and data["url"] == origin_url(batch)
    assert data["manufacturer"]["name"] == "HTX Chè Hảo Đạt"
    assert data["hasCertification"]["certificationIdentification"] == "1234/QĐ-UBND"
    assert data["hasCertification"]["certificationRating"]["ratingValue"] == 4

"""Copy warnings from evidence, not volume (issue 15, finding 3), on both engines and in the three write modes.

A stamp warns when more distinct devices than SCAN_WARNING_THRESHOLD scanned it (a daily-salted
hash of the address and one of DEVICES_PER_ADDRESS slots its user agent and languages pick; no IP
kept), or when a trusted proxy reports two
regions within a day. Scans over the rate limit never count; display units never warn; a
cleared warning returns only with new devices. Scans go through the HTTP client: in buffered and
queue mode plain scans are answered by the fast path (fast_path.py), in immediate mode by Flask;
each is written (queue mode: drained from Redis) before the next.
"""

import hashlib
from datetime import UTC

import pytest
from sqlalchemy import func, inspect, select, text

from storefront.accounts.models import Role
from storefront.audit.models import AuditLogEntry
from tests.factories import make_user
from tests.factories_producer import make_producer_account
from tests.factories_traceability import (
    CAMERA_SCAN,
    CROSS_SITE_LOADS,
    flush_scans,
    make_traced_batch,
    make_traced_product,
    queue_mode,
)
from traceability.models import Scan, Stamp, StampDevice
from traceability.scans import copy_warnings, recording
from traceability.scans.buffer import scan_buffer
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path

THRESHOLD = 3
ADDRESS = "203.0.113.77"
WARNING = 'data-testid="scan-warning"'


@pytest.fixture(autouse=True, params=["immediate", "buffered", "queue"])
def write_mode(request, app_config):
    if request.param == "queue":
        queue_mode(app_config)
    app_config.update(
        SCAN_WRITE_MODE=request.param,
        SCAN_FLUSH_SECONDS=3600,
        SCAN_WARNING_THRESHOLD=THRESHOLD,
        RATELIMIT_SCAN="1000 per minute",
    )
    return request.param


@pytest.fixture
def scanner(app, write_mode):
    """scan(stamp, phone=…) → page text; the scans are written (flushed) before it returns.

    Each phone has its own address unless one is given (Phone/1's is ADDRESS).
    """
    phone_client = app.test_client()  # no session cookie: in buffered mode the fast path answers

    def scan(stamp, phone="Phone/1", *, address=None, headers=None, status=200):
        address = address or _address_of(phone)
        response = phone_client.get(
            origin_path(stamp.batch, stamp),
            headers={"User-Agent": phone, "Accept-Language": "vi-VN,vi;q=0.9", **(headers or {})},
            environ_base={"REMOTE_ADDR": address},
        )
        assert response.status_code == status
        flush_scans()
        return response.get_data(as_text=True)

    yield scan
    if write_mode == "buffered":
        scan_buffer().close()  # nothing may be written after the test's tables are emptied


@pytest.fixture
def stamps(db, write_mode):
    user, producer = make_producer_account()
    batch = make_traced_batch(product=make_traced_product(producer=producer), lot_code="L2026-15")
    issue, _ = issue_stamps(batch, count=4, actor=None)
    db.session.commit()
    return user, issue_stamps_list(issue)


def _address_of(phone: str) -> str:
    if phone == "Phone/1":
        return ADDRESS
    return "10.{}.{}.{}".format(*hashlib.sha256(phone.encode()).digest()[:3])


def _stored(db, stamp) -> Stamp:
    db.session.expire_all()
    return db.session.get(Stamp, stamp.id)


def test_119_scans_from_one_phone_in_a_minute_do_not_brand_the_stamp_copied(db, stamps, scanner):
    _user, (stamp, *_rest) = stamps
    pages = [scanner(stamp) for _ in range(119)]
    assert not any(WARNING in page for page in pages)  # the old rule warned from the 4th scan (threshold 3)
    stored = _stored(db, stamp)
    assert (stored.scan_count, stored.device_count) == (119, 1)


def test_scans_from_more_distinct_phones_than_the_threshold_warn(db, stamps, scanner):
    _user, (stamp, *_rest) = stamps
    pages = [scanner(stamp, f"Phone/{n}") for n in range(THRESHOLD + 1)]
    assert not any(WARNING in page for page in pages[:THRESHOLD])
    assert WARNING in pages[THRESHOLD] and "nhiều thiết bị khác nhau" in pages[THRESHOLD]
    assert _stored(db, stamp).device_count == THRESHOLD + 1
    # The same phones again the same day add no device.
    for n in range(THRESHOLD + 1):
        scanner(stamp, f"Phone/{n}")
    assert _stored(db, stamp).device_count == THRESHOLD + 1


def test_other_addresses_are_other_devices(db, stamps, scanner):
    _user, (stamp, *_rest) = stamps
    scanner(stamp, "Phone/1")
    scanner(stamp, "Phone/1", address="198.51.100.9")
    scanner(stamp, "Phone/1", address="2001:db8:1::1")
    assert _stored(db, stamp).device_count == 3


def test_one_client_varying_its_user_agent_and_languages_cannot_brand_a_genuine_stamp_copied(app, db, stamps, scanner):
    """Made-up User-Agent and Accept-Language headers from one address were each a new device: 21
    requests (within the 60-a-minute limit) made a genuine stamp warn at the default threshold 20.
    One address now counts as at most DEVICES_PER_ADDRESS devices a day."""
    app.config["SCAN_WARNING_THRESHOLD"] = 20
    _user, (stamp, *_rest) = stamps
    pages = [
        scanner(stamp, f"Mozilla/5.0 (made up {n})", address=ADDRESS, headers={"Accept-Language": f"x-{n}"})
        for n in range(40)
    ]
    assert not any(WARNING in page for page in pages)
    stored = _stored(db, stamp)
    assert stored.scan_count == 40 and stored.device_count <= recording.DEVICES_PER_ADDRESS


def test_one_client_using_the_addresses_of_its_ipv6_64_counts_as_one_address(app, db, stamps, scanner):
    app.config["SCAN_WARNING_THRESHOLD"] = 20
    _user, (stamp, *_rest) = stamps
    pages = [scanner(stamp, "Phone/1", address=f"2001:db8:aa:bb::{n:x}") for n in range(1, 30)]
    assert not any(WARNING in page for page in pages)
    assert _stored(db, stamp).device_count == 1
    scanner(stamp, "Phone/1", address="::ffff:" + ADDRESS)  # the IPv4 address, as a dual-stack socket gives it
    scanner(stamp, "Phone/1")
    assert _stored(db, stamp).device_count == 2


def test_scans_over_the_rate_limit_never_count(app, db, stamps, scanner):
    _user, (stamp, *_rest) = stamps
    app.config["RATELIMIT_SCAN"] = "2 per minute"
    scanner(stamp, "Phone/a", address=ADDRESS)
    scanner(stamp, "Phone/a", address=ADDRESS)
    for n in range(THRESHOLD + 3):  # phones behind the same address: refused, so never counted
        scanner(stamp, f"Phone/over-{n}", address=ADDRESS, status=429)
    stored = _stored(db, stamp)
    assert (stored.scan_count, stored.device_count) == (2, 1)
    assert copy_warnings.scan_warning(stored, threshold=THRESHOLD) is None


@pytest.mark.parametrize("load", CROSS_SITE_LOADS)
def test_another_sites_page_loading_a_stamp_link_for_its_visitors_counts_no_scan(db, stamps, scanner, load):
    """A page anywhere with <img src="…stamp's link…"> (or a frame, a fetch(), a prefetch) made every
    visitor's browser scan the stamp: past the threshold a genuine stamp warned copied, and its buyer's
    own first scan read 'scanned N times, first on …'."""
    _user, (stamp, *_rest) = stamps
    pages = [scanner(stamp, f"Visitor/{n}", headers=CROSS_SITE_LOADS[load]) for n in range(THRESHOLD + 2)]
    assert not any(WARNING in page for page in pages)
    stored = _stored(db, stamp)
    assert (stored.scan_count, stored.device_count, stored.first_scanned_at) == (0, 0, None)
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 0
    assert "Lần quét đầu tiên" in scanner(stamp, "Phone/1", headers=CAMERA_SCAN)  # the buyer's scan is the first
    assert _stored(db, stamp).scan_count == 1


def test_the_scan_limit_counts_the_addresses_of_one_ipv6_64_as_one_client(app, db, stamps, scanner):
    """A client given a /64 could use a fresh address for every scan: no limit held it."""
    _user, (stamp, *_rest) = stamps
    app.config["RATELIMIT_SCAN"] = "2 per minute"
    scanner(stamp, "Phone/a", address="2001:db8:aa:bb::1")
    scanner(stamp, "Phone/a", address="2001:db8:aa:bb:1:2:3:4")
    scanner(stamp, "Phone/a", address="2001:db8:aa:bb::3", status=429)
    scanner(stamp, "Phone/a", address="2001:db8:aa:cc::1")  # another /64: another client
    assert _stored(db, stamp).scan_count == 3


def test_a_display_unit_marked_by_its_producer_never_warns(app, db, client, login, stamps, scanner):
    user, (first, second, third, fourth) = stamps
    login(user)
    page = client.get(f"/producer/batches/{first.batch_id}").get_data(as_text=True)
    assert "tem trưng bày" in page
    # A range in printing order marks the first three; the fourth stays an ordinary stamp.
    response = client.post(
        f"/producer/batches/{first.batch_id}/display-stamps",
        data={"serials": f"{first.serial}-{third.serial}", "action": "mark", "reason": "Gian hàng hội chợ"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [s.is_display for s in db.session.scalars(select(Stamp).order_by(Stamp.id))] == [True, True, True, False]
    pages = [scanner(second, f"Phone/{n}") for n in range(THRESHOLD + 5)]
    assert not any(WARNING in page for page in pages)
    assert _stored(db, second).device_count == THRESHOLD + 5  # counted all the same
    assert WARNING in [scanner(fourth, f"Phone/{n}") for n in range(THRESHOLD + 1)][-1]
    # Unmarked, the evidence counts again.
    client.post(
        f"/producer/batches/{first.batch_id}/display-stamps",
        data={"serials": second.serial, "action": "unmark", "reason": "Hết hội chợ"},
    )
    assert WARNING in scanner(second, "Phone/0")


def test_display_marking_checks_ownership_serials_and_csrf(db, client, login, stamps):
    user, (first, *_rest) = stamps
    other_user, _other = make_producer_account()
    db.session.commit()
    login(other_user)
    url = f"/producer/batches/{first.batch_id}/display-stamps"
    mark = {"serials": first.serial, "action": "mark", "reason": "Trưng bày"}
    assert client.post(url, data=mark).status_code == 404
    login.logout()
    login(user)
    assert client.post(url, data=mark, csrf=False).status_code == 400
    page = client.post(url, data={**mark, "serials": "KHONGCOTEM"}, follow_redirects=True)
    assert page.status_code == 200 and "không có tem số sê-ri KHONGCOTEM" in page.get_data(as_text=True)
    assert _stored(db, first).is_display is False


def test_marking_and_unmarking_display_stamps_is_audited_with_who_when_and_why(db, client, login, stamps):
    user, (first, second, third, _fourth) = stamps
    login(user)
    url = f"/producer/batches/{first.batch_id}/display-stamps"
    refused = client.post(url, data={"serials": first.serial, "action": "mark", "reason": " "}, follow_redirects=True)
    assert "Hãy nhập số sê-ri hoặc khoảng sê-ri và lý do." in refused.get_data(as_text=True)
    assert _stored(db, first).is_display is False
    reason = "Trưng bày tại hội chợ OCOP Thái Nguyên 2026"
    client.post(url, data={"serials": f"{first.serial}-{second.serial}", "action": "mark", "reason": reason})
    client.post(
        url, data={"serials": f"{first.serial}-{second.serial}", "action": "mark", "reason": "again"}
    )  # no change
    client.post(url, data={"serials": second.serial, "action": "unmark", "reason": "Hết hội chợ"})
    entries = db.session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action.startswith("stamp.")).order_by(AuditLogEntry.id)
    ).all()
    assert [(e.action, e.object_type, e.object_id, e.reason) for e in entries] == [
        ("stamp.mark_display", "Batch", first.batch_id, reason),
        ("stamp.unmark_display", "Batch", first.batch_id, "Hết hội chợ"),
    ]
    assert [(e.actor_id, e.actor_email) for e in entries] == [(user.id, user.email)] * 2
    assert entries[0].after == {"is_display": True, "serials": [first.serial, second.serial]}
    assert entries[1].before == {"is_display": True, "serials": [second.serial]}
    assert all(e.created_at is not None for e in entries)
    # Where the office reads the clearing of a warning: its audit log.
    office = make_user(role=Role.OFFICE)
    db.session.commit()
    login.logout()
    login(office)
    page = client.get("/office/audit?action=stamp.&object_type=Batch").get_data(as_text=True)
    assert "stamp.mark_display" in page and "stamp.unmark_display" in page and reason in page and user.email in page
    assert third.serial not in page


def test_a_producer_clears_a_false_warning_with_a_reason_and_it_is_audited(db, client, login, stamps, scanner):
    user, (stamp, *_rest) = stamps
    for n in range(THRESHOLD + 1):
        scanner(stamp, f"Phone/{n}")
    login(user)
    assert 'class="stamp-warning"' in client.get(f"/producer/batches/{stamp.batch_id}").get_data(as_text=True)
    url = f"/producer/stamps/{stamp.id}/clear-warning"
    refused = client.post(url, data={"reason": "  "}, follow_redirects=True).get_data(as_text=True)
    assert "Hãy ghi lý do gỡ cảnh báo" in refused and _stored(db, stamp).warning_cleared_at is None
    assert client.post(url, data={"reason": "Khách hàng quét thử tại hội chợ"}).status_code == 302
    stored = _stored(db, stamp)
    assert stored.warning_clear_reason == "Khách hàng quét thử tại hội chợ" and stored.warning_cleared_by_id == user.id
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "stamp.clear_warning"))
    assert (entry.actor_id, entry.object_id, entry.reason) == (user.id, stamp.id, "Khách hàng quét thử tại hội chợ")
    assert entry.created_at is not None
    # The warning is gone, for the same phones too; it returns only past THRESHOLD new phones.
    assert all(WARNING not in scanner(stamp, f"Phone/{n}") for n in range(THRESHOLD + 1))
    assert all(WARNING not in scanner(stamp, f"New/{n}") for n in range(THRESHOLD))
    assert WARNING in scanner(stamp, f"New/{THRESHOLD}")


def test_another_producer_cannot_clear_a_warning(db, client, login, stamps):
    _user, (stamp, *_rest) = stamps
    other_user, _other = make_producer_account()
    db.session.commit()
    login(other_user)
    assert client.post(f"/producer/stamps/{stamp.id}/clear-warning", data={"reason": "x"}).status_code == 404


def test_the_office_clears_a_warning_from_its_dashboard_with_a_reason(db, client, login, stamps, scanner):
    _user, (stamp, *_rest) = stamps
    for n in range(THRESHOLD + 1):
        scanner(stamp, f"Phone/{n}")
    office = make_user(role=Role.OFFICE)
    db.session.commit()
    login(office)
    assert stamp.serial in client.get("/office/").get_data(as_text=True)
    assert client.post(f"/office/stamps/{stamp.id}/clear-warning", data={"reason": ""}).status_code == 302
    assert _stored(db, stamp).warning_cleared_at is None
    client.post(f"/office/stamps/{stamp.id}/clear-warning", data={"reason": "Đã kiểm tra tại cửa hàng"})
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "stamp.clear_warning"))
    assert (entry.actor_email, entry.reason) == (office.email, "Đã kiểm tra tại cửa hàng")
    assert stamp.serial not in client.get("/office/").get_data(as_text=True)
    assert WARNING not in scanner(stamp, "Phone/0")


def test_two_regions_within_a_day_warn_when_a_trusted_proxy_names_them(app, db, stamps, scanner):
    app.config["SCAN_REGION_HEADER"] = "X-Region"
    _user, (stamp, other, *_rest) = stamps
    assert WARNING not in scanner(stamp, headers={"X-Region": "VN-19"})
    page = scanner(stamp, headers={"X-Region": "VN-01"})  # the same phone, another province: evidence
    assert WARNING in page and "nhiều tỉnh khác nhau" in page
    app.config["SCAN_REGION_HEADER"] = ""  # not configured: a client's header is never believed
    scanner(other, headers={"X-Region": "VN-19"})
    assert WARNING not in scanner(other, headers={"X-Region": "VN-01"})


def test_no_ip_address_is_stored_in_the_scan_tables(db, stamps, scanner):
    _user, (stamp, *_rest) = stamps
    scanner(stamp, "Phone/1")
    scanner(stamp, "Phone/2", address="198.51.100.9")
    for table in ("scans", "stamp_devices"):
        columns = {c["name"] for c in inspect(db.engine).get_columns(table)}
        assert not any("ip" in name.split("_") or "addr" in name or "address" in name for name in columns), table
        rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
        assert rows
        assert not any(ADDRESS in str(value) or "198.51.100.9" in str(value) for row in rows for value in row)
    devices = db.session.scalars(select(StampDevice.device_hash)).all()
    assert len(devices) == 2 and all(len(d) == 32 for d in devices)
    assert db.session.scalar(select(Scan.user_agent).limit(1)).startswith("Phone/")


def test_the_device_hash_rotates_daily_and_needs_the_secret():
    from datetime import date

    args = dict(user_agent="Phone/1", address=ADDRESS, accept_language="vi")
    today = recording.device_hash(**args, secret="s", day=date(2026, 12, 6))
    assert today == recording.device_hash(**args, secret="s", day=date(2026, 12, 6))
    assert today != recording.device_hash(**args, secret="s", day=date(2026, 12, 7))
    assert today != recording.device_hash(**args, secret="other", day=date(2026, 12, 6))


def test_regions_count_from_the_clearing_on(db, stamps):
    from datetime import datetime, timedelta

    from tests.factories_traceability import add_scans

    user, (stamp, *_rest) = stamps
    add_scans(stamp, ["VN-19", "VN-01"], at=datetime.now(UTC) - timedelta(hours=2))
    assert copy_warnings.scan_warning(stamp, threshold=THRESHOLD) == "regions"
    copy_warnings.clear_scan_warning(stamp, reason="Người bán mang hàng đi hội chợ", actor=user)
    assert copy_warnings.scan_warning(stamp, threshold=THRESHOLD) is None
    add_scans(stamp, ["VN-19"], at=datetime.now(UTC))
    assert copy_warnings.scan_warning(stamp, threshold=THRESHOLD) is None
    add_scans(stamp, ["VN-01"], at=datetime.now(UTC))
    assert copy_warnings.scan_warning(stamp, threshold=THRESHOLD) == "regions"

"""The scan fast path (traceability/fast_path.py) answers what Flask would, and leaves the rest to Flask.

Every test runs the real middleware in front of the real app on both engines, with the scan
buffer (SCAN_WRITE_MODE=buffered, the production default). Flask's answer to the same request
is had by switching the fast path off (SCAN_FAST_PATH) between requests.
"""

import re

import pytest
from sqlalchemy import create_engine, func, select, text

from storefront.columns import utcnow
from storefront.extensions import limiter, rate_limit_key
from tests.factories_traceability import CAMERA_SCAN, CROSS_SITE_LOADS, make_traced_batch
from traceability import fast_path, views
from traceability.models import Scan, Stamp
from traceability.origin import facts
from traceability.origin import page as origin_page_module
from traceability.scans.buffer import scan_buffer
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path

SCAN_INFO = re.compile(r'(data-testid="scan-info">)[^<]*<')


@pytest.fixture(autouse=True)
def buffered(app_config):
    app_config.update(SCAN_WRITE_MODE="buffered", SCAN_FLUSH_SECONDS=3600, SCAN_WARNING_THRESHOLD=3)


@pytest.fixture
def traced(db, buffered):
    """A lot with a "/" in its code (percent-encoded in URLs) and two serialized stamps."""
    batch = make_traced_batch(lot_code="L2026/09")
    issue, _ = issue_stamps(batch, count=2, actor=None)
    db.session.commit()
    return batch, issue_stamps_list(issue)


@pytest.fixture
def hits(app, monkeypatch):
    """Every count in a rate-limit bucket, by Flask-Limiter or the fast path: (limit, bucket key args)."""
    seen = []
    strategy = limiter.limiter
    hit = strategy.hit
    monkeypatch.setattr(strategy, "hit", lambda item, *args, **kw: seen.append((item, args)) or hit(item, *args, **kw))
    return seen


def _remaining(item, args) -> int:
    """What the bucket's store says is left (limits' own reading of it)."""
    return limiter.limiter.get_window_stats(item, *args).remaining


@pytest.fixture
def served(app):
    middleware = app.extensions["scan_fast_path"]
    return lambda: middleware.served


def _path(stamp) -> str:
    return origin_path(stamp.batch, stamp)


def _phone_address(number: int) -> dict:
    """Each phone its own address: one address counts as at most a few devices (recording.DEVICES_PER_ADDRESS)."""
    return {"REMOTE_ADDR": f"198.51.100.{number}"}


def _get(app, client, url, *, fast: bool, **kwargs):
    app.config["SCAN_FAST_PATH"] = fast
    return client.get(url, **kwargs)


def _flushed_counts(app, db, stamp) -> tuple[int, int]:
    scan_buffer().flush()
    db.session.expire_all()
    stored = db.session.get(Stamp, stamp.id).scan_count
    rows = db.session.scalar(select(func.count()).select_from(Scan).where(Scan.stamp_id == stamp.id))
    return stored, rows


@pytest.mark.parametrize("kind", ["GS1 serial, %2F in the lot, query kept", "GS1 lot level", "/t/ short code"])
def test_the_fast_path_answers_the_page_and_headers_flask_would(
    app, client, db, traced, served, hits, monkeypatch, kind
):
    batch, (stamp, _other) = traced
    url = {
        "GS1 serial, %2F in the lot, query kept": _path(stamp) + "?17=271231&utm_source=zalo&x=a%20b&utm_source=qr",
        "GS1 lot level": origin_path(batch),
        "/t/ short code": f"/t/{batch.short_code}/{stamp.serial}",
    }[kind]
    rendered = []
    render = origin_page_module._render_variant
    monkeypatch.setattr(origin_page_module, "_render_variant", lambda *a, **k: rendered.append(1) or render(*a, **k))
    answers, fast_rendered = [], 0
    # Flask renders each live state first (first scan, later scan, and after the third scan
    # the copy warning: threshold 3, a new phone each scan); the fast path then answers that state
    # from the stored variant.
    for number, fast in enumerate([False, False, True, False, True, False, True], start=1):
        before, renders = served(), len(rendered)
        response = _get(
            app, client, url, fast=fast, headers={"User-Agent": f"Phone/{number}"}, environ_base=_phone_address(number)
        )
        assert response.status_code == 200
        assert served() - before == (1 if fast else 0), number
        fast_rendered += (len(rendered) - renders) if fast else 0
        answers.append(response)
    assert fast_rendered == 0  # the fast answers filled stored variants: the comparison below is not Flask vs Flask

    def page(response):  # the scan counter line is checked on its own below
        return SCAN_INFO.sub(r"\1…<", response.get_data(as_text=True))

    def headers(response):  # in order
        return list(response.headers.items())

    # Same live state, one answered by each: scans 2 and 3 (no warning), 4 and 5, 6 and 7 (warning).
    for flask_answer, fast_answer in [(answers[1], answers[2]), (answers[3], answers[4]), (answers[5], answers[6])]:
        assert page(fast_answer) == page(flask_answer)
        assert headers(fast_answer) == headers(flask_answer)
    lot_level = kind == "GS1 lot level"
    if not lot_level:
        assert 'data-testid="scan-warning"' not in answers[2].get_data(as_text=True)
        assert 'data-testid="scan-warning"' in answers[4].get_data(as_text=True)
        texts = [re.search(r'data-testid="scan-info">([^<]*)<', a.get_data(as_text=True)).group(1) for a in answers]
        assert texts[0] == "Lần quét đầu tiên"
        assert [t.split(" lần")[0] for t in texts[1:]] == [f"Đã quét {n}" for n in range(2, 8)]
    # Each phone's address its bucket whoever answers, counted once a request; no limit headers (storefront/__init__.py).
    assert len(hits) == 7 and len({args for _item, args in hits}) == 7
    assert all(_remaining(item, args) == item.amount - 1 for item, args in hits)
    assert not any(name.startswith("X-RateLimit") or name == "Retry-After" for name, _ in answers[2].headers.items())
    assert all(a.headers["Link"].endswith('rel="linkset"; type="application/linkset+json"') for a in answers)
    if not lot_level:
        assert _flushed_counts(app, db, stamp) == (7, 7)


@pytest.mark.parametrize(
    "query",
    [
        "?a=1&17=271231&note=%C4%91%E1%BB%8F&empty=&a=2&flag",  # encoded and empty values; "a" twice (Flask groups)
        "?&",  # a query of empty pairs only
    ],
)
def test_the_report_link_and_language_links_are_those_flask_builds(app, client, traced, served, query):
    _batch, (stamp, _other) = traced
    url = _path(stamp) + query
    # The 4th and 5th phones' scans warn, with the report link.
    for number, fast in enumerate((False, False, False, True, False)):
        response = _get(
            app, client, url, fast=fast, headers={"User-Agent": f"Phone/{number}"}, environ_base=_phone_address(number)
        )
    flask_links = re.findall(r'href="([^"]*(?:report|lang=)[^"]*)"', response.get_data(as_text=True))
    before = served()
    fast_links = re.findall(
        r'href="([^"]*(?:report|lang=)[^"]*)"',
        _get(app, client, url, fast=True, headers={"User-Agent": "Phone/6"}, environ_base=_phone_address(6)).get_data(
            as_text=True
        ),
    )
    assert served() == before + 1
    assert any("/trace/report?code=" in link for link in flask_links)
    assert fast_links == flask_links


def test_a_recall_made_by_another_worker_shows_on_the_next_fast_scan(app, client, db, traced, served, database_url):
    batch, (stamp, _other) = traced
    assert _get(app, client, _path(stamp), fast=True).status_code == 200  # Flask: renders the cached view
    # Another worker's change: no flush in this process, so this worker's page cache still holds the batch.
    other_worker = create_engine(database_url)
    with other_worker.begin() as connection:
        connection.execute(
            text("UPDATE batches SET recalled_at = :now, recall_reason = 'Nấm mốc' WHERE id = :id"),
            {
                "now": utcnow().replace(tzinfo=None) if other_worker.dialect.name == "sqlite" else utcnow(),
                "id": batch.id,
            },
        )
    other_worker.dispose()
    before = served()
    html = client.get(_path(stamp)).get_data(as_text=True)
    assert served() == before + 1
    assert "Nấm mốc" in html


def test_a_camera_scan_that_sends_fetch_metadata_is_answered_by_the_fast_path(client, traced, served):
    _batch, (stamp, _other) = traced
    client.get(_path(stamp))  # the batch is in the worker's page cache from here on
    before = served()
    assert client.get(_path(stamp), headers=CAMERA_SCAN).status_code == 200
    assert served() == before + 1


@pytest.mark.parametrize(
    "case",
    [
        "session cookie",
        "session cookie after a malformed one",
        "?lang=en",
        "?%6Cang=en (encoded key)",
        "?lang (no value)",
        "?link%54ype=linkset (encoded key)",
        "?linkType=linkset",
        "Accept: linkset",
        "HEAD",
        "GTIN-13 (not canonical)",
        "lower-case short code",
        "unknown serial",
        "trailing slash",
        "PIN not yet checked",
        "another site's image",
    ],
)
def test_what_the_fast_path_leaves_to_flask(app, client, db, traced, served, case):
    batch, (stamp, _other) = traced
    client.get(_path(stamp))  # the batch is in the worker's page cache from here on
    if case == "PIN not yet checked":
        issue, _pins = issue_stamps(batch, count=1, with_pin=True, actor=None)
        db.session.commit()
        stamp = issue_stamps_list(issue)[0]
    path, short = _path(stamp), f"/t/{batch.short_code}/{stamp.serial}"
    request = {
        "session cookie": lambda: (client.set_cookie("session", "anything"), client.get(path))[1],
        "session cookie after a malformed one": lambda: app.test_client(use_cookies=False).get(
            path, headers={"Cookie": "a=b;; session=x"}
        ),
        "?lang=en": lambda: client.get(path + "?lang=en"),
        "?%6Cang=en (encoded key)": lambda: client.get(path + "?%6Cang=en"),
        "?lang (no value)": lambda: client.get(path + "?utm=1&lang"),
        # A linkset is asked of the resolver: /t/ answers it; /origin/… is always the page.
        "?link%54ype=linkset (encoded key)": lambda: client.get(short + "?link%54ype=linkset"),
        "?linkType=linkset": lambda: client.get(short + "?linkType=linkset"),
        "Accept: linkset": lambda: client.get(short, headers={"Accept": "application/linkset+json"}),
        "HEAD": lambda: client.head(path),
        "GTIN-13 (not canonical)": lambda: client.get(path.replace("/01/0", "/01/", 1)),
        "lower-case short code": lambda: client.get(f"/t/{batch.short_code.lower()}/{stamp.serial}"),
        "unknown serial": lambda: client.get(path.rsplit("/", 1)[0] + "/ZZZZZZZZZZ"),
        "trailing slash": lambda: client.get(f"/t/{batch.short_code}/{stamp.serial}/"),
        "PIN not yet checked": lambda: client.get(path),
        "another site's image": lambda: client.get(path, headers=CROSS_SITE_LOADS["image"]),
    }[case]
    before = served()
    response = request()
    assert served() == before
    expected = {
        "session cookie": (200, "text/html"),
        "session cookie after a malformed one": (200, "text/html"),
        "?lang=en": (200, "text/html"),
        "?%6Cang=en (encoded key)": (200, "text/html"),
        "?lang (no value)": (200, "text/html"),
        "?link%54ype=linkset (encoded key)": (200, "application/linkset+json"),
        "?linkType=linkset": (200, "application/linkset+json"),
        "Accept: linkset": (200, "application/linkset+json"),
        "HEAD": (200, "text/html"),
        "GTIN-13 (not canonical)": (301, None),
        "lower-case short code": (301, None),
        "unknown serial": (200, "text/html"),  # the walk-up page (test_gs1_conformance.py)
        "trailing slash": (404, "text/html"),
        "PIN not yet checked": (200, "text/html"),
        "another site's image": (200, "text/html"),  # not counted (test_scan_copy_warnings.py)
    }[case]
    assert response.status_code == expected[0]
    if expected[1]:
        assert response.content_type.startswith(expected[1])
    if case in ("?lang=en", "?%6Cang=en (encoded key)"):
        assert '<html lang="en">' in response.get_data(as_text=True)
        assert "session=" in response.headers.get("Set-Cookie", "")  # the choice sticks, as Flask keeps it
    # What the fast path serves afterwards is still the Vietnamese page (no variant was rendered in English).
    app.config["SCAN_FAST_PATH"] = True
    client.delete_cookie("session")
    before = served()
    plain = client.get(_path(traced[1][1]))
    assert served() == before + 1 and '<html lang="vi">' in plain.get_data(as_text=True)
    if case == "PIN not yet checked":
        assert 'name="pin"' in response.get_data(as_text=True)  # the form carries this visitor's CSRF token
    if case == "unknown serial":
        assert "không được cơ sở sản xuất đăng ký" in response.get_data(as_text=True)


def test_a_request_left_to_flask_after_the_limit_was_counted_is_not_counted_again(
    app, client, db, traced, served, hits, monkeypatch
):
    batch, (stamp, _other) = traced
    issue, _pins = issue_stamps(batch, count=1, with_pin=True, actor=None)
    db.session.commit()
    pin_stamp = issue_stamps_list(issue)[0]
    look_ups = []
    find_origin = facts.find_origin
    monkeypatch.setattr(facts, "find_origin", lambda **kw: look_ups.append(kw) or find_origin(**kw))
    paths = [_path(stamp), _path(stamp), _path(pin_stamp), _path(stamp).rsplit("/", 1)[0] + "/ZZZZZZZZZZ", _path(stamp)]
    answers = []
    for path in paths:
        del look_ups[:]
        client.delete_cookie("session")  # each scan from another phone (a form's CSRF token sets one)
        answers.append(client.get(path))
        if path.endswith("ZZZZZZZZZZ"):
            assert len(look_ups) == 1  # Flask answered the walk-up page without looking again
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200]
    assert served() == 2
    assert 'name="pin"' in answers[2].get_data(as_text=True)
    assert len(hits) == 5 and len({args for _item, args in hits}) == 1  # once a request, in one bucket
    assert _remaining(*hits[0]) == hits[0][0].amount - 5


def test_over_the_scan_limit_flask_answers_429_and_nothing_more_is_counted(app, client, db, traced, served):
    app.config["RATELIMIT_SCAN"] = "3 per minute"
    _batch, (stamp, _other) = traced
    statuses = [client.get(_path(stamp)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert served() == 2  # the first renders the batch (Flask), the 429 is Flask-Limiter's page
    assert _flushed_counts(app, db, stamp) == (3, 3)


def test_a_second_scan_limit_is_counted_by_the_fast_path_as_flask_limiter_counts_it(
    app, client, db, traced, served, hits
):
    """Several limits ("per minute;per hour"): the fast path still answers, counts each, and the
    request over the tighter one is Flask-Limiter's 429, counted in no bucket twice."""
    app.config["RATELIMIT_SCAN"] = "1000 per minute;4 per hour"
    _batch, (stamp, _other) = traced
    answers = [client.get(_path(stamp)) for _ in range(4)]
    # Both limits, one count each a request, whoever answered: 1 by Flask (it renders the batch), 3 fast.
    assert sorted((item.amount, _remaining(item, args)) for item, args in set(hits)) == [(4, 0), (1000, 996)]
    answers.append(client.get(_path(stamp)))
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert served() == 3  # every scan but the first (Flask renders the batch) and the 429
    assert "Retry-After" in answers[-1].headers  # the refusal says when to come back (errors.py)
    assert _flushed_counts(app, db, stamp) == (4, 4)


@pytest.mark.parametrize("route", ["/origin/01/…", "/t/…"])
def test_the_fast_path_counts_in_the_bucket_flask_limiter_keys(app, client, traced, served, hits, monkeypatch, route):
    """Keyed as Flask-Limiter keys the route (the app's RATELIMIT_KEY_PREFIX and key function): a
    fast scan and a Flask scan of one client count in one bucket, another prefix starts another."""
    batch, (stamp, _other) = traced
    url = _path(stamp) if route == "/origin/01/…" else f"/t/{batch.short_code}/{stamp.serial}"
    app.config["RATELIMIT_KEY_PREFIX"] = "shop-b/"
    # The key function decides who the client is: here every address is one client.
    monkeypatch.setattr(
        type(rate_limit_key),
        "for_environ",
        staticmethod(lambda config, environ: config["RATELIMIT_KEY_PREFIX"] + "one"),
    )

    def remaining(fast: bool, address: str) -> int:
        response = _get(app, client, url, fast=fast, environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200
        return _remaining(*hits[-1])

    counts = [remaining(False, "10.0.0.1")]  # Flask renders and caches the batch's page
    counts += [remaining(True, "10.0.0.2"), remaining(False, "10.0.0.3"), remaining(True, "10.0.0.4")]
    assert served() == 2
    assert counts == [999, 998, 997, 996]
    app.config["RATELIMIT_KEY_PREFIX"] = "shop-c/"
    assert [remaining(True, "10.0.0.5"), remaining(False, "10.0.0.6"), remaining(True, "10.0.0.7")] == [999, 998, 997]
    assert served() == 4


def test_an_error_after_the_scan_is_counted_gives_the_500_page_and_counts_once(app, client, db, traced, monkeypatch):
    _batch, (stamp, _other) = traced
    client.get(_path(stamp))

    def broken(*args, **kwargs):
        raise RuntimeError("page assembly failed")

    flask_views = []
    origin_page = views._origin_page
    monkeypatch.setattr(origin_page_module, "fill_slots", broken)
    monkeypatch.setattr(views, "_origin_page", lambda *a, **k: flask_views.append(1) or origin_page(*a, **k))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not the traceback
    response = client.get(_path(stamp))
    assert response.status_code == 500
    assert flask_views == []  # the fast path failed, and Flask's view never ran for this request
    assert "Lỗi" in response.get_data(as_text=True) or "lỗi" in response.get_data(as_text=True)
    assert _flushed_counts(app, db, stamp) == (2, 2)  # not run again by Flask


def test_a_host_outside_trusted_hosts_gets_flasks_400(app, client, traced, served):
    _batch, (stamp, _other) = traced
    app.config["TRUSTED_HOSTS"] = ["shop.test"]
    client.get(_path(stamp), headers={"Host": "shop.test"})
    before = served()
    assert client.get(_path(stamp), headers={"Host": "evil.example"}).status_code == 400
    assert client.get(_path(stamp), headers={"Host": "shop.test"}).status_code == 200
    assert served() == before + 1


def test_switched_off_or_immediate_writes_every_scan_goes_through_flask(app, client, traced, served):
    _batch, (stamp, _other) = traced
    app.config["SCAN_FAST_PATH"] = False
    for _ in range(2):
        assert client.get(_path(stamp)).status_code == 200
    app.config.update(SCAN_FAST_PATH=True, SCAN_WRITE_MODE="immediate")
    assert client.get(_path(stamp)).status_code == 200
    assert served() == 0


@pytest.mark.parametrize(
    "accept, leaves_to_flask",
    [
        ("", False),
        ("*/*", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", False),
        ("application/linkset+json", True),
        ("application/*", True),  # a linkset matches it and text/html does not
        ("text/html;q=0.1, application/linkset+json", True),
        ("image/png", True),  # neither: Flask decides
    ],
)
def test_which_accept_headers_flask_must_read(accept, leaves_to_flask):
    assert fast_path._may_want_linkset(accept) is leaves_to_flask


@pytest.mark.parametrize(
    "header, present",
    [
        ("session=abc", True),
        ("theme=dark; session=abc", True),
        ("theme=dark", False),
        ("my_session=abc", False),
        ('session="a b"; x=1', True),
        # Malformed pairs before it: werkzeug (so Flask) still finds it.
        ("a=b;; session=x", True),
        ("a=b; [x]=1; session=x", True),
        ('a=b; c="d; session=x', True),
    ],
)
def test_the_session_cookie_is_found_in_the_cookie_header(header, present):
    assert fast_path._has_cookie(header, "session") is present


@pytest.mark.parametrize(
    ("cookie", "fast"),
    [("session=\x00\xff", False), ("a=\xc3\xa9\xff; session=x", False), ("theme=\xff\xfe", True)],
)
def test_a_cookie_header_that_is_not_utf8_is_answered_not_a_500(app, traced, served, cookie, fast):
    """Bytes that are not UTF-8 in the Cookie header (the environ holds them as latin-1) once raised
    UnicodeDecodeError in the fast path, a bare 500 on every scan; Flask reads such a header."""
    _batch, (stamp, _other) = traced
    browser = app.test_client(use_cookies=False)
    browser.get(_path(stamp))  # the batch is in the worker's page cache from here on
    for path in (_path(stamp), _path(stamp).removeprefix("/origin")):
        before = served()
        response = browser.get(path, headers={"Cookie": cookie})
        assert response.status_code == (200 if path.startswith("/origin") else 307)
        assert served() == before + (1 if fast else 0)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?17=271231&utm_source=zalo&x=a%20b&utm_source=qr",  # "utm_source" twice (Flask groups them)
        "?a=1&note=%C4%91%E1%BB%8F&empty=&flag",
        "?&",
    ],
)
@pytest.mark.parametrize("level", ["serial", "lot", "serial, trailing slash"])
def test_the_fast_path_answers_the_resolvers_307_as_flask_does(app, client, traced, served, hits, query, level):
    """A phone's scan of the Digital Link: the same 307, byte for byte, whoever answers it."""
    batch, (stamp, _other) = traced
    uri = origin_path(batch, None if level == "lot" else stamp).removeprefix("/origin")
    uri += "/" if "trailing" in level else ""
    answers = []
    for fast in (False, True, False, True):
        before = served()
        answers.append(_get(app, client, uri + query, fast=fast))
        assert served() - before == (1 if fast else 0)
    assert all(a.status_code == 307 for a in answers)
    for flask_answer, fast_answer in [(answers[0], answers[1]), (answers[2], answers[3])]:
        assert fast_answer.get_data() == flask_answer.get_data() == b""
        assert list(fast_answer.headers.items()) == list(flask_answer.headers.items())
    location = answers[1].headers["Location"]
    assert location.startswith("http://shop.test/origin/01/")
    assert location.split("?")[0] == "http://shop.test" + origin_path(batch, None if level == "lot" else stamp)
    assert "linkType=linkset" in answers[1].headers["Link"] and 'rel="linkset"' in answers[1].headers["Link"]
    assert len(hits) == 4 and len({args for _item, args in hits}) == 1  # one bucket whoever answers
    assert _remaining(*hits[0]) == hits[0][0].amount - 4

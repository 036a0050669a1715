"""Another site's page that loads a stamp's link for each of its visitors counts no scan.

Any page could carry <img src="…a stamp's link…"> (or a frame, or a fetch()): every visitor's
browser scanned the stamp, each a new device, until the genuine stamp warned copied and its
buyer read 'scanned N times'. Chromium says what loads a URL (Fetch Metadata); only a person
opening the link counts (traceability/origin/page.py, is_scan). The other site is a second
loopback server named localhost, which to the browser is another site than 127.0.0.1.
"""

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from tests.factories_traceability import make_traced_batch
from traceability.models import Stamp
from traceability.scans.buffer import scan_buffer
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import stamp_url


@pytest.fixture(params=["immediate", "buffered"])
def app_config(request):
    return {"SCAN_WRITE_MODE": request.param, "SCAN_FLUSH_SECONDS": 3600}


@pytest.fixture
def other_site():
    """(set_page(html), its URL): a page served from http://localhost:<port>/."""
    html = {"body": ""}

    def wsgi(environ, start_response):
        return Response(html["body"], mimetype="text/html")(environ, start_response)

    server = make_server("localhost", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield (lambda body: html.update(body=body)), f"http://localhost:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=5)


def _counted(app, db, stamp) -> int:
    if app.config["SCAN_WRITE_MODE"] == "buffered":
        scan_buffer().flush()
    db.session.expire_all()
    return db.session.get(Stamp, stamp.id).scan_count


def test_a_stamp_link_loaded_by_another_sites_page_is_no_scan_but_opening_it_is(app, live_server, page, db, other_site):
    batch = make_traced_batch(lot_code="L2026-IMG")
    issue, _pins = issue_stamps(batch, count=1, actor=None)
    stamp = issue_stamps_list(issue)[0]
    db.session.commit()
    url = stamp_url(stamp)
    set_page, other_url = other_site
    set_page(
        f'<!doctype html><title>Tin tức</title><img alt="" src="{url}"><iframe src="{url}"></iframe>'
        f"<script>fetch({url!r}, {{mode: 'no-cors'}})</script>"
    )
    loads = []  # how the browser said it loaded each origin page answered (Sec-Fetch-Dest)
    served = app.wsgi_app

    def recording(environ, start_response):
        body = served(environ, start_response)  # the page and its scan, if it counted one
        if environ["PATH_INFO"].startswith("/origin/01/"):
            loads.append(environ.get("HTTP_SEC_FETCH_DEST"))
        return body

    app.wsgi_app = recording
    page.goto(other_url)
    for _ in range(100):  # the frame and the fetch may still be on their way when the page has loaded
        if {"image", "iframe", "empty"} <= set(loads):
            break
        page.wait_for_timeout(100)
    # The browser did load the origin page three ways (image, frame, fetch), each answered.
    assert {"image", "iframe", "empty"} <= set(loads)
    assert _counted(app, db, stamp) == 0

    page.goto(url)  # the buyer opens the link: the scan
    expect(page.get_by_test_id("scan-info")).to_have_text("Lần quét đầu tiên")
    assert _counted(app, db, stamp) == 1

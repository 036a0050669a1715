"""Browser fixtures: the app on a loopback port, Debian's Chromium driven by Playwright."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
#: Screenshots of failed journeys; scripts/test.sh gives each of its concurrent legs its own folder.
ARTIFACTS = Path(__file__).resolve().parents[2] / os.environ.get("TEST_ARTIFACTS_DIR", "test-artifacts")


def pytest_collection_modifyitems(config, items):
    """Mark every test here `browser`; skip them, saying so, only when no Chromium exists."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not os.path.exists(CHROMIUM):
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}; apt-get install chromium"))


class _ClosingHandler(WSGIRequestHandler):
    """Close the response when the browser drops the connection mid-response.

    werkzeug's development server closes the response body only after draining the socket, and
    that drain raises ConnectionResetError when Chromium has already reset the connection (a
    cancelled favicon or image), so a static file's handle was left to the garbage collector and
    its ResourceWarning failed whichever test was running.
    """

    def connection_dropped(self, error, environ=None):
        body = (environ or {}).get("tests.response_body")
        if hasattr(body, "close"):
            body.close()


def _remember_body(app):
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        environ["tests.response_body"] = body
        return body

    return wsgi


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, _remember_body(app), threaded=True, request_handler=_ClosingHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """Serve this test's app (same database) from a thread; commit test data before use."""
    app.config["PUBLIC_BASE_URL"] = None  # set below once the port is known
    server = LiveServer(app)
    app.config["PUBLIC_BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _new_page(browser, request, **context_options):
    context = browser.new_context(locale="vi-VN", **context_options)
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(_browser, request):
    """A phone-sized page (390×844, touch), Vietnamese locale."""
    yield from _new_page(_browser, request, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


@pytest.fixture
def desktop_page(_browser, request):
    yield from _new_page(_browser, request, viewport={"width": 1280, "height": 900})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


@pytest.fixture
def two_products(db):
    """A tea and a noodle from two producers, five of each in stock."""
    from tests.factories import make_producer, make_product

    tea = make_product(
        producer=make_producer(name="HTX Chè Hảo Đạt"), name_vi="Chè tôm nõn", price_vnd=380_000, on_hand=5
    )
    noodles = make_product(
        producer=make_producer(name="HTX Miến Việt Cường"), name_vi="Miến dong Việt Cường", price_vnd=60_000, on_hand=5
    )
    db.session.commit()
    return tea, noodles

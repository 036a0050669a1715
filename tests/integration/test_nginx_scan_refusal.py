"""The shipped nginx site (deploy/nginx/ocop.conf) refusing a burst of scans before the app says when
to come back (Retry-After), as the app's own 429 does; the app's 429 passes through untouched.

Runs the real nginx (skipped where none is installed) in front of a stand-in app server on loopback.
"""

import http.server
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.topology import test_topology as topology

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_PORT, APP_PORT = 8714, 8715

pytestmark = pytest.mark.skipif(not os.access(NGINX, os.X_OK), reason="no nginx installed")


class _App(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # /t/… answers its page; /t/limited answers the app's own 429
        limited = self.path.startswith("/t/limited")
        self.send_response(429 if limited else 200)
        if limited:
            self.send_header("Retry-After", "42")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def nginx(tmp_path, monkeypatch):
    monkeypatch.setattr(topology, "NGINX_PORT", NGINX_PORT)
    monkeypatch.setattr(topology, "APP_PORTS", (APP_PORT,))
    (tmp_path / "site.conf").write_text(topology.nginx_site(tmp_path))
    temp = "".join(
        f"{kind}_temp_path {tmp_path}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\naccess_log off;\n{temp}include {tmp_path}/site.conf;\n}}\n"
    )
    app = http.server.ThreadingHTTPServer(("127.0.0.1", APP_PORT), _App)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")])
    try:
        topology.wait_port(NGINX_PORT, proc, tmp_path / "error.log", seconds=10)
        yield f"http://127.0.0.1:{NGINX_PORT}"
    finally:
        proc.terminate()
        proc.wait(10)
        app.shutdown()
        app.server_close()


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers


@pytest.mark.parametrize("path", ["/t/ABCD2345", "/01/08936012345674/10/L1"])
def test_a_scan_burst_refused_by_nginx_says_when_to_come_back(nginx, path):
    answers = [_get(nginx + path) for _ in range(80)]  # past 20 a second with a burst of 40
    refused = [headers for status, headers in answers if status == 429]
    assert refused and [status for status, _ in answers[:40]] == [200] * 40
    assert all(int(headers["Retry-After"]) >= 1 for headers in refused)
    time.sleep(1.1)  # the zone lets the visitor in again
    assert _get(nginx + path)[0] == 200


def test_the_apps_own_429_passes_through_nginx_untouched(nginx):
    status, headers = _get(nginx + "/t/limited")
    assert status == 429 and headers["Retry-After"] == "42"

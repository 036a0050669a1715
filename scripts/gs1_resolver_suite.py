"""Run GS1's own resolver test suite against the shop as deployed, and print its verdicts.

GS1's suite (github.com/gs1/GS1DL-resolver-testsuite, Apache-2.0; hosted at
https://ref.gs1.org/test-suites/resolver/) is JavaScript that runs in a browser and asks a PHP
helper (its tester.php, PHP + curl) to make the HTTP requests it cannot make from a page. It is
published on GitHub only (not on PyPI, npm or Debian), so CI, which reaches only those, cannot
fetch it, and this repository does not carry a copy. Check it out beside the project and run:

    .venv/bin/python scripts/gs1_resolver_suite.py --suite ../GS1DL-resolver-testsuite \\
        --linkset ../linkset --webvoc ../WebVoc

--linkset is a checkout of github.com/gs1/linkset (the gs1-linkset-schema.json the suite validates
linksets against), --webvoc one of github.com/gs1/WebVoc (the GS1 Web Vocabulary: the suite checks
every gs1: link type against the ratified list ref.gs1.org serves from it). Debian packages needed:
php-cli, php-curl, nginx-light, chromium.

What runs, all on loopback: the demo shop (`flask seed-demo`, SQLite) in gunicorn in production
settings, behind the shipped nginx site (deploy/nginx/ocop.conf) with TLS on a self-signed
certificate; tester.php unchanged in PHP's built-in server, trusting that certificate; the suite's
page in Chromium. The browser answers the suite's requests to GS1's own hosts from the checkouts
above (the page at ref.gs1.org/test-suites/resolver/, tester.php at philarcher.org, the linkset
schema at gs1.github.io, the link-type list at ref.gs1.org/voc/data/linktypes) and sends
everything else to the real servers. Ajv (the validator the page loads) comes from npm (ajv-dist,
pinned). GS1's resolver description-file schema (ref.gs1.org/standards/resolver/
description-file-schema) is in no public repository: the suite's `rdFile` check cannot validate
against it offline and is reported as not run; tests/integration/test_gs1_conformance.py checks
the file against the standard's text instead.

The suite runs once per URI: the GTIN, a lot and a serialised stamp of the demo catalogue, and a lot
nobody registered (the walk-up case). Exit status 0 when every check passes or only warns.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.fetch_standards import fetch_npm_member
from tests.gunicorn_server import free_ports
from tests.servers import nginx_main_conf, stop_process_groups, wait_port

ROOT = Path(__file__).resolve().parent.parent
AJV = (
    "https://registry.npmjs.org/ajv-dist/-/ajv-dist-8.17.1.tgz",
    "sha512-KzJwANMzTTR/RERGnkx+bHzmxIfMTPMMv7+cH1d6Lx9UQ7BZyhiieq4hnO5lRuBWOtYTUL8hyWs7RJYI/45Rtg==",
    "package/dist/ajv7.min.js",
    ROOT / ".cache" / "standards" / "ajv7.min.js",
)
PAGE = "https://ref.gs1.org/test-suites/resolver/"
TESTER = "https://philarcher.org/gs1/tester.php"
LINKSET_SCHEMA = "https://gs1.github.io/linkset/gs1-linkset-schema.json"
LINKTYPES = "https://ref.gs1.org/voc/data/linktypes"
DESCRIPTION_SCHEMA = "https://ref.gs1.org/standards/resolver/description-file-schema"
# The page comes from GS1's public host and the resolver is on loopback here (on the internet both are
# public): Chromium's local-network-access rule would refuse the page's own requests to the resolver.
LOOPBACK_AS_PUBLIC = "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests"
# The suite's check whose yardstick is not published anywhere this script can read (see above): not
# run when the suite says it found the file and could not fetch the schema; a fail otherwise.
NOT_RUN = {
    "rdFile": (
        "Resolver description file found but does not validate against the official GS1 schema. "
        "Error(s): Unable to fetch schema",
        "found and parsed; GS1's description-file schema is only at ref.gs1.org (checked by the tests)",
    )
}

DEMO_URIS = r"""
import json
from storefront import create_app
from storefront.extensions import db
from traceability.models import Stamp
app = create_app()
with app.app_context():
    stamp = db.session.scalars(db.select(Stamp).where(Stamp.serial.is_not(None)).order_by(Stamp.id)).first()
    batch = stamp.batch
    print(json.dumps({"gtin": batch.product.gtin, "lot": batch.lot_code, "serial": stamp.serial}))
"""

HARNESS = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>GS1 resolver test suite</title>
<script src="GS1DigitalLinkToolkit.js"></script><script src="ajv7.min.js"></script>
<script src="GS1DigitalLinkResolverTestSuite.js"></script></head>
<body><img id="rotatingcircle" alt=""><div id="gs1ResolverTests"></div></body></html>"""


def link_types(webvoc: Path) -> dict:
    """The ratified link types as ref.gs1.org/voc/data/linktypes lists them: every stable
    sub-property of gs1:linkType in the newest vocabulary of the checkout, keyed by its name."""
    newest = max(webvoc.glob("v*/gs1Voc.jsonld"), key=lambda p: tuple(int(n) for n in p.parent.name[1:].split(".")))
    graph = json.loads(newest.read_text(encoding="utf-8-sig"))["@graph"]
    listed = {}
    for term in graph:
        parents = term.get("rdfs:subPropertyOf") or []
        parents = parents if isinstance(parents, list) else [parents]
        if {"@id": "gs1:linkType"} in parents and term.get("sw:term_status") != "deprecated":
            label = term.get("rdfs:label") or {}
            listed[term["@id"].removeprefix("gs1:")] = {"@id": term["@id"], "label": label.get("@value", "")}
    return listed


def nginx_site(tmp: Path, port: int, app_port: int) -> str:
    """The shipped site, TLS kept (the suite asks for https), on loopback ports and temporary paths."""
    site = (ROOT / "deploy" / "nginx" / "ocop.conf").read_text()
    site = re.sub(
        r"upstream ocop_app \{.*?\n\}", f"upstream ocop_app {{\n    server 127.0.0.1:{app_port};\n}}", site, flags=re.S
    )
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
    site = site.replace("listen [::]:443 ssl http2;", "")
    site = re.sub(r"ssl_certificate\s.*;", f"ssl_certificate {tmp}/cert.pem;", site)
    site = re.sub(r"ssl_certificate_key\s.*;", f"ssl_certificate_key {tmp}/key.pem;", site)
    site = site.replace("/var/cache/nginx/ocop-media", str(tmp / "cache"))
    return site.replace("/srv/ocop/current/static/", f"{ROOT}/static/")


def start(tmp: Path, name: str, command: list, env: dict, procs: dict) -> subprocess.Popen:
    log = tmp / f"{name}.log"
    with log.open("w") as out:
        procs[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return procs[name]


def run_suite(page, uri: str) -> list[dict]:
    """Load the suite's page afresh, run it on one URI and wait until its verdicts stop changing."""
    page.goto(PAGE)
    page.evaluate("uri => testDL(uri)", uri)
    page.wait_for_selector("#linkToResult", state="attached", timeout=120_000)
    seen, steady = None, 0
    while steady < 6:  # some checks finish after the summary: 3 s without a change
        now = page.evaluate("JSON.stringify(resultsArray.map(r => [r.id, r.status, r.msg]))")
        steady = steady + 1 if now == seen else 0
        seen = now
        page.wait_for_timeout(500)
    return page.evaluate("resultsArray.map(r => ({id: r.id, status: r.status, test: r.test, msg: r.msg}))")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", type=Path, required=True, help="checkout of gs1/GS1DL-resolver-testsuite")
    parser.add_argument("--linkset", type=Path, required=True, help="checkout of gs1/linkset")
    parser.add_argument("--webvoc", type=Path, required=True, help="checkout of gs1/WebVoc")
    parser.add_argument("--json", type=Path, help="also write every verdict here")
    parser.add_argument("--only", help="run the suite on this one of the URIs only (GTIN, lot, serial, walk-up)")
    args = parser.parse_args()
    for tool in ("php", "nginx", "openssl"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is needed (Debian: php-cli php-curl nginx-light openssl)")
    if fetch_npm_member(*AJV) != 0:
        return 1
    files = {
        "GS1DigitalLinkResolverTestSuite.js": (args.suite / "GS1DigitalLinkResolverTestSuite.js").read_bytes(),
        "GS1DigitalLinkToolkit.js": (args.suite / "GS1DigitalLinkToolkit.js").read_bytes(),
        "ajv7.min.js": AJV[3].read_bytes(),
    }
    linkset_schema = (args.linkset / "gs1-linkset-schema.json").read_bytes()
    linktypes = json.dumps(link_types(args.webvoc)).encode()

    tmp = Path(tempfile.mkdtemp(prefix="gs1-suite-"))
    nginx_port, app_port, php_port = free_ports(3)
    base = f"https://127.0.0.1:{nginx_port}"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", tmp / "key.pem", "-out", tmp / "cert.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("S3_", "STORAGE_", "TEST_"))},
        "PYTHONPATH": str(ROOT),
        "FLASK_APP": "wsgi.py",
        "APP_ENV": "production",
        "SECRET_KEY": "gs1-suite-" + os.urandom(8).hex(),
        "DATABASE_URL": f"sqlite:///{tmp}/shop.db",
        "REDIS_URL": os.environ.get("GS1_SUITE_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "PUBLIC_BASE_URL": base,
        "TRUSTED_PROXIES": "1",
        "TRUSTED_HOSTS": f"127.0.0.1:{nginx_port}",
        "UPLOAD_DIR": str(tmp / "uploads"),
        "STAMP_DIR": str(tmp / "stamps"),
        "SEARCH_INDEX_DIR": str(tmp / "index"),
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        # The suite asks a few dozen times a minute from one address; a visitor's limit would refuse it.
        "RATELIMIT_SCAN": "10000 per minute",
    }
    for command in (["flask", "db", "upgrade"], ["flask", "seed-demo"]):
        done = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
    done = subprocess.run([sys.executable, "-c", DEMO_URIS], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    demo = json.loads(done.stdout.strip().splitlines()[-1])
    uris = {
        "GTIN": f"{base}/01/{demo['gtin']}",
        "lot": f"{base}/01/{demo['gtin']}/10/{demo['lot']}",
        "serial": f"{base}/01/{demo['gtin']}/10/{demo['lot']}/21/{demo['serial']}",
        "walk-up": f"{base}/01/{demo['gtin']}/10/NOT-MADE-99",
    }
    if args.only:
        uris = {args.only: uris[args.only]}

    (tmp / "site.conf").write_text(nginx_site(tmp, nginx_port, app_port))
    (tmp / "nginx.conf").write_text(nginx_main_conf(tmp, tmp / "site.conf"))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    procs: dict[str, subprocess.Popen] = {}
    results: dict[str, list[dict]] = {}
    try:
        app = start(tmp, "app", [gunicorn, "-c", "deploy/gunicorn.conf.py", "-w", "2", "-b", f"127.0.0.1:{app_port}", "wsgi:app"], env, procs)  # fmt: skip
        proxy = start(tmp, "nginx", [nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"], env, procs)  # fmt: skip
        php = start(
            tmp,
            "php",
            ["php", "-d", f"curl.cainfo={tmp}/cert.pem", "-d", f"openssl.cafile={tmp}/cert.pem",
             "-S", f"127.0.0.1:{php_port}", str(args.suite / "tester.php")],
            env,
            procs,
        )  # fmt: skip
        for proc, port, name in ((app, app_port, "app"), (proxy, nginx_port, "nginx"), (php, php_port, "php")):
            wait_port(port, proc, tmp / f"{name}.log")
        results = browse(uris, files, linkset_schema, linktypes, php_port)
    finally:
        stop_process_groups(procs.values())

    failed = 0
    for name, verdicts in results.items():
        print(f"\n== {name}: {uris[name]}")
        for verdict in verdicts:
            status, reason = verdict["status"], re.sub(r"<[^>]+>", "", verdict["msg"] or "")
            if verdict["id"] in NOT_RUN and verdict["msg"] == NOT_RUN[verdict["id"]][0]:
                status, reason = "not run", NOT_RUN[verdict["id"]][1]
            failed += status == "fail"
            print(f"  {status:8} {verdict['id']:24} {reason[:150]}")
    if args.json:
        args.json.write_text(json.dumps({"uris": uris, "results": results}, indent=2, ensure_ascii=False))
    if failed:
        print(f"\n{failed} failed check(s); the servers' logs are in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("\nNo check failed.")
    return 0


def browse(uris: dict, files: dict, linkset_schema: bytes, linktypes: bytes, php_port: int) -> dict:
    from playwright.sync_api import sync_playwright

    cors = {"Access-Control-Allow-Origin": "*"}

    def page_files(route):
        name = route.request.url.removeprefix(PAGE).split("?")[0]
        if name == "":
            return route.fulfill(status=200, content_type="text/html; charset=utf-8", body=HARNESS)
        if name in files:
            return route.fulfill(status=200, content_type="text/javascript", body=files[name])
        return route.fulfill(status=404, body="")

    def tester(route):  # the suite's PHP helper, run here; the hosted one answers any origin
        answer = route.fetch(url=f"http://127.0.0.1:{php_port}/tester.php" + route.request.url.removeprefix(TESTER))
        route.fulfill(response=answer, headers={**answer.headers, **cors})

    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or None, args=["--no-sandbox", LOOPBACK_AS_PUBLIC]
        )
        context = browser.new_context(ignore_https_errors=True)  # the resolver's certificate is self-signed
        context.route(PAGE + "*", page_files)
        context.route(TESTER + "*", tester)
        context.route(LINKSET_SCHEMA, lambda r: r.fulfill(status=200, content_type="application/json", headers=cors, body=linkset_schema))  # fmt: skip
        context.route(LINKTYPES, lambda r: r.fulfill(status=200, content_type="application/json", body=linktypes))
        context.route(DESCRIPTION_SCHEMA, lambda r: r.fulfill(status=404, body=""))
        page = context.new_page()
        page.on("console", lambda m: print("  [page]", m.text[:200]) if os.environ.get("GS1_SUITE_DEBUG") else None)
        for name, uri in uris.items():
            results[name] = run_suite(page, uri)
        browser.close()
    return results


if __name__ == "__main__":
    sys.exit(main())

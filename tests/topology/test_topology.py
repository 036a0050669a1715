"""Many servers on loopback: nginx (the shipped site) balancing two gunicorn app servers, one job
worker and its scheduler, PostgreSQL, Redis and S3 object storage; everything a visitor does goes
through them. Scans are queued in Redis and drained by the worker (SCAN_WRITE_MODE=queue, as
deploy/ocop.env.example sets it).

Run with `make test-topology` (TOPOLOGY=1; skipped otherwise: it starts eight processes). The S3
server is moto's standalone server, a stand-in speaking the real S3 wire protocol (no real S3 can
run here); everything else is the real program. Ports: TOPOLOGY_PORT (default 8552) for nginx and
the next two for the app servers; moto on 8551.

Proved here: a photo uploaded on one server is served by the other; a product edited through one
is found at once by search on the other and through nginx (SEARCH_BACKEND=postgres, production's
default: both read the same tables); a 10/min limit holds across both servers together;
scans spread over both are all counted exactly, by the drain job; a 2,000-stamp issue runs as a job and its PDF downloads
through either server; one server killed with SIGKILL under load (pages and orders): nginx fails
over, no 5xx beyond the requests in flight, no order lost or doubled.
"""

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.servers import nginx_main_conf, stop_process_groups, wait_port
from tests.storage_peers import s3_server  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("TOPOLOGY_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_topology")
REDIS_URL = os.environ.get("TOPOLOGY_REDIS_URL", "redis://127.0.0.1:6379/9")
NGINX_PORT = int(os.environ.get("TOPOLOGY_PORT", "8552"))
APP_PORTS = (NGINX_PORT + 1, NGINX_PORT + 2)
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.skipif(os.environ.get("TOPOLOGY") != "1", reason="run with `make test-topology`")

SEED = r"""
import json, sys
from storefront import create_app
from storefront.extensions import db
from tests.factories import make_batch, make_product, make_user
from tests.factories_producer import make_producer_account
app = create_app()
with app.app_context():
    user, producer = make_producer_account()
    product = make_product(
        producer=producer, name_vi="Chè búp Tân Cương", gtin="08936012345674", price_vnd=120000, on_hand=100000
    )
    batch = make_batch(product=product)
    make_user(email="khach@example.com")
    db.session.commit()
    print(json.dumps({"email": user.email, "product": product.id, "batch": batch.id, "lot": batch.lot_code}))
"""


def nginx_site(tmp: Path) -> str:
    """The shipped site with loopback ports, no TLS (placeholders only) and temporary paths."""
    site = (ROOT / "deploy" / "nginx" / "ocop.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in APP_PORTS)
    site = re.sub(
        r"upstream ocop_app \{.*?\n\}", "upstream ocop_app {\n" + servers + "    keepalive 16;\n}", site, flags=re.S
    )
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{NGINX_PORT};").replace(
        "listen [::]:443 ssl http2;", ""
    )
    site = re.sub(r"^\s*ssl_.*$", "", site, flags=re.M)
    site = site.replace("/var/cache/nginx/ocop-media", str(tmp / "cache"))
    return site.replace("/srv/ocop/current/static/", f"{ROOT}/static/")


@pytest.fixture(scope="module")
def topology(tmp_path_factory, s3_server):
    import boto3
    import redis
    import sqlalchemy

    tmp = tmp_path_factory.mktemp("topology")
    url = sqlalchemy.engine.make_url(DATABASE_URL)
    server = sqlalchemy.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:  # the topology's own database, created once
        if not conn.execute(
            sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
        ).scalar():
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    engine = sqlalchemy.create_engine(DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    redis.Redis.from_url(REDIS_URL).flushdb()
    boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
    ).create_bucket(Bucket="ocop-topology")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("S3_", "STORAGE_", "TEST_"))},
        "PYTHONPATH": str(ROOT),
        "FLASK_APP": "wsgi.py",
        "APP_ENV": "production",
        "SECRET_KEY": "topology-secret-key-not-the-dev-one",
        "SESSION_COOKIE_SECURE": "false",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "JOBS_REDIS_URL": REDIS_URL,
        "TRUSTED_PROXIES": "1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{NGINX_PORT}",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "ocop-topology",
        "S3_ENDPOINT_URL": s3_server,
        "S3_ACCESS_KEY_ID": "k",
        "S3_SECRET_ACCESS_KEY": "s",
        "SEARCH_BACKEND": "postgres",  # production's default, said out loud: the servers share the search tables
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "CATALOG_CACHE_SECONDS": "2",
        "RATELIMIT_LOGIN": "10 per minute",
        "RATELIMIT_SCAN": "100000 per minute",
        "RATELIMIT_CHECKOUT": "100000 per minute",  # the order loop below is one address
        "STAMP_JOB_THRESHOLD": "500",
        "GC_COLLECTOR": "thread",
        "SCAN_WRITE_MODE": "queue",
        "SCAN_DRAIN_SECONDS": "1",
    }
    run = lambda *args: subprocess.run([*args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # noqa: E731
    done = run(sys.executable, "-m", "flask", "db", "upgrade")
    assert done.returncode == 0, done.stderr[-3000:]
    done = run(sys.executable, "-c", SEED)
    assert done.returncode == 0, done.stderr[-3000:]
    seeded = json.loads(done.stdout.strip().splitlines()[-1])

    (tmp / "site.conf").write_text(nginx_site(tmp))
    (tmp / "nginx.conf").write_text(nginx_main_conf(tmp, tmp / "site.conf"))
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    commands = {
        "app-a": [gunicorn, "-w", "2", "-b", f"127.0.0.1:{APP_PORTS[0]}", "wsgi:app"],
        "app-b": [gunicorn, "-w", "2", "-b", f"127.0.0.1:{APP_PORTS[1]}", "wsgi:app"],
        "worker": [sys.executable, "-m", "flask", "jobs", "worker"],
        "scheduler": [sys.executable, "-m", "flask", "jobs", "scheduler"],
        "nginx": [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
    }
    procs = {}
    try:
        for name, command in commands.items():
            log = tmp / f"{name}.log"
            with log.open("w") as out:
                procs[name] = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
                )
        for name, port in (("app-a", APP_PORTS[0]), ("app-b", APP_PORTS[1]), ("nginx", NGINX_PORT)):
            wait_port(port, procs[name], tmp / f"{name}.log")
        yield {"seeded": seeded, "procs": procs, "tmp": tmp, "env": env}
    finally:
        stop_process_groups(procs.values())


def base(port):
    return f"http://127.0.0.1:{port}"


NGINX_URL, A_URL, B_URL = base(NGINX_PORT), base(APP_PORTS[0]), base(APP_PORTS[1])


def csrf(session, url):
    page = session.get(url, timeout=10)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


@pytest.fixture(scope="module")
def producer(topology):
    """A producer signed in (one cookie: both servers share the secret key and the session store)."""
    import requests

    session = requests.Session()
    token = csrf(session, f"{A_URL}/account/login")
    answer = session.post(
        f"{A_URL}/account/login",
        data={"email": topology["seeded"]["email"], "password": "correct horse 9", "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def test_a_photo_uploaded_on_one_server_is_served_by_the_other(topology, producer):
    from PIL import Image

    product = topology["seeded"]["product"]
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (180, 40, 40)).save(buffer, "JPEG")
    token = csrf(producer, f"{A_URL}/producer/products/{product}/edit")
    answer = producer.post(
        f"{A_URL}/producer/products/{product}/images",
        data={"csrf_token": token, "photo-alt": "Búp chè"},
        files={"photo-image": ("anh.jpg", buffer.getvalue(), "image/jpeg")},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    page = producer.get(f"{B_URL}/producer/products/{product}/edit", timeout=10).text
    path = re.search(r'(/media/[0-9a-f]{24}\.jpg\?[^" ,]+)', page).group(1).replace("&amp;", "&")
    import requests

    for server in (B_URL, NGINX_URL):
        photo = requests.get(f"{server}{path}", timeout=10)  # a redirect to the bucket, followed
        assert photo.status_code == 200 and photo.content[:2] in (b"RI", b"\xff\xd8"), (server, photo.status_code)
        assert photo.history and photo.history[0].status_code == 302
    # Its derivatives are made by the worker into the bucket (until then the original answers).
    name = re.search(r"/media/([0-9a-f]{24})\.jpg\?size=(\w+)&fmt=(\w+)", path).groups()
    derivative = "{}.{}.{}".format(*name)
    deadline = time.monotonic() + 30
    while True:
        answer = requests.get(f"{B_URL}{path}", allow_redirects=False, timeout=10)
        if answer.status_code == 302 and answer.headers["Location"].split("?")[0].endswith("/" + derivative):
            break
        assert time.monotonic() < deadline, f"no {derivative} in the bucket within 30 s"
        time.sleep(0.5)
    assert requests.get(answer.headers["Location"], timeout=10).status_code == 200


def test_a_product_edited_through_one_server_is_found_at_once_by_search_on_the_other_and_through_nginx(
    topology, producer
):
    """With the PostgreSQL backend the committing request writes the search row before it answers:
    no worker, no folder to copy, so the other server finds the edit on the first try (with Whoosh
    it took a job and 0.4-0.7 s)."""
    import requests

    product = topology["seeded"]["product"]
    token = csrf(producer, f"{A_URL}/producer/products/{product}/edit")
    from tests.factories_producer import PRODUCT_FORM

    form = {**PRODUCT_FORM, "csrf_token": token, "name_vi": "Miến dong Việt Cường", "name_en": ""}
    answer = producer.post(f"{A_URL}/producer/products/{product}/edit", data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:800]
    for server in (B_URL, NGINX_URL, NGINX_URL):  # nginx: one request to each server behind it
        page = requests.get(f"{server}/products?q=mien+dong+viet+cuong", timeout=10).text
        assert "Miến dong Việt Cường" in page, server
        suggested = requests.get(f"{server}/search/suggest?q=mien+dong+v", timeout=10).json()["suggestions"]
        assert [s["name"] for s in suggested] == ["Miến dong Việt Cường"], server


def test_a_limit_of_10_a_minute_holds_across_both_servers_together(topology):
    import requests

    statuses = []
    for n in range(12):
        session = requests.Session()
        server = (A_URL, B_URL)[n % 2]
        token = csrf(session, f"{server}/account/reset")
        answer = session.post(
            f"{server}/account/reset",
            data={"email": "khach@example.com", "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        )
        statuses.append(answer.status_code)
    assert statuses[:10] == [302] * 10 and statuses[10:] == [429, 429], statuses


def test_a_2000_stamp_issue_runs_as_a_job_and_its_pdf_downloads_through_either_server(topology, producer):
    import requests

    batch = topology["seeded"]["batch"]
    token = csrf(producer, f"{A_URL}/producer/batches/{batch}")
    issued = time.monotonic()
    answer = producer.post(
        f"{A_URL}/producer/batches/{batch}/stamps",
        data={"csrf_token": token, "count": "2000", "serialized": "y"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    page = producer.get(f"{B_URL}/producer/batches/{batch}", timeout=10).text
    sheet = re.search(r'href="(/producer/stamp-issues/\d+/sheet\.pdf)"', page).group(1)
    progress = producer.get(f"{B_URL}{sheet}", allow_redirects=False, timeout=10)
    assert progress.status_code in (202, 302)
    deadline = time.monotonic() + 180
    while (ready := producer.get(f"{B_URL}{sheet}", allow_redirects=False, timeout=10)).status_code == 202:
        assert time.monotonic() < deadline, ready.text[-500:]
        time.sleep(1)
    print(f"2,000-stamp sheet ready after {time.monotonic() - issued:.1f} s")
    # The sheet was drawn by the job worker, not by the request: its RQ job ran in a worker process.
    import redis
    from rq.job import Job

    issue_id = re.search(r"/stamp-issues/(\d+)/", sheet).group(1)
    job = Job.fetch(f"stamp-sheet-{issue_id}", connection=redis.Redis.from_url(REDIS_URL))
    assert job.get_status() == "finished" and job.origin == "stamps" and job.worker_name, job.to_dict()
    for server in (A_URL, B_URL):
        answer = producer.get(f"{server}{sheet}", allow_redirects=False, timeout=10)
        assert answer.status_code == 302 and "X-Amz-Signature=" in answer.headers["Location"]
        pdf = requests.get(answer.headers["Location"], timeout=30)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 100_000


def test_scans_spread_over_both_servers_are_all_counted(topology):
    import requests
    import sqlalchemy

    engine = sqlalchemy.create_engine(DATABASE_URL)
    with engine.connect() as conn:
        serials = (
            conn.execute(sqlalchemy.text("SELECT serial FROM stamps WHERE serial IS NOT NULL ORDER BY id LIMIT 60"))
            .scalars()
            .all()
        )
        before = conn.execute(sqlalchemy.text("SELECT count(*) FROM scans")).scalar()
        counters_before = conn.execute(
            sqlalchemy.text("SELECT coalesce(sum(scan_count), 0) FROM stamps WHERE serial = ANY(:s)"), {"s": serials}
        ).scalar()
    assert len(serials) == 60
    lot = topology["seeded"]["lot"]
    answered = 0
    for n, serial in enumerate(serials):
        server = (A_URL, B_URL, NGINX_URL)[n % 3]
        # The origin page itself (the resolver would answer /01/… with a 307 to it, through nginx).
        answer = requests.get(f"{server}/origin/01/08936012345674/10/{lot}/21/{serial}", timeout=10)
        assert answer.status_code == 200, answer.status_code
        answered += 1
    # The scheduler enqueues the drain every second; the worker writes the stream's scans.
    counted, deadline = 0, time.monotonic() + 60
    while counted < answered and time.monotonic() < deadline:
        time.sleep(0.5)
        with engine.connect() as conn:
            counted = conn.execute(sqlalchemy.text("SELECT count(*) FROM scans")).scalar() - before
    time.sleep(3)  # more drains: nothing written twice
    with engine.connect() as conn:
        counted = conn.execute(sqlalchemy.text("SELECT count(*) FROM scans")).scalar() - before
        counters = (
            conn.execute(
                sqlalchemy.text("SELECT sum(scan_count) FROM stamps WHERE serial = ANY(:s)"), {"s": serials}
            ).scalar()
            - counters_before
        )
    engine.dispose()
    assert counted == answered == counters == 60


def place_orders(stop, placed, errors):
    """A shopper through nginx: cart, checkout, place (cash on delivery), again and again until `stop`.

    A step that fails (connection dropped, 5xx) is sent again as a browser's reload would; the
    place-order form keeps its idempotency key, so a resubmitted order shows the order it made.
    """
    import requests

    from tests.factories_checkout import CONTACT

    def send(session, method, path, **kw):
        for _attempt in range(6):
            try:
                answer = session.request(method, f"{NGINX_URL}{path}", allow_redirects=False, timeout=15, **kw)
                if answer.status_code < 500:
                    return answer
                errors.append(answer.status_code)
            except requests.RequestException as error:
                errors.append(type(error).__name__)
            time.sleep(0.3)
        raise AssertionError(f"{method} {path} kept failing")

    while not stop.is_set():
        session = requests.Session()
        page = send(session, "GET", "/account/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        product = {"product_id": "1", "quantity": "1", "csrf_token": token}
        assert send(session, "POST", "/cart/add", data=product).status_code == 302
        assert send(session, "POST", "/checkout", data={**CONTACT, "csrf_token": token}).status_code == 302
        options = {"delivery_method": "standard", "payment_method": "cod", "csrf_token": token}
        assert send(session, "POST", "/checkout/options", data=options).status_code == 302
        review = send(session, "GET", "/checkout/review").text
        hidden = {
            name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', review).group(1)
            for name in ("idempotency_key", "reviewed_total_vnd")
        }
        answer = send(session, "POST", "/checkout/place", data={**hidden, "csrf_token": token})
        assert answer.status_code == 302 and "/orders/" in answer.headers["Location"], answer.headers.get("Location")
        placed.append((hidden["idempotency_key"], answer.headers["Location"].rsplit("/", 1)[-1]))


def test_one_server_killed_under_load_nginx_fails_over_no_order_lost_or_doubled(topology):
    import requests
    import sqlalchemy

    results, placed, order_errors, stop = [], [], [], threading.Event()

    def browse():
        session = requests.Session()
        while not stop.is_set():
            try:
                results.append(session.get(f"{NGINX_URL}/products", timeout=10).status_code)
            except requests.RequestException:
                results.append(-1)

    threads = [threading.Thread(target=browse) for _ in range(3)]
    threads += [threading.Thread(target=place_orders, args=(stop, placed, order_errors)) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    before_kill, orders_before_kill = len(results), len(placed)
    os.killpg(topology["procs"]["app-a"].pid, signal.SIGKILL)
    time.sleep(5)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    after = results[before_kill:]
    failures = [status for status in after if status != 200]
    engine = sqlalchemy.create_engine(DATABASE_URL)
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text("SELECT idempotency_key, code FROM orders")).all()
    engine.dispose()
    print(
        f"failover: {len(results)} page requests, {before_kill} before the kill, {len(failures)} not 200 after it; "
        f"{len(placed)} orders placed ({orders_before_kill} before the kill), {len(rows)} in the database, "
        f"{len(order_errors)} order steps sent again ({order_errors[:6]})"
    )
    assert len(after) > 20
    assert len(failures) <= 3, failures  # at most the page requests in flight at the kill
    assert len(placed) > orders_before_kill > 0  # orders went on after the kill
    assert sorted(rows) == sorted(placed)  # every confirmed order stored once, nothing unconfirmed stored
    answers = [requests.get(f"{NGINX_URL}/products", timeout=10).status_code for _ in range(20)]
    assert answers == [200] * 20

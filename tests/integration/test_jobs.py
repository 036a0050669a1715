"""Jobs on a real queue: RQ on Redis (db 9 of TEST_JOBS_REDIS_URL), run by a real `flask jobs worker --burst`.

Each test enqueues through the app as a request or a commit does, then starts the worker as a
separate process on the same database, folders and bucket, and checks what it did. Without
JOBS_REDIS_URL (the last tests) the same work runs at once, in-process, as before there was a queue.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from storefront import jobs
from storefront.catalog.models import Product
from storefront.outbox.models import OutboxMessage
from storefront.outbox.services import queue_mail
from storefront.storage import storage
from tests.factories import make_batch, make_product, make_user
from tests.factories_office import office, request_context  # noqa: F401 (fixtures)
from tests.factories_producer import owner  # noqa: F401 (a fixture)
from tests.storage_peers import backend, s3_server  # noqa: F401 (fixtures)
from traceability.models import StampIssue
from traceability.stamps.jobs import sheet_job_id

REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/9")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_db():
    conn = Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except Exception as error:  # pragma: no cover - only without Redis
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    conn.flushdb()  # this database is the job tests' own
    yield conn
    conn.flushdb()
    conn.close()


@pytest.fixture
def app_config(tmp_path, redis_db, request):
    settings = {
        "JOBS_REDIS_URL": REDIS_URL,
        "JOB_RETRIES": 2,
        "JOB_RETRY_INTERVALS": "0",
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "CATALOG_CACHE_SECONDS": 0,
        "STAMP_JOB_THRESHOLD": 50,
    }
    if "backend" in request.fixturenames:
        settings.update(request.getfixturevalue("backend")[1])
    return settings


def run_worker(app) -> str:
    """Run `flask jobs worker --burst` as its own process on this app's settings; return its log."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("S3_", "STORAGE_"))}
    names = (
        "JOBS_REDIS_URL JOB_RETRIES JOB_RETRY_INTERVALS SEARCH_INDEX_DIR UPLOAD_DIR STAMP_DIR MAIL_OUTBOX_DIR "
        "PUBLIC_BASE_URL STORAGE_BACKEND S3_BUCKET S3_ENDPOINT_URL S3_REGION S3_ACCESS_KEY_ID "
        "S3_SECRET_ACCESS_KEY S3_PREFIX STAMP_JOB_THRESHOLD"
    ).split()
    env.update({name: str(app.config[name]) for name in names if app.config.get(name) not in (None, "")})
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], FLASK_APP="wsgi.py", GC_COLLECTOR="automatic")
    done = subprocess.run(
        [sys.executable, "-m", "flask", "jobs", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


# --- mail --------------------------------------------------------------------------------------


def test_mail_a_request_queued_is_sent_by_the_worker_after_the_commit(app, client, db):
    make_user(email="khach@example.com")
    db.session.commit()
    assert client.post("/account/reset", data={"email": "khach@example.com"}).status_code == 302
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    assert not list(outbox.glob("*.eml"))  # not sent inside the request
    assert db.session.scalar(select(OutboxMessage)).sent_at is None

    run_worker(app)
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None
    [eml] = outbox.glob("*.eml")
    assert b"khach@example.com" in eml.read_bytes()


# --- search -------------------------------------------------------------------------------------


def test_an_edited_product_is_found_by_search_once_the_worker_has_indexed_it(app, client, db):
    product = make_product(name_vi="Chè búp Tân Cương")
    db.session.commit()
    run_worker(app)
    assert "Chè búp Tân Cương" in client.get("/products?q=che+bup").get_data(as_text=True)

    db.session.get(Product, product.id).name_vi = "Miến dong Việt Cường"
    db.session.commit()  # the after-commit hook enqueues the reindex; this process does not index
    assert "Miến dong" not in client.get("/products?q=mien+dong").get_data(as_text=True)

    run_worker(app)
    assert "Miến dong Việt Cường" in client.get("/products?q=mien+dong").get_data(as_text=True)


# --- stamp sheets ---------------------------------------------------------------------------------


def test_a_big_stamp_issue_shows_progress_then_downloads_the_sheet_the_worker_made(app, client, db, owner, backend):
    batch = make_batch(product=make_product(producer=owner))
    db.session.commit()
    response = client.post(f"/producer/batches/{batch.id}/stamps", data={"count": "120", "serialized": "y"})
    assert response.status_code == 302
    issue_id = db.session.scalar(select(StampIssue.id))
    assert redis_job_ids(app) == [sheet_job_id(issue_id)]
    url = f"/producer/stamp-issues/{issue_id}/sheet.pdf"

    waiting = client.get(url)
    assert waiting.status_code == 202 and waiting.cache_control.no_store
    page = waiting.get_data(as_text=True)
    assert "0 / 120" in page and 'http-equiv="refresh"' in page

    run_worker(app)
    job = jobs.fetch(sheet_job_id(issue_id))
    assert job.is_finished and job.meta["progress"] == [120, 120]
    pdf = storage("stamps").get(f"issue-{issue_id}.pdf")
    assert pdf.startswith(b"%PDF")
    with client.get(url) as ready:
        if backend[0] == "s3":
            assert ready.status_code == 302 and "X-Amz-Signature=" in ready.location
        else:
            assert ready.status_code == 200 and ready.get_data() == pdf
            assert "attachment" in ready.headers["Content-Disposition"]
    # Another producer never gets it, waiting or ready.
    client.post("/account/logout")
    assert client.get(url).status_code in (302, 403, 404)


def redis_job_ids(app) -> list[str]:
    return list(jobs.get_queue("stamps", app).get_job_ids())


# --- failures: retried, then shown to the office -----------------------------------------------------


def test_a_job_that_keeps_failing_is_retried_then_listed_for_the_office_who_can_retry_it(
    app, client, db, office, request_context
):
    job = jobs.enqueue("traceability.stamps.jobs:render_sheet", 999_999, queue="stamps")
    log = run_worker(app)
    job.refresh()
    assert job.is_failed and job.retries_left == 0
    assert log.count("LookupError") >= 3  # the first run and both retries

    page = client.get("/office/jobs").get_data(as_text=True)
    assert "Tạo tờ tem PDF" in page and "no stamp issue 999999" in page
    assert client.post(f"/office/jobs/{job.id}/retry").status_code == 302
    assert job.id in jobs.get_queue("stamps").get_job_ids()
    assert "no stamp issue" not in client.get("/office/jobs").get_data(as_text=True)
    assert client.post("/office/jobs/not-a-job/retry").status_code == 404


def test_the_failed_jobs_page_is_the_office_s_only(app, client, db, login):
    user = make_user()
    db.session.commit()
    login(user)
    assert client.get("/office/jobs").status_code in (302, 403)


# --- the scheduler ---------------------------------------------------------------------------------


def test_the_scheduler_enqueues_each_periodic_job_once_per_slot_and_the_worker_runs_them(app, db, runner):
    queue_mail("khach@example.com", "Chào", "Thư chờ gửi")
    db.session.commit()  # queued outside a request: only the periodic sweep sends it
    first = runner.invoke(args=["jobs", "scheduler", "--once"])
    assert first.exit_code == 0, first.output
    expected = {"enqueued release-expired", "enqueued outbox-send", "enqueued reindex", "enqueued scan-retention"}
    assert expected <= set(first.output.splitlines())
    second = runner.invoke(args=["jobs", "scheduler", "--once"])  # another server's scheduler, same minute
    assert "enqueued" not in second.output

    run_worker(app)
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None
    assert len(list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))) == 1

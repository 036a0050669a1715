"""Jobs on a real queue: RQ on Redis (db 9 of TEST_JOBS_REDIS_URL), run by a real `flask jobs worker --burst`.

Each test enqueues through the app as a request or a commit does, then starts the worker as a
separate process on the same database, folders and bucket, and checks what it did. Without
JOBS_REDIS_URL (the last tests) the same work runs at once, in-process, as before there was a queue.
"""

import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pypdf
import pytest
from redis import Redis
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select

from storefront import jobs
from storefront.catalog.images import FORMATS, SIZES, derivative_name
from storefront.catalog.models import Product, ProductImage
from storefront.outbox.models import OutboxMessage
from storefront.outbox.services import queue_mail
from storefront.storage import storage
from tests.factories import make_batch, make_product, make_user
from tests.factories_office import make_office_user, office, request_context  # noqa: F401 (fixtures)
from tests.factories_producer import image_bytes, owner, upload_photo  # noqa: F401 (owner is a fixture)
from tests.jobs_worker import run_worker, worker_env
from tests.storage_peers import backend, s3_server  # noqa: F401 (fixtures)
from traceability.models import Stamp, StampIssue
from traceability.stamps.jobs import sheet_job_id
from traceability.stamps.services import render_issue_sheet

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
    settings.update(getattr(request, "param", {}))  # a test's own, through indirect parametrisation
    return settings


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


# --- photo derivatives ------------------------------------------------------------------------------


def test_a_photo_s_derivatives_are_made_by_the_worker_and_the_page_shows_the_original_until_then(
    app, client, db, owner, backend
):
    product = make_product(producer=owner, slug="che-bup")
    db.session.commit()
    assert upload_photo(client, product, image_bytes(size=(900, 600))).status_code == 302
    filename = db.session.scalars(select(ProductImage.filename)).one()
    store = storage("media")
    derivatives = [derivative_name(filename, size, fmt) for size in SIZES for fmt in FORMATS]
    assert store.exists(filename) and not any(store.exists(name) for name in derivatives)
    assert queued_targets(app) == ["storefront.catalog.images:make_derivatives"]

    # Meanwhile every image URL of the page leads to a whole image (the original), and none is cached.
    urls = page_image_urls(client, "/products/che-bup")
    assert any("size=medium" in url for url in urls)
    for url in urls:
        with client.get(url) as waiting:
            assert waiting.status_code == 302 and waiting.cache_control.no_store, url
            assert waiting.location.endswith(f"/media/{filename}")
        assert image_magic(browser_get(client, waiting.location)) == "jpeg"
    assert queued_targets(app) == ["storefront.catalog.images:make_derivatives"]  # asked for once

    run_worker(app)
    assert all(store.exists(name) for name in derivatives)  # in the bucket, with S3
    for url in urls:
        with client.get(url) as ready:
            assert ready.cache_control.max_age == 365 * 24 * 3600 and not ready.cache_control.no_store
            if backend[0] == "s3":
                assert ready.status_code == 302 and f"/tn/media/{Path(filename).stem}." in ready.location
        fmt = re.search(r"fmt=(\w+)", url).group(1)
        assert image_magic(browser_get(client, url)) == {"webp": "webp", "jpg": "jpeg"}[fmt]


def queued_targets(app) -> list[str]:
    """The derivative jobs waiting (the catalogue's reindex jobs of the same commits left out)."""
    targets = [job.args[0] for job in jobs.get_queue("default", app).get_jobs()]
    return [target for target in targets if "indexing" not in target]


def page_image_urls(client, path: str) -> list[str]:
    html = client.get(path).get_data(as_text=True)
    return sorted(
        {
            url.replace("&amp;", "&").replace("\\u0026", "&")
            for url in re.findall(r'(/media/[^" ,]+\?size=[^" ,]+)', html)
        }
    )


def browser_get(client, url: str) -> bytes:
    """What a browser ends with: the app's answer, or the bucket's after the app's redirect to it."""
    with client.get(url) as response:
        body = response.get_data()
    if response.status_code == 302 and response.location.startswith("http://127.0.0.1:"):
        with urllib.request.urlopen(response.location, timeout=10) as answer:
            return answer.read()
    if response.status_code == 302:
        return browser_get(client, response.location)
    assert response.status_code == 200, url
    return body


def image_magic(data: bytes) -> str:
    return "jpeg" if data[:3] == b"\xff\xd8\xff" else "webp" if data[8:12] == b"WEBP" else repr(data[:12])


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


# --- a worker killed mid-job (kill -9) ------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"JOB_RETRIES": 1}], indirect=True)
def test_a_worker_killed_mid_job_loses_no_job_and_the_rerun_makes_the_sheet_once(app, client, db, owner, login):
    """kill -9 of a worker (its work horse too, as a lost machine) while it draws a 3,000-stamp sheet.

    RQ's clean-up of the started registry, which every worker runs each minute (`flask jobs worker`),
    finds the job once the dead worker's heartbeat lapsed (at most 90 s): here it is run as at that
    time rather than waited for. With a retry left the job goes back on its queue; without one it
    lands in the failed registry, which the office sees and puts back. Stamps are issued by the
    request, once; the job only draws their sheet, so a rerun stores one sheet of the same stamps.
    """
    batch = make_batch(product=make_product(producer=owner))
    db.session.commit()
    response = client.post(f"/producer/batches/{batch.id}/stamps", data={"count": "3000", "serialized": "y"})
    assert response.status_code == 302
    issue = db.session.scalars(select(StampIssue)).one()
    job_id, sheet = sheet_job_id(issue.id), f"issue-{issue.id}.pdf"
    stamps = db.session.scalar(select(func.count(Stamp.id)))
    assert stamps == 3000

    kill_worker_mid_job(app, job_id)  # the first run
    job = jobs.fetch(job_id)
    assert job.get_status() == "started" and job_id in started_ids()
    assert not storage("stamps").exists(sheet)
    with client.get(f"/producer/stamp-issues/{issue.id}/sheet.pdf") as waiting:
        assert waiting.status_code == 202  # the producer still sees it coming
    assert clean_up_abandoned() == [job_id]
    job.refresh()
    assert job.get_status() == "queued" and job.retries_left == 0  # back on its queue: its one retry

    kill_worker_mid_job(app, job_id)  # the retry, killed as well: no retry left
    assert clean_up_abandoned() == [job_id]
    assert job.get_status() == "failed"

    office_user = make_office_user()
    db.session.commit()
    login.logout()
    login(office_user)
    page = client.get("/office/jobs").get_data(as_text=True)
    assert job_id in page and "AbandonedJobError" in page
    assert client.post(f"/office/jobs/{job_id}/retry").status_code == 302
    run_worker(app)
    assert job.get_status() == "finished"

    stored = pypdf.PdfReader(io.BytesIO(storage("stamps").get(sheet)))
    drawn = pypdf.PdfReader(io.BytesIO(render_issue_sheet(db.session.get(StampIssue, issue.id))))
    assert len(stored.pages) == len(drawn.pages) > 1  # one sheet of the issue's stamps, not two
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Stamp.id))) == stamps
    assert db.session.scalar(select(func.count(StampIssue.id))) == 1


def kill_worker_mid_job(app, job_id: str) -> None:
    """Start a worker (no --burst), wait until the job is under way, then SIGKILL the worker and its children.

    The work horse (RQ forks one per job) runs in a process group of its own and would finish the
    job alone if only the worker died; a lost machine or `systemctl kill` takes both, as here.
    """
    job = jobs.fetch(job_id)
    job.meta.pop("progress", None)  # a killed run's progress is not this run's
    job.save_meta()
    log = Path(app.config["STAMP_DIR"]).parent / "killed-worker.log"
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "jobs", "worker"],
            cwd=ROOT,
            env=worker_env(app),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = jobs.fetch(job_id)
            # Labels are read ahead of the pages drawn: progress may say all while pages are still drawn.
            if job.meta.get("progress") and job.get_status(refresh=False) == "started":
                break
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.05)
        else:  # where the worker and its horse are stuck (py-spy is a dev requirement)
            stacks = [
                subprocess.run(
                    [str(Path(sys.executable).parent / "py-spy"), "dump", "--pid", str(pid)],
                    capture_output=True,
                    text=True,
                ).stdout
                for pid in [worker.pid, *descendants(worker.pid)]
            ]
            pytest.fail("no progress within 120 s:\n" + log.read_text()[-3000:] + "\n".join(stacks))
    finally:
        children = descendants(worker.pid)
        worker.send_signal(signal.SIGKILL)  # the worker first: it must not see its horse die
        worker.wait()
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


def started_ids() -> list[str]:
    return StartedJobRegistry(queue=jobs.get_queue("stamps")).get_job_ids()


def clean_up_abandoned() -> list[str]:
    """RQ's clean-up of the stamps queue's started registry, as a worker runs it 100 s from now."""
    registry = StartedJobRegistry(queue=jobs.get_queue("stamps"))
    later = time.time() + 100
    abandoned = registry.get_expired_job_ids(later)
    registry.cleanup(later)
    return [job_id.split(":")[0] for job_id in abandoned]


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

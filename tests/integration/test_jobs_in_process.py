"""Without JOBS_REDIS_URL (development, `make run`) jobs run at once in the process that enqueues them."""

from pathlib import Path

import pytest
from sqlalchemy import select

from storefront import after_commit, jobs
from storefront.catalog.images import FORMATS, SIZES, derivative_name
from storefront.catalog.models import ProductImage
from storefront.storage import storage
from tests.factories import make_batch, make_product, make_user
from tests.factories_office import office  # noqa: F401 (a fixture)
from tests.factories_producer import image_bytes, owner, upload_photo  # noqa: F401 (owner is a fixture)
from traceability.models import StampIssue


@pytest.fixture
def app_config():
    return {"STAMP_JOB_THRESHOLD": 50}


def test_mail_is_sent_inside_the_request_as_before(app, client, db):
    make_user(email="khach@example.com")
    db.session.commit()
    client.post("/account/reset", data={"email": "khach@example.com"})
    assert len(list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))) == 1


def test_a_big_issue_s_sheet_is_made_during_the_issue_and_downloads_at_once(app, client, db, owner):
    batch = make_batch(product=make_product(producer=owner))
    db.session.commit()
    assert client.post(f"/producer/batches/{batch.id}/stamps", data={"count": "60"}).status_code == 302
    issue_id = db.session.scalar(select(StampIssue.id))
    assert storage("stamps").get(f"issue-{issue_id}.pdf").startswith(b"%PDF")
    with client.get(f"/producer/stamp-issues/{issue_id}/sheet.pdf") as response:
        assert response.status_code == 200 and response.get_data().startswith(b"%PDF")


def test_an_in_process_job_that_fails_is_logged_not_raised(app, caplog):
    assert jobs.enqueue("traceability.stamps.jobs:render_sheet", 999_999) is None
    assert "no stamp issue 999999" in caplog.text
    with pytest.raises(LookupError):
        jobs.enqueue("traceability.stamps.jobs:render_sheet", 999_999, raise_errors=True)


def test_the_failed_jobs_page_says_jobs_run_in_the_web_process(client, db, office):
    page = client.get("/office/jobs").get_data(as_text=True)
    assert "JOBS_REDIS_URL" in page
    # Buffered scans (the default) have no queue to watch: the page says who writes them.
    assert "ghi vào cơ sở dữ liệu (SCAN_WRITE_MODE=buffered)" in page and "scan-queue-waiting" not in page
    assert "scan_queue" not in client.get("/healthz").json


def test_a_photo_s_derivatives_are_made_after_the_commit_before_the_form_answers(app, client, db, owner):
    product = make_product(producer=owner)
    db.session.commit()
    assert upload_photo(client, product, image_bytes(size=(900, 600))).status_code == 302
    filename = db.session.scalars(select(ProductImage.filename)).one()
    store = storage("media")
    assert all(store.exists(derivative_name(filename, size, fmt)) for size in SIZES for fmt in FORMATS)
    with client.get(f"/media/{filename}?size=thumb&fmt=webp") as thumb:
        assert thumb.status_code == 200 and thumb.mimetype == "image/webp"


def test_work_waiting_for_the_commit_runs_after_it_and_never_after_a_rollback(app, db):
    done = []
    after_commit.once_committed(lambda: done.append("rolled back"))
    make_user(email="a@example.com")
    db.session.rollback()
    after_commit.once_committed(lambda: done.append("committed"))
    make_user(email="b@example.com")
    db.session.commit()
    db.session.commit()  # a later commit runs nothing again
    assert done == ["committed"]

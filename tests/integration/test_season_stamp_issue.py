"""A season's labels in one issue: the producer's form takes up to 100,000 stamps and queues their sheet."""

import pytest
from sqlalchemy import func, select

from storefront import jobs
from tests.factories import make_batch, make_product
from tests.factories_producer import owner  # noqa: F401 (a fixture)
from tests.integration.test_jobs import REDIS_URL, redis_db  # noqa: F401 (a fixture: the job tests' Redis database)
from traceability.models import Stamp, StampIssue
from traceability.stamps.jobs import sheet_job_id


@pytest.fixture
def app_config(redis_db):
    return {"JOBS_REDIS_URL": REDIS_URL}


@pytest.fixture
def batch(db, owner):
    batch = make_batch(product=make_product(producer=owner))
    db.session.commit()
    return batch


def _issue(client, batch, **data):
    return client.post(f"/producer/batches/{batch.id}/stamps", data={"serialized": "y", **data})


def _stamps(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Stamp))


def test_a_season_of_100000_stamps_is_issued_and_its_sheet_queued(app, client, db, batch):
    response = _issue(client, batch, count="100000")
    assert response.status_code == 302
    issue = db.session.scalars(select(StampIssue)).one()
    assert issue.count == 100_000 and _stamps(db) == 100_000
    # Not drawn in the request: the sheet waits on the stamps queue for a worker.
    assert list(jobs.get_queue("stamps", app).get_job_ids()) == [sheet_job_id(issue.id)]
    page = client.get(f"/producer/batches/{batch.id}").get_data(as_text=True)
    assert "Đã phát hành 100000 tem." in page or "Đã phát hành 100.000 tem." in page
    assert 'max="100000"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"count": "100001"}, "Số tem phải từ 1 đến 100.000."),
        ({"count": "0"}, "Số tem phải từ 1 đến 100.000."),
        ({"count": ""}, "Hãy nhập số tem."),
        ({"count": "5001", "with_pin": "y"}, "Tem kèm mã PIN: tối đa 5.000 tem mỗi lần phát hành."),
    ],
)
def test_a_count_over_the_cap_is_a_form_error_and_issues_nothing(client, db, batch, data, message):
    response = _issue(client, batch, **data)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert message in page
    assert _stamps(db) == 0 and db.session.scalar(select(func.count()).select_from(StampIssue)) == 0


def test_the_cap_reads_in_english_on_english_pages(client, db, batch):
    client.get("/?lang=en")
    response = _issue(client, batch, count="100001")
    page = client.get(response.location).get_data(as_text=True)
    assert "The number of stamps must be from 1 to 100,000." in page


@pytest.mark.parametrize("count", ["1e3", "1.5", "NaN"])
def test_a_count_that_is_not_a_whole_number_is_a_form_error_not_a_500(client, db, batch, count):
    """A count of "1e3" or "1.5" leaves the field empty; with the PIN box ticked the PIN cap check
    once compared None with a number: a 500 instead of the form's message."""
    response = _issue(client, batch, count=count, with_pin="y")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Cần nhập một số nguyên." in page
    assert _stamps(db) == 0 and db.session.scalar(select(func.count()).select_from(StampIssue)) == 0

"""A field a contributor adds to the origin page reaches every worker at its next scan.

Two server processes stand in for two gunicorn workers (each its own origin cache), on the
test database, in the production write mode (buffered: the scan fast path answers). The
contributor's change is the one traceability/origin/description.py asks for when the field is a
column of a watched model: a line in templates/traceability/_origin_details.html (here put in
front of the template by a loader, as the edited file would be).
"""

import re
import urllib.request
from pathlib import Path

import pytest

from tests.factories_traceability import make_traced_batch
from tests.gunicorn_server import free_ports
from tests.servers import server_processes
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path

ROOT = Path(__file__).resolve().parents[2]
SERVER = """
import sys
from jinja2 import ChoiceLoader, DictLoader
from werkzeug.serving import make_server
from config import TestConfig
from storefront import create_app

url, port = sys.argv[1:3]
config = type("WorkerConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SCAN_WRITE_MODE": "buffered"})
app = create_app(config)
name = "traceability/_origin_details.html"
source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
added = source + '<p data-testid="quantity">{{ _("Số lượng") }}: {{ batch.quantity }}</p>'
app.jinja_env.loader = ChoiceLoader([DictLoader({name: added}), app.jinja_env.loader])
make_server("127.0.0.1", int(port), app, threaded=False).serve_forever()
"""
QUANTITY = re.compile(r'data-testid="quantity">[^<]*: (\d+)<')


@pytest.fixture
def two_workers(_schema, db, tmp_path):
    ports = free_ports(2)
    with server_processes(SERVER, {port: [_schema, str(port)] for port in ports}, tmp_path) as urls:
        yield urls


def _shown_quantity(base: str, path: str) -> int:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        page = response.read().decode()
    return int(QUANTITY.search(page).group(1))


def test_a_batch_field_added_to_the_page_reaches_both_workers_at_their_next_scan(two_workers, db):
    batch = make_traced_batch(lot_code="L2026-12", quantity=100)
    issue, _ = issue_stamps(batch, count=1, actor=None)
    db.session.commit()
    path = origin_path(batch, issue_stamps_list(issue)[0])
    for base in two_workers:
        assert [_shown_quantity(base, path), _shown_quantity(base, path)] == [100, 100]  # now cached

    batch.quantity = 250  # the producer corrects the lot's size, in another process
    db.session.commit()

    assert [_shown_quantity(base, path) for base in two_workers] == [250, 250]

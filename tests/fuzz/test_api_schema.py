"""Schemathesis: every operation of /api/v1/openapi.json, with generated parameters valid and
invalid, answers what the document says (all of Schemathesis's checks)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation import GenerationMode

from tests.factories import make_certificate, make_producer, make_product
from tests.factories_traceability import make_traced_batch, make_traced_product
from traceability.batches.services import add_trace_event

#: Generated requests per operation and mode: bounded so the test stays a few seconds per engine.
EXAMPLES = 25


def api_routes(app) -> set[str]:
    """Every /api/v1 route of the app, written as an OpenAPI path template."""
    rules = (rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/"))
    return {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule) for rule in rules}


@pytest.fixture
def catalogue(db):
    for index in range(3):
        product = make_product(producer=make_producer(name=f"HTX Chè {index}"), name_vi=f"Chè Tân Cương {index}")
        make_certificate(product=product, stars=3 + index % 3)
    # Published batches with ids 1, 2, …: generated small ids find them (and their locations).
    tea = make_traced_product()
    for index in range(3):
        batch = make_traced_batch(product=tea, lot_code=f"L{index}", growing_area_code="0")
        add_trace_event(batch, biz_step="shipping", event_time=datetime.now(UTC) - timedelta(days=1), read_point="1")
    db.session.commit()


@pytest.mark.usefixtures("catalogue")
def test_the_api_answers_as_its_document_says(app):
    load_all_checks()
    checks = CHECKS.get_all()
    # Loaded as the app serves it, and called over WSGI. (schemathesis.pytest.from_fixture does
    # not run under pytest 9, so each operation's Hypothesis strategy is driven here.)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    assert set(schema.raw_schema["paths"]) == api_routes(app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Schemathesis leaves out the document's own path; it is fetched above.
    assert {op.path for op in operations} == api_routes(app) - {"/api/v1/openapi.json"}
    for operation in operations:
        # Negative data needs a parameter to break: an operation without any has only valid requests.
        has_parameters = bool(schema.raw_schema["paths"][operation.path]["get"].get("parameters"))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)[: 1 + has_parameters]:

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                case.call_and_validate(checks=checks)

            call()

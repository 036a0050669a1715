"""Schemathesis: every operation of /api/v1/openapi.json, with generated parameters, answers what the document says."""

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.factories import make_certificate, make_producer, make_product

#: Generated requests per operation.
EXAMPLES = 60


def test_the_api_answers_as_its_document_says(app, db):
    """Every check Schemathesis has: no 5xx, declared status codes, content types and response bodies."""
    for index in range(3):
        product = make_product(producer=make_producer(name=f"HTX Chè {index}"), name_vi=f"Chè Tân Cương {index}")
        make_certificate(product=product, stars=3 + index % 3)
    db.session.commit()
    # Loaded as the app serves it, and called over WSGI. (schemathesis.pytest.from_fixture does
    # not run under pytest 9, so each operation's Hypothesis strategy is driven here.)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {"/api/v1/products", "/api/v1/producers"} <= {op.path for op in operations}
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            case.call_and_validate()

        call()

"""Origin pages served from pre-rendered variants are the very pages the template renders whole."""

import dataclasses
from datetime import UTC, date, datetime

import pytest

from tests.factories_traceability import make_traced_batch
from traceability.origin import facts, page
from traceability.stamps.services import issue_stamps, issue_stamps_list
from traceability.stamps.urls import origin_path

STATES = {
    "first scan": dict(scan_count=1),
    "later scan": dict(scan_count=7, day=date(2026, 11, 2)),
    "copied, many devices": dict(scan_count=40, day=date(2026, 10, 1), warning="devices"),
    "copied, two regions": dict(scan_count=3, day=date(2026, 11, 28), warning="regions"),
    "recalled": dict(
        scan_count=2,
        day=date(2026, 11, 20),
        recalled_at=datetime(2026, 11, 21, 3, 0, tzinfo=UTC),
        recall_reason="<b>nấm</b> & mốc",
    ),
    "out of the programme": dict(scan_count=5, day=date(2026, 11, 1), in_programme=False),
    "PIN checked": dict(
        scan_count=2, day=date(2026, 11, 1), has_pin=True, pin_verified_at=datetime(2026, 11, 3, tzinfo=UTC)
    ),
    "lot-level code": dict(stamp=None),
}


@pytest.fixture
def traced(db):
    batch = make_traced_batch(lot_code="L2026/09")  # a "/" in the lot: percent-encoded in URLs
    issue, _ = issue_stamps(batch, count=1, actor=None)
    db.session.commit()
    return batch, issue_stamps_list(issue)[0]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pages_from_variants_equal_the_pages_rendered_whole(app, traced, lang):
    """Every state in turn on one cached view: a variant stored for one state never serves another."""
    batch, stamp = traced
    path = origin_path(stamp.batch, stamp)
    query = f"lang={lang}&utm_source=zalo"
    code = f"{path}?{query}"
    found = facts.find_origin(gtin=batch.product.gtin, lot=batch.lot_code, serial=stamp.serial)
    with app.test_request_context(path, query_string=query):
        for _round in range(2):  # the second round is served from the stored variants
            for name, state in STATES.items():
                state = dict(state)
                live = None
                if state.pop("stamp", True) is not None:
                    live = dataclasses.replace(
                        found.stamp,
                        scan_count=state.pop("scan_count"),
                        has_pin=state.pop("has_pin", False),
                        pin_verified_at=state.pop("pin_verified_at", None),
                    )
                day, warning = state.pop("day", None), state.pop("warning", None)
                hit = dataclasses.replace(found, stamp=live, **state)
                view = page.origin_view(hit.batch_id, hit.in_programme)
                whole = page.render_light(
                    "traceability/origin.html",
                    view=view,
                    hit=hit,
                    stamp=live,
                    warning=warning,
                    first_scan_day=day,
                    report_url=page.report_link(code),
                    pin_form=None,
                    url_for_lang=page.lang_link,
                )
                assert page.origin_html(view, hit, live, warning, code, day) == whole.encode(), name
                assert "zslot" not in whole
                assert live is None or live.serial in whole
                assert 'hreflang="vi"' in whole if lang == "en" else 'hreflang="en"' in whole

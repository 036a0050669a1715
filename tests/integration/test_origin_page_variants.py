"""Origin pages served from pre-rendered variants are the very pages the template renders whole."""

import dataclasses
from datetime import UTC, date, datetime

import pytest

from tests.factories_traceability import make_traced_batch, make_traced_product
from traceability.origin import cache, facts, page
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


def _scan_states(found):
    """The first and a later scan of the stamp: two page variants of one cached view."""
    for count in (1, 7):
        yield dataclasses.replace(found, stamp=dataclasses.replace(found.stamp, scan_count=count))


def test_cached_views_hold_their_description_once_and_count_what_they_hold(app, db):
    """Page variants hold only the template's text (the view's parts are slots), the header and footer
    are one object for every cached view, and the cache's count covers every byte of text it holds."""
    stamps, product = [], make_traced_product()
    for n in range(3):
        batch = make_traced_batch(product=product, lot_code=f"LOT-{n}")
        issue, _ = issue_stamps(batch, count=1, actor=None)
        stamps.append((batch, issue))
    db.session.commit()
    cache.clear()
    with app.test_request_context("/"):
        for batch, issue in stamps:
            stamp = issue_stamps_list(issue)[0]
            found = facts.find_origin(gtin=batch.product.gtin, lot=batch.lot_code, serial=stamp.serial)
            for hit in _scan_states(found):
                view = page.origin_view(hit.batch_id, hit.in_programme)
                assert stamp.serial.encode() in page.origin_html(view, hit, hit.stamp, None, "/x", None)
    views = [entry[1] for entry in cache._entries.values()]
    assert len(views) == 3 and all(len(view["variants"]) == 2 for view in views)
    assert len({id(view["footer"]) for view in views}) == 1 and len({id(view["header"]) for view in views}) == 1
    text = 0
    for view in views:
        assert all(isinstance(view[name], bytes) for name in page.PARTS)
        assert b"LOT-" in view["details"]
        for pieces in view["variants"].values():
            chrome = b"".join(piece for piece in pieces[::2])
            assert view["details"] not in chrome and view["footer"] not in chrome and b"LOT-" not in chrome
            assert view["shop_url"] and view["shop_url"].encode() not in chrome  # a slot, filled per page
            assert {"head", "top", "details", "header", "footer"} <= set(pieces[1::2])
            text += len(chrome)
        text += sum(len(view[name]) for name in page.PARTS if name not in page.SHARED_PARTS)
    # The template's text is the same object in every batch's variant of the same state.
    for state in views[0]["variants"]:
        assert len({tuple(map(id, view["variants"][state][::2])) for view in views}) == 1
    assert cache.held_bytes() >= text  # never less than the texts held (plus Python's own per-object bytes)
    assert cache.held_bytes() == sum(page.view_weight(view) for view in views)
    cache.clear()


def test_the_cache_never_holds_more_than_its_budget_as_variants_are_added(app, db):
    batches, product = [], make_traced_product()
    for n in range(4):
        batch = make_traced_batch(product=product, lot_code=f"LOT-{n}")
        issue, _ = issue_stamps(batch, count=1, actor=None)
        batches.append((batch, issue))
    db.session.commit()
    cache.clear()
    with app.test_request_context("/"):
        views = []
        for batch, issue in batches:
            stamp = issue_stamps_list(issue)[0]
            found = facts.find_origin(gtin=batch.product.gtin, lot=batch.lot_code, serial=stamp.serial)
            view = page.origin_view(found.batch_id, found.in_programme)
            page.origin_html(view, found, found.stamp, None, "/x", None)
            views.append(page.view_weight(view))
        # A budget for about two and a half of those views: adding each variant keeps within it.
        app.config["ORIGIN_CACHE_BYTES"] = budget = int(2.5 * max(views))
        cache.clear()
        for batch, issue in batches:
            stamp = issue_stamps_list(issue)[0]
            found = facts.find_origin(gtin=batch.product.gtin, lot=batch.lot_code, serial=stamp.serial)
            for hit in _scan_states(found):
                view = page.origin_view(hit.batch_id, hit.in_programme)
                page.origin_html(view, hit, hit.stamp, None, "/x", None)
                assert 0 < cache.held_bytes() <= budget
                assert cache.held_bytes() == sum(page.view_weight(entry[1]) for entry in cache._entries.values())
    assert len(cache._entries) == 2  # the two newest batches; the oldest went first
    cache.clear()

"""The origin description names every model its page reads (traceability/origin/description.py)."""

from sqlalchemy import event

from storefront.clock import today_vn
from storefront.extensions import db as _db
from tests.factories_traceability import make_traced_batch
from traceability.origin import description


def test_every_model_the_page_reads_is_watched(app, db):
    batch = make_traced_batch(lot_code="L2026-12")
    db.session.commit()
    batch_id, lot_code = batch.id, batch.lot_code
    db.session.expunge_all()
    loaded = set()

    def remember(target, _context):
        loaded.add(type(target))

    event.listen(_db.Model, "load", remember, propagate=True)
    try:
        with app.test_request_context("/"):
            view = description.build(description.load(batch_id), True, today_vn(), "vi")
    finally:
        event.remove(_db.Model, "load", remember)
    assert lot_code in view["details"]
    # A model read here but not watched would keep a stale page in other workers' caches.
    assert loaded and loaded <= set(description.WATCHED), loaded - set(description.WATCHED)

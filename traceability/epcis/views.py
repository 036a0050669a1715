"""The EPCIS 2.0 route: a published batch's trace events as JSON-LD, cross-origin like every resolver answer."""

from flask import current_app, request
from sqlalchemy import select

from storefront.columns import utcnow
from storefront.extensions import db
from traceability.blueprint import bp
from traceability.epcis.document import MEDIA_TYPE, epcis_document
from traceability.http import cors, preflight
from traceability.models import Batch
from traceability.stamps.urls import base_url


@bp.route("/api/v1/batches/<int:batch_id>/epcis", methods=["GET", "HEAD", "OPTIONS"])
def epcis_events(batch_id):
    """Return a published batch's trace events as an EPCIS 2.0 JSON-LD document."""
    if request.method == "OPTIONS":
        return preflight()
    batch = db.first_or_404(select(Batch).where(Batch.id == batch_id, Batch.is_published.is_(True)))
    document = epcis_document(batch, base_url=base_url(), now=utcnow())
    response = current_app.response_class(current_app.json.dumps(document), mimetype=MEDIA_TYPE)
    return cors(response)

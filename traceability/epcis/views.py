"""The EPCIS 2.0 routes: a published batch's trace events as JSON-LD, the vocabulary our extension
URIs belong to, and the locations our URIs name; cross-origin like every resolver answer."""

from flask import abort, current_app, request
from sqlalchemy import or_, select

from storefront.columns import utcnow
from storefront.extensions import db
from traceability.blueprint import bp
from traceability.epcis.document import (
    BIZ_STEP_TERMS,
    ILMD_TERMS,
    MEDIA_TYPE,
    PREFIX,
    epcis_document,
    location_uri,
    namespace,
)
from traceability.epcis.openapi import MAX_ID, MAX_LOCATION_CODE
from traceability.http import cors, preflight
from traceability.models import Batch, TraceEvent
from traceability.stamps.urls import base_url

_RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _json_ld(document):
    response = current_app.response_class(current_app.json.dumps(document), mimetype=MEDIA_TYPE)
    return cors(response)


@bp.route("/api/v1/batches/<int:batch_id>/epcis", methods=["GET", "HEAD", "OPTIONS"])
def epcis_events(batch_id):
    """Return a published batch's trace events as an EPCIS 2.0 JSON-LD document."""
    if request.method == "OPTIONS":
        return preflight()
    if batch_id > MAX_ID:
        abort(404)
    batch = db.first_or_404(select(Batch).where(Batch.id == batch_id, Batch.is_published.is_(True)))
    return _json_ld(epcis_document(batch, base_url=base_url(), now=utcnow()))


def _term(name, kind, labels):
    label_vi, label_en, comment = labels
    return {
        "id": f"{PREFIX}:{name}",
        "type": kind,
        "rdfs:label": [{"@value": label_vi, "@language": "vi"}, {"@value": label_en, "@language": "en"}],
        "rdfs:comment": {"@value": comment, "@language": "en"},
    }


@bp.route("/api/v1/epcis/vocabulary", methods=["GET", "HEAD", "OPTIONS"])
def epcis_vocabulary():
    """Return the terms our EPCIS documents use where CBV 2.0 has none (the ocop: namespace)."""
    if request.method == "OPTIONS":
        return preflight()
    base = base_url()
    return _json_ld(
        {
            "@context": {
                PREFIX: namespace(base),
                "rdfs": _RDFS,
                "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                "cbv": "https://ref.gs1.org/cbv/",
                "id": "@id",
                "type": "@type",
            },
            "id": namespace(base),
            "rdfs:comment": (
                "Extension terms of OCOP Market's EPCIS 2.0 documents. The material a lot is made of "
                "has no GS1 key and is named <the lot's EPCIS document>#material."
            ),
            "@graph": [_term(name, "cbv:BizStep", labels) for name, labels in BIZ_STEP_TERMS.items()]
            + [_term(name, "rdf:Property", labels) for name, labels in ILMD_TERMS.items()],
        }
    )


@bp.route("/api/v1/epcis/locations/<path:code>", methods=["GET", "HEAD", "OPTIONS"])
def epcis_location(code):
    """Return what our published trace events say of a location code (its names), or 404."""
    if request.method == "OPTIONS":
        return preflight()
    if not code or len(code) > MAX_LOCATION_CODE:
        abort(404)
    published = select(TraceEvent.location_name).join(Batch).where(Batch.is_published.is_(True))
    names = db.session.scalars(
        published.where(or_(TraceEvent.read_point == code, TraceEvent.biz_location == code))
        .distinct()
        .order_by(TraceEvent.location_name)
    ).all()
    if not names:
        abort(404)
    return _json_ld(
        {
            "@context": {"rdfs": _RDFS, "dcterms": "http://purl.org/dc/terms/", "id": "@id"},
            "id": location_uri(code, base_url=base_url()),
            "dcterms:identifier": code,
            "rdfs:label": [name for name in names if name],
        }
    )

"""The EPCIS routes in /api/v1/openapi.json (the document itself is built in storefront.catalog.openapi)."""

from storefront.catalog.openapi import add_paths, error_response

#: Path ids above PostgreSQL's integer are no row of ours: answered 404 before any query.
MAX_ID = 2_147_483_647
#: The longest location code a trace event stores (TraceEvent.read_point / biz_location).
MAX_LOCATION_CODE = 120
JSON_LD = "application/ld+json"
GS1_SCHEMA = "https://ref.gs1.org/standards/epcis/epcis-json-schema.json"


def _ld(description: str, ref: str) -> dict:
    return {"description": description, "content": {JSON_LD: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


add_paths(
    {
        "/api/v1/batches/{batch_id}/epcis": {
            "get": {
                "summary": "A published batch's trace events as a GS1 EPCIS 2.0 document",
                "description": (
                    "JSON-LD with GS1's EPCIS 2.0 context, valid against GS1's EPCIS 2.0 JSON schema. The "
                    "harvest is an ObjectEvent ADD (bizStep commissioning) with lot master data (ILMD); "
                    "processing is a TransformationEvent from the harvested or received material to the "
                    "lot (or an ObjectEvent ADD when nothing precedes it); later stages are ObjectEvent "
                    "OBSERVE. Terms CBV 2.0 lacks use the `ocop:` prefix, declared in the document's "
                    "@context and described by /api/v1/epcis/vocabulary. Answered cross-origin."
                ),
                "parameters": [
                    {
                        "name": "batch_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    }
                ],
                "responses": {
                    "200": _ld("The batch's EPCIS document, oldest event first", "EPCISDocument"),
                    "404": error_response("No published batch has this id"),
                },
            }
        },
        "/api/v1/epcis/vocabulary": {
            "get": {
                "summary": "The terms of the ocop: namespace our EPCIS documents use where CBV 2.0 has none",
                "responses": {"200": _ld("JSON-LD: each term with Vietnamese and English labels", "Vocabulary")},
            }
        },
        "/api/v1/epcis/locations/{code}": {
            "get": {
                "summary": "A location our EPCIS documents name by a code that is not a GLN",
                "description": (
                    "A GLN is written as its GS1 Digital Link (https://id.gs1.org/414/…) instead. The code is "
                    "percent-encoded in the path, a slash as %2F."
                ),
                "parameters": [
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LOCATION_CODE},
                    }
                ],
                "responses": {
                    "200": _ld("The location's code and the names published trace events give it", "Location"),
                    "404": error_response("No published trace event names this code"),
                },
            }
        },
    },
    schemas={
        "EPCISDocument": {
            "type": "object",
            "description": "An EPCIS 2.0 EPCISDocument; its full schema is GS1's.",
            "externalDocs": {"url": GS1_SCHEMA},
            "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
            "properties": {
                "@context": {"type": "array", "items": {}},
                "type": {"type": "string", "enum": ["EPCISDocument"]},
                "schemaVersion": {"type": "string", "enum": ["2.0"]},
                "creationDate": {"type": "string", "format": "date-time"},
                "epcisBody": {
                    "type": "object",
                    "required": ["eventList"],
                    "properties": {"eventList": {"type": "array", "items": {"type": "object"}}},
                },
            },
        },
        "Vocabulary": {
            "type": "object",
            "required": ["@context", "id", "@graph"],
            "properties": {
                "@context": {"type": "object"},
                "id": {"type": "string", "format": "uri"},
                "@graph": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "type", "rdfs:label"],
                        "properties": {"id": {"type": "string"}, "type": {"type": "string"}},
                    },
                },
            },
        },
        "Location": {
            "type": "object",
            "required": ["@context", "id", "dcterms:identifier", "rdfs:label"],
            "properties": {
                "@context": {"type": "object"},
                "id": {"type": "string", "format": "uri"},
                "dcterms:identifier": {"type": "string"},
                "rdfs:label": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
)

"""A JSON Schema for the EPCIS 2.0 documents we export, written from the standards' text.

Written from EPCIS 2.0 (GS1, 2022) §7 and §9 (JSON/JSON-LD binding) and CBV 2.0 §7 (bizStep and
disposition values) and §10 (master data attributes), not copied from GS1's schema file. It
holds what the standard requires of every document (members, required fields, the event kinds'
what-dimension, ILMD only where objects come into being, CBV words or URIs outside CBV's
namespace) plus what we promise on top (urn:uuid or CBV hash event ids, namespaced ILMD keys,
no nulls, class identifiers without data attributes).
"""

URI = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$"}
HTTP_URI = {"type": "string", "pattern": r"^https?://[^\s/?#]+[^\s]*$"}
# EPCIS 2.0 §9.7: a date-time with a time zone offset; we write milliseconds.
DATE_TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$"}
DATE = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\d$"}

# CBV 2.0 §7.2 (bizStep) and §7.3 (disposition): the bare words EPCIS 2.0 JSON-LD writes.
CBV_BIZ_STEPS = [
    *"accepting arriving assembling collecting commissioning consigning creating_class_instance".split(),
    *"cycle_counting decommissioning departing destroying disassembling dispensing encoding".split(),
    *"entering_exiting holding inspecting installing killing loading other packing picking".split(),
    *"receiving removing repackaging repairing replacing reserving retail_selling sampling".split(),
    *"sensor_reporting shipping staging_outbound stock_taking stocking storing transporting".split(),
    *"unloading unpacking void_shipping".split(),
]
CBV_DISPOSITIONS = [
    *"active available completeness_inferred completeness_verified conformant container_closed".split(),
    *"container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit".split(),
    *"inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement".split(),
    *"no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved".split(),
    *"retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown".split(),
]
# CBV 2.0 §10: lot-level master data attributes (urn:epcglobal:cbv:mda:, prefix cbvmda in GS1's context).
CBV_MDA = [
    *"lotNumber itemExpirationDate bestBeforeDate sellByDate firstFreezeDate countryOfOrigin".split(),
    *"countryOfExport harvestStartDate harvestEndDate drainedWeight grossWeight netWeight".split(),
]
# A CBV term must be written as CBV's bare word, never as a URI in CBV's own namespace (§9.6).
NOT_CBV_URI = {"not": {"pattern": r"^(urn:epcglobal:cbv:|https?://ns\.gs1\.org/cbv/|https?://ref\.gs1\.org/cbv/)"}}

EVENT_ID = {
    "type": "string",
    "pattern": r"^(urn:uuid:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0)$",
}
# A class identifier carries no data attributes (no ?17=…): GTIN + lot, or an HTTP URI of ours.
EPC_CLASS = {"allOf": [HTTP_URI, {"not": {"pattern": r"\?"}}]}
QUANTITY_ELEMENT = {
    "type": "object",
    "required": ["epcClass"],
    "additionalProperties": False,
    "properties": {
        "epcClass": EPC_CLASS,
        "quantity": {"type": "number", "minimum": 0},
        "uom": {"type": "string", "pattern": "^[A-Z0-9]{2,3}$"},
    },
}
QUANTITY_LIST = {"type": "array", "minItems": 1, "items": QUANTITY_ELEMENT}
LOCATION = {"type": "object", "required": ["id"], "additionalProperties": False, "properties": {"id": URI}}
ILMD = {
    "type": "object",
    "minProperties": 1,
    # Bare keys are not in GS1's context: JSON-LD expansion would drop them (EPCIS 2.0 §9.2).
    "propertyNames": {"anyOf": [{"enum": [f"cbvmda:{name}" for name in CBV_MDA]}, {"pattern": r"^ocop:[A-Za-z]+$"}]},
    "additionalProperties": {"not": {"type": "null"}},
}
COMMON = {
    "type": {"type": "string"},
    "eventTime": DATE_TIME,
    "eventTimeZoneOffset": {"type": "string", "pattern": r"^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$"},
    "eventID": EVENT_ID,
    "bizStep": {"anyOf": [{"enum": CBV_BIZ_STEPS}, {"allOf": [URI, NOT_CBV_URI]}]},
    "disposition": {"anyOf": [{"enum": CBV_DISPOSITIONS}, {"allOf": [URI, NOT_CBV_URI]}]},
    "readPoint": LOCATION,
    "bizLocation": LOCATION,
    "ilmd": ILMD,
}
ACTION = {"enum": ["ADD", "OBSERVE", "DELETE"]}


def _event(kind: str, members: dict, *, required=(), **rules) -> dict:
    """An event kind: the common members plus its own, nothing else, and its own rules."""
    return {
        "type": "object",
        "required": ["type", "eventTime", "eventTimeZoneOffset", *required],
        "additionalProperties": False,
        "properties": {**COMMON, "type": {"const": kind}, **members},
        **rules,
    }


OBJECT_EVENT = _event(
    "ObjectEvent",
    {"action": ACTION, "epcList": {"type": "array", "items": URI}, "quantityList": QUANTITY_LIST},
    required=["action"],
    # What: EPCs or quantities (§7.4.2). ILMD describes objects as they come into being: ADD only (§7.4.2).
    anyOf=[{"required": ["epcList"]}, {"required": ["quantityList"]}],
    **{"if": {"required": ["ilmd"]}, "then": {"properties": {"action": {"const": "ADD"}}}},
)
TRANSFORMATION_EVENT = _event(
    "TransformationEvent",
    {
        "inputEPCList": {"type": "array", "minItems": 1, "items": URI},
        "inputQuantityList": QUANTITY_LIST,
        "outputEPCList": {"type": "array", "minItems": 1, "items": URI},
        "outputQuantityList": QUANTITY_LIST,
        "transformationID": URI,
    },
    # §7.4.6: at least one input and one output, unless a transformationID ties events together.
    anyOf=[
        {
            "allOf": [
                {"anyOf": [{"required": ["inputEPCList"]}, {"required": ["inputQuantityList"]}]},
                {"anyOf": [{"required": ["outputEPCList"]}, {"required": ["outputQuantityList"]}]},
            ]
        },
        {"required": ["transformationID"]},
    ],
)
AGGREGATION_EVENT = _event(
    "AggregationEvent",
    {
        "action": ACTION,
        "parentID": URI,
        "childEPCs": {"type": "array", "minItems": 1, "items": URI},
        "childQuantityList": QUANTITY_LIST,
        # An aggregation has no ILMD (EPCIS 2.0 §7.4.3).
        "ilmd": False,
    },
    required=["action"],
)
EVENT = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"enum": ["ObjectEvent", "TransformationEvent", "AggregationEvent"]}},
    # Dispatched on the type (if/then rather than oneOf), so an error names the member at fault.
    "allOf": [
        {"if": {"properties": {"type": {"const": kind["properties"]["type"]["const"]}}}, "then": kind}
        for kind in (OBJECT_EVENT, TRANSFORMATION_EVENT, AGGREGATION_EVENT)
    ],
}
CONTEXT = {
    "type": "array",
    # §9.2: GS1's context first; our own prefixes after it, each an absolute HTTP IRI.
    "prefixItems": [{"const": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"}],
    "items": {"type": "object", "additionalProperties": HTTP_URI},
    "minItems": 1,
}
EPCIS_DOCUMENT = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
    "additionalProperties": False,
    "properties": {
        "@context": CONTEXT,
        "type": {"const": "EPCISDocument"},
        "schemaVersion": {"const": "2.0"},
        "creationDate": DATE_TIME,
        "epcisBody": {
            "type": "object",
            "required": ["eventList"],
            "additionalProperties": False,
            "properties": {"eventList": {"type": "array", "items": EVENT}},
        },
    },
}


def nulls(node, path="$") -> list[str]:
    """Return the paths of every null in a JSON value (EPCIS has no null members; leave them out)."""
    if node is None:
        return [path]
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in nulls(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [p for index, value in enumerate(node) for p in nulls(value, f"{path}[{index}]")]
    return []

"""Export a batch's trace events as a GS1 EPCIS 2.0 JSON-LD document."""

from datetime import datetime
from urllib.parse import quote

from traceability.batches.services import event_local_time
from traceability.models import Batch, TraceEvent
from traceability.stamps.urls import origin_url

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
MEDIA_TYPE = "application/ld+json"

# CBV 2.0 bizStep values, written bare in EPCIS 2.0 JSON-LD (the context expands them).
# Our own steps (e.g. "harvesting", which CBV lacks) become URIs under our vocabulary.
CBV_BIZ_STEPS = frozenset(
    "accepting arriving assembling collecting commissioning consigning creating_class_instance "
    "cycle_counting decommissioning departing destroying disassembling dispensing encoding "
    "entering_exiting holding inspecting installing killing loading other packing picking receiving "
    "removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting "
    "shipping staging_outbound stock_taking stocking storing transforming transporting unloading "
    "unpacking void_shipping".split()
)
CBV_DISPOSITIONS = frozenset(
    "active available completeness_verified conformant container_closed damaged destroyed dispensed "
    "disposed encoded expired in_progress in_transit inactive mismatch_instance needs_replacement "
    "no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved "
    "retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown".split()
)
_LOCATION_URN = "urn:ocop:vn:location:"


def _vocabulary(value: str, known: frozenset, kind: str, base_url: str) -> str:
    if value in known or ":" in value:
        return value
    return f"{base_url}/voc/{kind}/{quote(value, safe='')}"


def _location(code: str) -> dict | None:
    # Planting-area codes (mã số vùng trồng) are not URIs; EPCIS location ids must be.
    if not code:
        return None
    return {"id": code if ":" in code else _LOCATION_URN + quote(code, safe="-._~")}


def _time(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def _ilmd(batch: Batch, event: TraceEvent) -> dict:
    data = {"cbvmda:lotNumber": batch.lot_code}
    if batch.expiry_date:
        data["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
    if batch.harvest_date:
        data["cbvmda:harvestStartDate"] = batch.harvest_date.isoformat()
    if batch.growing_area_code:
        data["cbvmda:farmList"] = [{"cbvmda:farmID": batch.growing_area_code}]
    data.update(event.ilmd or {})
    return data


def epcis_event(batch: Batch, event: TraceEvent, *, lot_uri: str, base_url: str) -> dict:
    """Return one stored trace event as an EPCIS 2.0 event object."""
    local = event_local_time(event)
    item = {
        "type": event.event_type.value,
        "eventTime": _time(local),
        "eventTimeZoneOffset": event.event_time_zone_offset,
        "eventID": f"{base_url}/api/v1/batches/{batch.id}/events/{event.id}",
        "quantityList": [{"epcClass": lot_uri, "quantity": batch.quantity}],
        "bizStep": _vocabulary(event.biz_step, CBV_BIZ_STEPS, "bizstep", base_url),
    }
    if event.action is not None:
        item["action"] = event.action.value
    if event.disposition:
        item["disposition"] = _vocabulary(event.disposition, CBV_DISPOSITIONS, "disp", base_url)
    read_point, biz_location = _location(event.read_point), _location(event.biz_location)
    if read_point:
        item["readPoint"] = read_point
    if biz_location:
        item["bizLocation"] = biz_location
    # EPCIS 2.0 §7.3.6: lot master data rides on the events that create the objects.
    if event.biz_step in ("commissioning", "harvesting") or event.ilmd:
        item["ilmd"] = _ilmd(batch, event)
    return item


def epcis_document(batch: Batch, *, base_url: str, now: datetime) -> dict:
    """Return an EPCISDocument with every trace event of a batch, oldest first."""
    base_url = base_url.rstrip("/")
    # The lot-level Digital Link (or /t/ path without GTIN) is the class of every unit.
    lot_uri = origin_url(batch)
    return {
        "@context": [EPCIS_CONTEXT, {"cbvmda": "urn:epcglobal:cbv:mda:"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(now),
        "epcisBody": {
            "eventList": [epcis_event(batch, event, lot_uri=lot_uri, base_url=base_url) for event in batch.events]
        },
    }

"""Export a batch's trace events as a GS1 EPCIS 2.0 JSON-LD document.

The stored events are the producer's stages (bizStep "harvesting", "commissioning", "packing"…);
their stored event type and action are not trusted (the producer form stores every stage as an
ObjectEvent OBSERVE). The export decides the EPCIS shape from the stage and its place in the lot's
life, as EPCIS 2.0 (§7.4) and CBV 2.0 describe it:

- the harvest creates objects: ObjectEvent ADD, bizStep ``commissioning``, with ILMD;
- processing that turns harvested or received material into the lot: TransformationEvent with
  input and output quantity lists and the lot's ILMD; processing with nothing before it creates
  the lot: ObjectEvent ADD;
- every other stage (receiving, inspecting, packing, storing, shipping…): ObjectEvent OBSERVE of
  the lot, never with ILMD (the standard allows ILMD only where objects come into being).

Terms CBV 2.0 lacks are URIs in our own vocabulary (``ocop:``, declared in the document's
@context and answered by /api/v1/epcis/vocabulary); locations are GS1 Digital Link URIs
(AI 414) where the code is a GLN, otherwise URIs answered by /api/v1/epcis/locations/<code>.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import quote

from traceability.batches.services import event_local_time
from traceability.identifiers import digital_link
from traceability.models import Batch, TraceEvent
from traceability.stamps.urls import origin_path

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
MEDIA_TYPE = "application/ld+json"
#: Our prefix for terms CBV 2.0 has no word for.
PREFIX = "ocop"

# CBV 2.0 §7.2 bizStep and §7.3 disposition values, written bare in EPCIS 2.0 JSON-LD (GS1's
# context expands them). CBV 1.x's "transforming" is not among them: CBV 2.0 has no such step.
CBV_BIZ_STEPS = frozenset(
    "accepting arriving assembling collecting commissioning consigning creating_class_instance "
    "cycle_counting decommissioning departing destroying disassembling dispensing encoding "
    "entering_exiting holding inspecting installing killing loading other packing picking receiving "
    "removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting "
    "shipping staging_outbound stock_taking stocking storing transporting unloading unpacking "
    "void_shipping".split()
)
CBV_DISPOSITIONS = frozenset(
    "active available completeness_inferred completeness_verified conformant container_closed "
    "container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit "
    "inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement no_pedigree_match "
    "non_conformant non_sellable_other partially_dispensed recalled reserved retail_sold returned "
    "sellable_accessible sellable_not_accessible stolen unavailable unknown".split()
)
# CBV URIs may not be written out in full where the bare word is the standard form.
_CBV_URI_PREFIXES = ("urn:epcglobal:cbv:", "http://ns.gs1.org/cbv/", "https://ns.gs1.org/cbv/")

#: Our bizStep terms: (label vi, label en, what it means).
BIZ_STEP_TERMS = {
    "growing": (
        "Canh tác",
        "Growing",
        "A bizStep: tending the crop in its growing area before harvest (CBV 2.0 has no such step).",
    ),
    "harvesting": (
        "Thu hoạch",
        "Harvesting",
        "A bizStep: a further harvest recorded after the lot already exists (the first harvest is CBV commissioning).",
    ),
    "processing": (
        "Chế biến",
        "Processing",
        "A bizStep: a further processing step of a lot that already exists (the one that makes the "
        "lot is CBV commissioning; CBV 2.0 has no 'transforming').",
    ),
}
#: Our ILMD attributes, for what CBV 2.0's master data attributes (cbvmda:) do not cover.
ILMD_TERMS = {
    "productionDate": (
        "Ngày sản xuất",
        "Production date",
        "An ILMD attribute: the day the lot was produced (xsd:date), as GS1 AI (11).",
    ),
    "growingAreaCode": (
        "Mã số vùng trồng",
        "Growing area code",
        "An ILMD attribute: the Vietnamese planting-area code (mã số vùng trồng) of the harvest.",
    ),
}
# The stored steps whose first occurrence brings objects into being.
_SOURCE_STEPS = ("harvesting", "receiving")
_PROCESSING = "commissioning"
# A later occurrence of a step that creates objects is only observed, under our own word for it.
_OBSERVED_AGAIN = {"harvesting": "harvesting", "commissioning": "processing"}


def vocabulary_url(base_url: str) -> str:
    return f"{base_url}/api/v1/epcis/vocabulary"


def namespace(base_url: str) -> str:
    """The IRI our prefix stands for; a term's IRI is this plus its name."""
    return vocabulary_url(base_url) + "#"


def document_url(base_url: str, batch: Batch) -> str:
    return f"{base_url}/api/v1/batches/{batch.id}/epcis"


def location_uri(code: str, *, base_url: str) -> str:
    """A location code as an EPCIS location URI.

    A GLN (13 digits with a valid GS1 check digit) becomes its GS1 Digital Link (AI 414), an
    SGLN or web URI stays as given, and any other code (planting-area code, the producer's own
    site code) becomes a URI of ours that /api/v1/epcis/locations/<code> answers.
    """
    code = code.strip()
    if len(code) == 13 and code.isascii() and code.isdigit():
        if digital_link.gtin_check_digit(code[:12]) == int(code[12]):
            return f"https://id.gs1.org/414/{code}"
    if code.startswith(("urn:epc:id:sgln:", "https://", "http://")):
        return code
    return f"{base_url}/api/v1/epcis/locations/{quote(code, safe='')}"


def lot_class(batch: Batch, *, base_url: str) -> str:
    """The lot as an EPCIS class identifier: GTIN + lot Digital Link, without data attributes.

    A product without a GTIN has no GS1 key; its lot is then the HTTP URI its stamps carry
    (/t/{code}), a URI of ours that answers with the lot's origin page (CBV 2.0 allows an
    organisation's own HTTP URIs as identifiers).
    """
    gtin = batch.product.gtin
    if gtin:
        return digital_link.DigitalLink(gtin=gtin, lot=batch.lot_code).uri(base_url)
    return base_url + origin_path(batch)


def _time(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def _event_id(base_url: str, event: TraceEvent) -> str:
    # A name-based UUID (RFC 4122 v5) of the event's place here: the same id in every export.
    # (Not a CBV 2.0 hash id: that needs CBV's canonical pre-hash string, which we do not build.)
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url}/api/v1/trace-events/{event.id}"))


def _vocabulary_term(value: str, known: frozenset, base_url: str) -> str | None:
    """A stored bizStep/disposition as CBV's bare word, our term's URI, or a URI as stored."""
    value = value.strip()
    if value in known:
        return value
    if value in BIZ_STEP_TERMS:
        return namespace(base_url) + value
    if ":" in value and not value.startswith(_CBV_URI_PREFIXES):
        return value
    return None


def _lot_ilmd(batch: Batch) -> dict:
    data = {"cbvmda:lotNumber": batch.lot_code}
    if batch.expiry_date:
        data["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
    if batch.production_date:
        data[f"{PREFIX}:productionDate"] = batch.production_date.isoformat()
    return data


def _harvest_ilmd(batch: Batch, event: TraceEvent) -> dict:
    day = (batch.harvest_date or event_local_time(event).date()).isoformat()
    data = {"cbvmda:harvestStartDate": day, "cbvmda:harvestEndDate": day}
    if batch.growing_area_code:
        data[f"{PREFIX}:growingAreaCode"] = batch.growing_area_code
    return data


def _stored_ilmd(event: TraceEvent) -> dict:
    """Namespaced, non-null values stored with the event (bare keys would be dropped by JSON-LD)."""
    stored = event.ilmd if isinstance(event.ilmd, dict) else {}
    return {key: value for key, value in stored.items() if ":" in key and value is not None}


def _ilmd(*parts: dict) -> dict:
    data: dict = {}
    for part in parts:
        for key, value in part.items():
            data.setdefault(key, value)
    return data


class _Lot:
    """Builds a batch's events in order, knowing whether the lot exists yet."""

    def __init__(self, batch: Batch, base_url: str):
        self.batch, self.base_url = batch, base_url
        self.lot = [{"epcClass": lot_class(batch, base_url=base_url), "quantity": batch.quantity}]
        # The material a lot is made from has no GS1 key: a fragment of this lot's document names it.
        self.material = [{"epcClass": document_url(base_url, batch) + "#material"}]
        events = list(batch.events)
        self.first_processing = next((e for e in events if e.biz_step.strip() == _PROCESSING), None)
        self.transforms = self.first_processing is not None and any(
            e.biz_step.strip() in _SOURCE_STEPS and e.event_time <= self.first_processing.event_time for e in events
        )
        self.exists = False

    def _common(self, event: TraceEvent, event_type: str) -> dict:
        return {
            "type": event_type,
            "eventTime": _time(event_local_time(event)),
            "eventTimeZoneOffset": event.event_time_zone_offset,
            "eventID": _event_id(self.base_url, event),
        }

    def _where_why(self, item: dict, event: TraceEvent, *, biz_step: str, disposition: str | None) -> dict:
        item["bizStep"] = biz_step
        if disposition:
            item["disposition"] = disposition
        if event.read_point.strip():
            item["readPoint"] = {"id": location_uri(event.read_point, base_url=self.base_url)}
        if event.biz_location.strip():
            item["bizLocation"] = {"id": location_uri(event.biz_location, base_url=self.base_url)}
        return item

    def _disposition(self, event: TraceEvent, default: str | None = None) -> str | None:
        return _vocabulary_term(event.disposition, CBV_DISPOSITIONS, self.base_url) if event.disposition else default

    def event(self, event: TraceEvent) -> dict:
        step = event.biz_step.strip()
        if event is self.first_processing and self.transforms:
            self.exists = True
            item = self._common(event, "TransformationEvent")
            item["inputQuantityList"] = self.material
            item["outputQuantityList"] = self.lot
            self._where_why(item, event, biz_step="commissioning", disposition=self._disposition(event, "active"))
            item["ilmd"] = _ilmd(_lot_ilmd(self.batch), _stored_ilmd(event))
            return item
        if not self.exists and (step == _PROCESSING or (step == "harvesting" and not self.transforms)):
            # The lot comes into being here (processing with nothing before it, or a harvest packed as is).
            self.exists = True
            parts = [_lot_ilmd(self.batch)]
            if step == "harvesting":
                parts.append(_harvest_ilmd(self.batch, event))
            return self._add(event, self.lot, _ilmd(*parts, _stored_ilmd(event)))
        if not self.exists and step == "harvesting":
            return self._add(event, self.material, _ilmd(_harvest_ilmd(self.batch, event), _stored_ilmd(event)))
        # Everything else only observes what exists: the material before processing, else the lot.
        item = self._common(event, "ObjectEvent")
        item["action"] = "OBSERVE"
        item["quantityList"] = self.material if (self.transforms and not self.exists) else self.lot
        if self.exists and step in _OBSERVED_AGAIN:
            biz_step = namespace(self.base_url) + _OBSERVED_AGAIN[step]
        else:
            biz_step = _vocabulary_term(step, CBV_BIZ_STEPS, self.base_url) or "other"
        return self._where_why(item, event, biz_step=biz_step, disposition=self._disposition(event))

    def _add(self, event: TraceEvent, what: list, ilmd: dict) -> dict:
        item = self._common(event, "ObjectEvent")
        item["action"] = "ADD"
        item["quantityList"] = what
        self._where_why(item, event, biz_step="commissioning", disposition=self._disposition(event, "active"))
        item["ilmd"] = ilmd
        return item


def epcis_events(batch: Batch, *, base_url: str) -> list[dict]:
    """Return a batch's stored trace events as EPCIS 2.0 event objects, oldest first."""
    lot = _Lot(batch, base_url.rstrip("/"))
    return [lot.event(event) for event in batch.events]


def epcis_document(batch: Batch, *, base_url: str, now: datetime) -> dict:
    """Return an EPCISDocument with every trace event of a batch, oldest first."""
    base_url = base_url.rstrip("/")
    return {
        "@context": [EPCIS_CONTEXT, {PREFIX: namespace(base_url)}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(now),
        "epcisBody": {"eventList": epcis_events(batch, base_url=base_url)},
    }

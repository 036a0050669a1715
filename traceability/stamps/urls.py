"""Where a batch's or stamp's QR points: its GS1 Digital Link (or /t/{code} without a GTIN), absolute or as a path."""

from __future__ import annotations

from flask import current_app

from traceability.identifiers import codes, digital_link
from traceability.models import Batch, Stamp


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def origin_path(batch: Batch, stamp: Stamp | None = None) -> str:
    """Return the path (and ?17= expiry query) of a batch's or stamp's origin page."""
    serial = stamp.serial if stamp is not None else None
    if batch.product.gtin:
        link = digital_link.DigitalLink(
            gtin=batch.product.gtin, lot=batch.lot_code, serial=serial, expiry=batch.expiry_date
        )
        return link.uri("")
    # No GTIN, no fake one: a non-GS1 path that the same pages answer.
    path = codes.short_path(batch.short_code)
    return f"{path}/{serial}" if serial else path


def origin_url(batch: Batch, stamp: Stamp | None = None) -> str:
    """Return the absolute URL printed in a QR stamp: GS1 Digital Link, or /t/{code} without a GTIN."""
    return base_url() + origin_path(batch, stamp)


def stamp_url(stamp: Stamp) -> str:
    return origin_url(stamp.batch, stamp)

"""Where a batch's or stamp's QR points (its GS1 Digital Link, or /t/{code} without a GTIN) and where its
origin page lives, absolute or as a path.

A GS1 Digital Link with a lot or serial is answered by the resolver with a 307 to the origin page
at its own URL, /origin + the Digital Link's path (GS1-Conformant resolver standard: the resolver
redirects to the default link, and that page is it). A /t/ code is not a GS1 key: it is its own
origin page.
"""

from __future__ import annotations

from flask import current_app

from traceability.identifiers import codes, digital_link
from traceability.models import Batch, Stamp

#: The origin page of a GS1 Digital Link is this prefix + the link's path (no query).
ORIGIN_PREFIX = "/origin"


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def _link(batch: Batch, stamp: Stamp | None, *, expiry: bool) -> digital_link.DigitalLink:
    serial = stamp.serial if stamp is not None else None
    return digital_link.DigitalLink(
        gtin=batch.product.gtin, lot=batch.lot_code, serial=serial, expiry=batch.expiry_date if expiry else None
    )


def _short_path(batch: Batch, stamp: Stamp | None) -> str:
    # No GTIN, no fake one: a non-GS1 path that is its own origin page.
    serial = stamp.serial if stamp is not None else None
    path = codes.short_path(batch.short_code)
    return f"{path}/{serial}" if serial else path


def digital_link_path(batch: Batch, stamp: Stamp | None = None) -> str:
    """Return the path (and ?17= expiry query) a batch's or stamp's QR carries."""
    if batch.product.gtin:
        return _link(batch, stamp, expiry=True).uri("")
    return _short_path(batch, stamp)


def digital_link_url(batch: Batch, stamp: Stamp | None = None) -> str:
    """Return the absolute URL printed in a QR stamp: GS1 Digital Link, or /t/{code} without a GTIN."""
    return base_url() + digital_link_path(batch, stamp)


def stamp_url(stamp: Stamp) -> str:
    return digital_link_url(stamp.batch, stamp)


def origin_path_of(link: digital_link.DigitalLink) -> str:
    """The origin page's path of a Digital Link with a lot or serial (its query is not part of it)."""
    return ORIGIN_PREFIX + link.path


def origin_path(batch: Batch, stamp: Stamp | None = None) -> str:
    """Return the path of a batch's or stamp's origin page: /origin/01/…/10/… or the /t/ code."""
    if batch.product.gtin:
        return origin_path_of(_link(batch, stamp, expiry=False))
    return _short_path(batch, stamp)


def origin_url(batch: Batch, stamp: Stamp | None = None) -> str:
    """Return the absolute URL of a batch's or stamp's origin page (the default link of its Digital Link)."""
    return base_url() + origin_path(batch, stamp)

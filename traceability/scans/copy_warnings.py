"""Copy warnings: when a serialized stamp's scans say it has been copied, and how producers and
the office mark display units and clear a false warning."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from storefront.columns import utcnow
from storefront.extensions import db
from traceability.errors import InvalidStampRequest
from traceability.models import Batch, Scan, Stamp
from traceability.scans.recording import StampState
from traceability.stamps.services import stamps_by_serials

_SCAN_WINDOW = timedelta(hours=24)


def _warning_facts(stamp: Stamp | StampState) -> tuple[int, bool, datetime | None]:
    if isinstance(stamp, Stamp):
        return stamp.device_count - stamp.devices_at_clear, stamp.is_display, stamp.warning_cleared_at
    return stamp.devices, stamp.is_display, stamp.warning_cleared_at


def scan_warning(
    stamp: Stamp | StampState | None,
    *,
    now: datetime | None = None,
    threshold: int | None = None,
    check_regions: bool = True,
    unwritten_regions: Iterable[str] = (),
) -> str | None:
    """Return why a serialized stamp looks copied ("devices" or "regions"), or None.

    Evidence, not volume: more distinct devices than SCAN_WARNING_THRESHOLD (a phone's repeats
    count once a day, scans over the rate limit never), or two regions within 24 hours as a
    trusted proxy reported them. Devices and regions count from the last clearing on. A
    lot-level (or batch-level) code is shared by every unit, and a display unit is scanned by
    many on purpose: neither warns. check_regions=False skips the regions query (no trusted
    region header); unwritten_regions are those of this worker's scans of the stamp not yet written.
    """
    if stamp is None or stamp.serial is None:
        return None
    devices, is_display, cleared_at = _warning_facts(stamp)
    if is_display:
        return None
    if threshold is None:
        threshold = current_app.config.get("SCAN_WARNING_THRESHOLD", 20)
    if devices > threshold:
        return "devices"
    if stamp.scan_count < 2 or not check_regions:
        return None  # one scan cannot come from two regions
    now = now or utcnow()
    since = now - _SCAN_WINDOW
    if cleared_at is not None and cleared_at > since:
        since = cleared_at
    regions = set(
        db.session.scalars(
            select(Scan.region).distinct().where(Scan.stamp_id == stamp.id, Scan.region != "", Scan.scanned_at >= since)
        )
    )
    # One unit cannot be in two provinces within a day: the QR has been copied.
    return "regions" if len(regions | set(unwritten_regions)) >= 2 else None


def warning_stamps_clause(threshold: int):
    """SQL condition: serialized stamps whose distinct devices since clearing pass the threshold (not display units)."""
    return (
        ((Stamp.device_count - Stamp.devices_at_clear) > threshold)
        & Stamp.is_display.is_(False)
        & Stamp.serial.is_not(None)
    )


def batch_warning_stamps(batch: Batch, *, threshold: int) -> list[Stamp]:
    """The batch's stamps warned about by their devices, most devices first."""
    return list(
        db.session.scalars(
            select(Stamp)
            .where(Stamp.batch_id == batch.id, warning_stamps_clause(threshold))
            .order_by((Stamp.device_count - Stamp.devices_at_clear).desc(), Stamp.id)
            .limit(200)
        )
    )


def batch_display_stamps(batch: Batch) -> list[Stamp]:
    return list(
        db.session.scalars(
            select(Stamp).where(Stamp.batch_id == batch.id, Stamp.is_display.is_(True)).order_by(Stamp.id)
        )
    )


def mark_display_stamps(batch: Batch, serials: str, *, is_display: bool = True) -> int:
    """Mark (or unmark) the batch's stamps named by serial or range as on display units (showrooms,
    fairs): their scans never warn. Returns how many changed.

    :raises InvalidStampRequest: naming a serial the batch does not have (nothing changes then).
    """
    changed = 0
    for stamp in stamps_by_serials(batch, serials):
        if stamp.serial is not None and stamp.is_display != is_display:
            stamp.is_display = is_display
            changed += 1
    db.session.flush()
    return changed


def clear_scan_warning(stamp: Stamp, *, reason: str, actor, now: datetime | None = None) -> Stamp:
    """Clear a false copy warning: devices counted so far no longer count; new ones beyond the threshold warn again.

    The caller records it in the audit log (who, when, reason).

    :raises InvalidStampRequest: without a reason.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidStampRequest(_("Hãy ghi lý do gỡ cảnh báo."))
    # The stored count, read now: devices counted by a scan in flight are not lost from the next warning.
    db.session.refresh(stamp, ["device_count"])
    stamp.devices_at_clear = stamp.device_count
    stamp.warning_cleared_at = now or utcnow()
    stamp.warning_cleared_by_id = actor.id if actor is not None else None
    stamp.warning_clear_reason = reason[:500]
    db.session.flush()
    return stamp

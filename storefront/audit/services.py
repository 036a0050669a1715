"""Append to the audit log; and the audited actions both dashboards take."""

import enum
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from storefront.accounts.models import User
from storefront.audit.actions import ACTION_LABELS
from storefront.audit.models import AuditLogEntry
from storefront.clock import VIETNAM_TZ
from storefront.extensions import db
from traceability.scans import copy_warnings
from traceability.scans.copy_warnings import clear_scan_warning
from traceability.stamps.services import stamps_by_serials

#: What a stamp's copy warning is made of, logged before and after it is cleared.
STAMP_WARNING_FIELDS = ("device_count", "devices_at_clear", "warning_cleared_at", "warning_clear_reason")


def _json_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(obj, fields) -> dict:
    """Return the named attributes of a model as a JSON-safe dict."""
    return {name: _json_value(getattr(obj, name)) for name in fields}


def log_action(actor: User | None, action: str, obj, *, before=None, after=None, reason: str = "") -> AuditLogEntry:
    """Append one entry to the audit log in the current transaction.

    :raises ValueError: for an action not in storefront.audit.actions (the office could not name it).
    """
    if action not in ACTION_LABELS:
        raise ValueError(f"audit action {action!r} is not listed in storefront/audit/actions.py")
    entry = AuditLogEntry(
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else "",
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        before=before,
        after=after,
        reason=reason[:500],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def clear_copy_warning(stamp, *, reason: str, actor: User):
    """Clear a false copy warning on a stamp (traceability's rule), recorded in the audit log with its reason.

    Used by the office and by the stamp's producer: the log says who, when and why either way.
    """
    before = snapshot(stamp, STAMP_WARNING_FIELDS)
    clear_scan_warning(stamp, reason=reason, actor=actor)
    log_action(
        actor,
        "stamp.clear_warning",
        stamp,
        before=before,
        after=snapshot(stamp, STAMP_WARNING_FIELDS),
        reason=stamp.warning_clear_reason,
    )
    return stamp


def entries_about(obj) -> list[AuditLogEntry]:
    """Return the audit log entries about one object, oldest first."""
    return db.session.scalars(
        select(AuditLogEntry)
        .where(AuditLogEntry.object_type == type(obj).__name__, AuditLogEntry.object_id == obj.id)
        .order_by(AuditLogEntry.id)
    ).all()


def entries_page(
    *, action: str, object_type: str, actor: str, since: date | None, until: date | None, page: int, per_page: int
):
    """Return one page of the log, newest first: actions starting with `action`, an exact object type,
    actors whose email contains `actor`, from the start of `since` to the end of `until` (Vietnam days)."""
    query = select(AuditLogEntry).order_by(AuditLogEntry.id.desc())
    if action:
        query = query.where(AuditLogEntry.action.startswith(action))
    if object_type:
        query = query.where(AuditLogEntry.object_type == object_type)
    if actor:
        query = query.where(AuditLogEntry.actor_email.ilike(f"%{actor}%"))
    if since:
        query = query.where(AuditLogEntry.created_at >= datetime.combine(since, time.min, tzinfo=VIETNAM_TZ))
    if until:
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=VIETNAM_TZ)
        query = query.where(AuditLogEntry.created_at < end)
    return db.paginate(query, page=page, per_page=per_page)


def mark_display_stamps(batch, serials: str, *, is_display: bool, reason: str, actor: User) -> int:
    """Mark (or unmark) a batch's stamps as on display units (traceability's rule), recorded in the
    audit log with who, when and why, like clearing a copy warning; returns how many changed.

    One entry per change, on the batch, naming the stamps whose mark changed (none: no entry).
    """
    reason = (reason or "").strip()
    changing = [
        stamp.serial
        for stamp in stamps_by_serials(batch, serials)
        if stamp.serial is not None and stamp.is_display != is_display
    ]
    changed = copy_warnings.mark_display_stamps(batch, serials, is_display=is_display)
    if changed:
        log_action(
            actor,
            "stamp.mark_display" if is_display else "stamp.unmark_display",
            batch,
            before={"is_display": not is_display, "serials": changing},
            after={"is_display": is_display, "serials": changing},
            reason=reason,
        )
    return changed

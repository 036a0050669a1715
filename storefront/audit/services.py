"""Append to the audit log; and the audited actions both dashboards take."""

import enum
from datetime import date, datetime

from storefront.accounts.models import User
from storefront.audit.models import AuditLogEntry
from storefront.extensions import db
from traceability.services import clear_scan_warning

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
    """Append one entry to the audit log in the current transaction."""
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

"""The audit log: one row per action, appended in the action's transaction and never changed."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.columns import UTCDateTime, utcnow
from storefront.extensions import db


class AuditLogEntry(db.Model):
    """One office action: who, when, what, before and after. Rows are never updated."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Actor's email copied, so the log reads the same after an account is removed.
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")

    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)


class AuditLogImmutable(Exception):
    """Someone tried to change or delete an audit log row through the ORM."""


@event.listens_for(AuditLogEntry, "before_update")
@event.listens_for(AuditLogEntry, "before_delete")
def _refuse_audit_change(mapper, connection, target):
    # The log is evidence of what the office did; the ORM may only append to it.
    raise AuditLogImmutable(f"audit log entry {target.id} cannot be changed")

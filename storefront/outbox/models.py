"""Mail waiting to be sent, written in the same transaction as the change it reports."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storefront.columns import UTCDateTime, utcnow
from storefront.extensions import db


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    #: One optional text attachment (an experience booking's .ics), e.g. "booking.ics", "text/calendar".
    attachment_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    attachment_type: Mapped[str] = mapped_column(String(60), default="", server_default="")
    attachment_text: Mapped[str] = mapped_column(Text, default="", server_default="")

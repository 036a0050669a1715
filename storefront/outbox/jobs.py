"""Mail as jobs: delivery of what one commit queued, and the periodic sweep (`flask outbox send`'s work)."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from storefront.columns import utcnow
from storefront.extensions import db
from storefront.outbox.models import OutboxMessage
from storefront.outbox.services import deliver_pending, purge_sent


class MailNotSent(RuntimeError):
    """Some messages could not be handed to the mail server; the job is retried with backoff."""


def deliver(ids: list[int]) -> int:
    """Send the given queued messages (enqueued after the commit that queued them); raise if any stayed unsent."""
    sent = deliver_pending(current_app.config, ids=ids)
    db.session.commit()
    unsent = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None))
    ).all()
    if unsent:
        raise MailNotSent(f"{len(unsent)} message(s) not sent: {sorted(unsent)}")
    return sent


def send_pending(purge_days: int = 30) -> int:
    """Deliver every unsent message and forget old sent mail (periodic)."""
    sent = deliver_pending(current_app.config, limit=10_000)
    purge_sent(utcnow() - timedelta(days=purge_days))
    db.session.commit()
    return sent

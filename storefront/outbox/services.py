"""Queue mail with the change it reports; deliver by SMTP or as .eml files after commit."""

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy import delete, select, update

from storefront.columns import utcnow
from storefront.extensions import db
from storefront.outbox.models import OutboxMessage


def queue_mail(
    to_address: str, subject: str, body_text: str, *, attachment: tuple[str, str, str] | None = None
) -> OutboxMessage | None:
    """Add a message to the outbox in the current transaction; skip empty addresses.

    *attachment* is (file name, MIME type, text), e.g. ("booking.ics", "text/calendar", ics).
    """
    if not to_address:
        return None
    name, mime, text = attachment or ("", "", "")
    message = OutboxMessage(
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        attachment_name=name,
        attachment_type=mime,
        attachment_text=text,
    )
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault("outbox_queued", []).append(message.id)
    return message


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """Return the RFC 5322 message for an outbox row (UTF-8, Vietnamese safe)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="ocop.local")
    email.set_content(message.body_text, charset="utf-8")
    if message.attachment_name:
        maintype, _, subtype = message.attachment_type.partition("/")
        email.add_attachment(
            message.attachment_text.encode("utf-8"),
            maintype=maintype,
            subtype=subtype,
            filename=message.attachment_name,
        )
    return email


def deliver_pending(config, *, ids: list[int] | None = None, limit: int = 100) -> int:
    """Send unsent messages (only `ids` when given); return how many went out. The caller commits."""
    query = select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).limit(limit)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    sent = 0
    for message_id in db.session.scalars(query).all():
        # Claim the row with a guarded update so a request and `flask outbox send` running at
        # the same time never send one message twice.
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        ).rowcount
        if not claimed:
            continue
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        try:
            email = build_email(message, config["MAIL_DEFAULT_SENDER"])
            if config.get("MAIL_SERVER"):
                _send_smtp(email, config)
            else:
                _write_eml(email, message.id, config["MAIL_OUTBOX_DIR"])
        except (OSError, smtplib.SMTPException) as exc:
            message.sent_at = None
            message.last_error = str(exc)[:500]
            continue
        sent += 1
    return sent


def purge_sent(before) -> int:
    """Delete messages sent before a time (their bodies may hold reset links); return the count."""
    return db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < before)
    ).rowcount


def _send_smtp(email: EmailMessage, config) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def _write_eml(email: EmailMessage, message_id: int, folder: str) -> None:
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    (path / f"{message_id:08d}.eml").write_bytes(email.as_bytes())

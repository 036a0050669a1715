"""Queue mail with the change it reports; deliver by SMTP or as .eml files after commit."""
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy import select

from storefront.columns import utcnow
from storefront.extensions import db
from storefront.outbox.models import OutboxMessage


def queue_mail(to_address: str, subject: str, body_text: str) -> OutboxMessage | None:
    """Add a message to the outbox in the current transaction; skip empty addresses."""
    if not to_address:
        return None
    message = OutboxMessage(to_address=to_address, subject=subject, body_text=body_text)
    db.session.add(message)
    db.session.flush()
    db.session.info["outbox_queued"] = True
    return message


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """Return the RFC 5322 message for an outbox row (UTF-8, Vietnamese safe)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="ocop.local")
    email.set_content(message.body_text, charset="utf-8")
    return email


def deliver_pending(config, *, limit: int = 100) -> int:
    """Send unsent messages; return how many went out. The caller commits."""
    pending = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).limit(limit)
    ).all()
    sent = 0
    for message in pending:
        email = build_email(message, config["MAIL_DEFAULT_SENDER"])
        message.attempts += 1
        try:
            if config.get("MAIL_SERVER"):
                _send_smtp(email, config)
            else:
                _write_eml(email, message.id, config["MAIL_OUTBOX_DIR"])
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = str(exc)[:500]
            continue
        message.sent_at = utcnow()
        sent += 1
    return sent


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

"""Mail is queued with the change it reports and delivered once, after the commit."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from storefront.columns import utcnow
from storefront.outbox.models import OutboxMessage
from storefront.outbox.services import deliver_pending, queue_mail


def test_queued_mail_is_written_as_utf8_eml_without_a_mail_server(app, db):
    queue_mail("khach@example.vn", "Đơn hàng TN-7F3K9Q", "Cảm ơn bạn đã mua chè Tân Cương.")
    assert deliver_pending(app.config) == 1
    db.session.commit()
    eml = next(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")).read_bytes()
    assert b"khach@example.vn" in eml
    assert "Cảm ơn bạn".encode() in eml or b"utf-8" in eml.lower()
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None


def test_a_message_is_delivered_only_once(app, db):
    queue_mail("a@example.vn", "x", "y")
    assert deliver_pending(app.config) == 1
    assert deliver_pending(app.config) == 0
    db.session.commit()
    assert len(list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))) == 1


def test_a_failed_delivery_stays_queued_with_its_error(app, db):
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["MAIL_PORT"] = 1  # nothing listens there
    queue_mail("a@example.vn", "x", "y")
    assert deliver_pending(app.config) == 0
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage))
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error


def test_cli_sends_pending_mail_and_purges_old_sent_mail(app, db, runner):
    old = OutboxMessage(
        to_address="old@example.vn", subject="cũ", body_text="link", sent_at=utcnow() - timedelta(days=40)
    )
    db.session.add(old)
    queue_mail("new@example.vn", "mới", "nội dung")
    db.session.commit()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) sent, 1 old message(s) purged" in result.output
    assert [m.to_address for m in db.session.scalars(select(OutboxMessage))] == ["new@example.vn"]


def test_empty_addresses_are_not_queued(db):
    assert queue_mail("", "x", "y") is None
    assert db.session.scalar(select(OutboxMessage)) is None

"""Producer registrations: approve, reject, suspend, reinstate; each logged and mailed to the producer."""

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import User
from storefront.audit.services import log_action, snapshot
from storefront.catalog.gtins import clean_prefix, is_under
from storefront.catalog.models import Producer, ProducerStatus, Product
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.office.rules import OfficeError, mail_producer, require_reason

PRODUCER_FIELDS = ("status", "status_reason", "is_story_hidden", "hidden_reason")


class IllegalProducerTransition(OfficeError):
    def __init__(self, status: ProducerStatus, action: str):
        super().__init__(f"cannot {action} a producer in status {status.value}")
        self.status = status
        self.action = action


#: action → (statuses it may start from, status it leads to)
PRODUCER_TRANSITIONS = {
    "approve": ({ProducerStatus.PENDING, ProducerStatus.REJECTED}, ProducerStatus.APPROVED),
    "reject": ({ProducerStatus.PENDING}, ProducerStatus.REJECTED),
    "suspend": ({ProducerStatus.APPROVED}, ProducerStatus.SUSPENDED),
    "reinstate": ({ProducerStatus.SUSPENDED}, ProducerStatus.APPROVED),
}


def _move_producer(producer: Producer, action: str, *, reason: str, actor: User) -> Producer:
    sources, target = PRODUCER_TRANSITIONS[action]
    if producer.status not in sources:
        raise IllegalProducerTransition(producer.status, action)
    before = snapshot(producer, PRODUCER_FIELDS)
    producer.status = target
    producer.status_reason = reason
    if action == "approve":
        producer.approved_at = utcnow()
    db.session.flush()
    log_action(
        actor, f"producer.{action}", producer, before=before, after=snapshot(producer, PRODUCER_FIELDS), reason=reason
    )
    return producer


def approve_producer(producer: Producer, *, actor: User) -> Producer:
    """Approve a registration so the producer's products may be sold."""
    _move_producer(producer, "approve", reason="", actor=actor)
    mail_producer(
        producer,
        _("Hồ sơ của bạn đã được duyệt – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nVăn phòng OCOP đã duyệt hồ sơ của cơ sở. Sản phẩm đã đăng của bạn "
            "giờ hiển thị trên sàn.",
            name=producer.name,
        ),
    )
    return producer


def reject_producer(producer: Producer, *, reason: str, actor: User) -> Producer:
    """Reject a pending registration with a reason the producer is told."""
    reason = require_reason(reason)
    _move_producer(producer, "reject", reason=reason, actor=actor)
    mail_producer(
        producer,
        _("Hồ sơ của bạn chưa được duyệt – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nVăn phòng OCOP chưa duyệt hồ sơ của cơ sở.\nLý do: %(reason)s\n\n"
            "Bạn có thể bổ sung hồ sơ và liên hệ văn phòng.",
            name=producer.name,
            reason=reason,
        ),
    )
    return producer


def suspend_producer(producer: Producer, *, reason: str, actor: User) -> Producer:
    """Suspend a producer: its products leave the shop; orders already placed are kept."""
    reason = require_reason(reason)
    _move_producer(producer, "suspend", reason=reason, actor=actor)
    mail_producer(
        producer,
        _("Cơ sở của bạn bị tạm ngừng bán – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nVăn phòng OCOP đã tạm ngừng bán các sản phẩm của cơ sở.\n"
            "Lý do: %(reason)s\n\nCác đơn hàng đã đặt vẫn cần được giao.",
            name=producer.name,
            reason=reason,
        ),
    )
    return producer


def reinstate_producer(producer: Producer, *, actor: User) -> Producer:
    """Lift a suspension; the producer's products return to the shop."""
    _move_producer(producer, "reinstate", reason="", actor=actor)
    mail_producer(
        producer,
        _("Cơ sở của bạn được bán trở lại – OCOP Thái Nguyên"),
        _("Xin chào %(name)s,\n\nVăn phòng OCOP đã cho cơ sở bán hàng trở lại.", name=producer.name),
    )
    return producer


def producers_in_status(status: ProducerStatus) -> list[Producer]:
    """Return the producers in one status, oldest registration first (the approval queue)."""
    return db.session.scalars(select(Producer).where(Producer.status == status).order_by(Producer.created_at)).all()


class PrefixRefused(OfficeError):
    """A company prefix the office may not record: its message is shown on the producer's page."""


def record_gs1_prefix(producer: Producer, raw: str, *, actor: User) -> bool:
    """Record (or clear, with "") the GS1 company prefix of the producer's licence, logged; False
    when it is the prefix already recorded (nothing changes, nothing is logged).

    Refused when it is no prefix, when it overlaps another producer's (one licence, one
    company), or when another producer's product has a GTIN under it (that GTIN is not this
    producer's to print).
    """
    try:
        prefix = clean_prefix(raw)
    except ValueError as error:
        raise PrefixRefused(str(error)) from None
    if prefix == producer.gs1_prefix:
        return False
    if prefix:
        for other in db.session.scalars(select(Producer).where(Producer.id != producer.id, Producer.gs1_prefix != "")):
            if other.gs1_prefix.startswith(prefix) or prefix.startswith(other.gs1_prefix):
                raise PrefixRefused(
                    _(
                        "Mã %(prefix)s trùng với mã %(other)s của %(name)s.",
                        prefix=prefix,
                        other=other.gs1_prefix,
                        name=other.name,
                    )
                )
        claimed = db.session.scalars(
            select(Product).where(Product.producer_id != producer.id, Product.gtin.is_not(None)).order_by(Product.id)
        )
        for product in claimed:
            if is_under(product.gtin, prefix):
                raise PrefixRefused(
                    _(
                        "Sản phẩm %(product)s của %(name)s có GTIN %(gtin)s thuộc mã này.",
                        product=product.name_vi,
                        name=product.producer.name,
                        gtin=product.gtin,
                    )
                )
    before = {"gs1_prefix": producer.gs1_prefix}
    producer.gs1_prefix = prefix
    db.session.flush()
    log_action(actor, "producer.gs1_prefix", producer, before=before, after={"gs1_prefix": prefix})
    return True


def gtins_outside_prefix(producer: Producer) -> list[Product]:
    """The producer's products whose GTIN does not lie under its recorded prefix (entered before it)."""
    return [p for p in producer.products if p.gtin and not is_under(p.gtin, producer.gs1_prefix)]

"""Moderation: hide or show a product or a producer's story, with a reason the producer is mailed."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.audit.services import log_action, snapshot
from storefront.catalog.models import Producer, Product
from storefront.experiences.availability import experience_of
from storefront.experiences.bookings import cancel_by_host, open_bookings_ahead
from storefront.extensions import db
from storefront.office.approvals import PRODUCER_FIELDS
from storefront.office.rules import OfficeError, mail_producer, require_reason

PRODUCT_FIELDS = ("is_hidden", "hidden_reason")


class ModerationError(OfficeError):
    pass


def _set_hidden(obj, flag: str, fields, action: str, *, hidden: bool, reason: str, actor: User) -> None:
    """Hide or show a product or a story and log before/after; refuse a change that changes nothing."""
    if getattr(obj, flag) == hidden:
        raise ModerationError("already hidden" if hidden else "not hidden")
    before = snapshot(obj, fields)
    setattr(obj, flag, hidden)
    obj.hidden_reason = reason
    db.session.flush()
    log_action(actor, action, obj, before=before, after=snapshot(obj, fields), reason=reason)


def hide_product(product: Product, *, reason: str, actor: User, cancel_bookings: bool = False) -> Product:
    """Hide a product from the shop with a reason its producer sees.

    An experience (a tourism product) takes no new bookings while hidden; with *cancel_bookings*
    its bookings not yet started are cancelled too (full refund, guests told the office's reason),
    and the audit entry names them.
    """
    reason = require_reason(reason)
    _set_hidden(product, "is_hidden", PRODUCT_FIELDS, "product.hide", hidden=True, reason=reason, actor=actor)
    experience = experience_of(product)
    if cancel_bookings and experience is not None:
        cancelled = [
            cancel_by_host(booking, reason=reason, actor=actor, by="office").code
            for booking in open_bookings_ahead(experience)
        ]
        log_action(actor, "experience.cancel_bookings", product, after={"bookings": cancelled}, reason=reason)
    mail_producer(
        product.producer,
        _("Sản phẩm của bạn bị ẩn – OCOP Thái Nguyên"),
        _(
            'Xin chào %(name)s,\n\nVăn phòng OCOP đã ẩn sản phẩm "%(product)s" khỏi sàn.\nLý do: %(reason)s',
            name=product.producer.name,
            product=product.name_vi,
            reason=reason,
        ),
    )
    return product


def unhide_product(product: Product, *, actor: User) -> Product:
    """Show a hidden product again."""
    _set_hidden(product, "is_hidden", PRODUCT_FIELDS, "product.unhide", hidden=False, reason="", actor=actor)
    return product


def hide_story(producer: Producer, *, reason: str, actor: User) -> Producer:
    """Hide a producer's story with a reason the producer sees."""
    reason = require_reason(reason)
    _set_hidden(
        producer, "is_story_hidden", PRODUCER_FIELDS, "producer.hide_story", hidden=True, reason=reason, actor=actor
    )
    mail_producer(
        producer,
        _("Câu chuyện cơ sở bị ẩn – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nVăn phòng OCOP đã ẩn câu chuyện của cơ sở trên sàn.\nLý do: %(reason)s",
            name=producer.name,
            reason=reason,
        ),
    )
    return producer


def unhide_story(producer: Producer, *, actor: User) -> Producer:
    """Show a producer's story again."""
    _set_hidden(
        producer, "is_story_hidden", PRODUCER_FIELDS, "producer.unhide_story", hidden=False, reason="", actor=actor
    )
    return producer


def products_page(name_part: str, *, page: int, per_page: int):
    """Return one page of all products for moderation, hidden ones first; narrowed by a part of the name."""
    query = select(Product).options(selectinload(Product.producer)).order_by(Product.is_hidden.desc(), Product.id)
    if name_part:
        query = query.where(Product.name_vi.ilike(f"%{name_part}%"))
    return db.paginate(query, page=page, per_page=per_page)

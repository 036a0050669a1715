"""Stock kept apart from the catalogue: on hand, reserved, and the reservations behind it."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.columns import UTCDateTime, utcnow
from storefront.extensions import db


class Stock(db.Model):
    __tablename__ = "stocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), unique=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    #: Units held by unpaid orders; available = on_hand - reserved.
    reserved: Mapped[int] = mapped_column(default=0)

    product = relationship("Product", backref=db.backref("stock", uselist=False))

    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(db.Model):
    """Units held for one order line until paid, confirmed or expired."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("stocks.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the units went back to stock (expiry, cancel) or were sold (paid).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stock = relationship("Stock")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_reservations_open", "closed_at", "expires_at"),
    )

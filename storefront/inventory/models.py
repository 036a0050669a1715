"""Stock kept apart from the catalogue: on hand, reserved, and the reservations behind it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from storefront.columns import UTCDateTime, utcnow
from storefront.extensions import db


class Stock(db.Model):
    __tablename__ = "stocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), unique=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    #: Units held by unpaid orders, including holds that lapsed but are not released yet.
    reserved: Mapped[int] = mapped_column(default=0)

    product = relationship("Product", backref=db.backref("stock", uselist=False))

    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    @property
    def available(self) -> int:
        """Units a shopper can buy: lapsed holds waiting for release do not count against it."""
        return self.on_hand - self.reserved + self.lapsed_reserved


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


#: Units of open reservations past their expiry, loaded with the row (one correlated
#: subquery, no extra query); the database clock decides what has lapsed.
Stock.lapsed_reserved = column_property(
    select(func.coalesce(func.sum(Reservation.quantity), 0))
    .where(
        Reservation.stock_id == Stock.id,
        Reservation.closed_at.is_(None),
        Reservation.expires_at <= func.current_timestamp(),
    )
    .correlate_except(Reservation)
    .scalar_subquery()
)

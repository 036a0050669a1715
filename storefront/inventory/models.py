"""Stock kept apart from the catalogue: on hand, reserved, and the reservations behind it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship, validates

from storefront.columns import UTCDateTime, utcnow
from storefront.extensions import db

#: Pages name the units left up to this many (“Chỉ còn 7”); above it they say only “Còn hàng”.
LOW_STOCK = 10


def shown_units(available: int) -> int:
    """Return the stock figure catalogue pages show: the units left up to LOW_STOCK, and
    LOW_STOCK + 1 for any more. Pages read nothing else of a stock, so only a change of this
    figure changes a page (inventory.services records it on the row, Stock.units_on_pages)."""
    return min(max(available, 0), LOW_STOCK + 1)


class Stock(db.Model):
    __tablename__ = "stocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), unique=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    #: Units held by unpaid orders, including holds that lapsed but are not released yet.
    reserved: Mapped[int] = mapped_column(default=0)
    #: shown_units() as of the last change that inventory.services recorded in its transaction;
    #: NULL when unknown (a new row, a change made through the ORM): its next change is reported.
    units_on_pages: Mapped[int | None] = mapped_column(default=None)

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

    @property
    def shown_available(self) -> int:
        """What catalogue pages show of this stock (shown_units)."""
        return shown_units(self.available)

    @validates("on_hand", "reserved")
    def _forget_units_on_pages(self, _key, value):
        self.units_on_pages = None  # changed outside inventory's guarded updates: figure unknown
        return value


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

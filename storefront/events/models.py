"""Fairs and exhibitions: when, where (a post-2025 ward, optional coordinates), at which level, who takes part."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, SmallInteger, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.columns import UTCDateTime, str_enum, utcnow
from storefront.extensions import db


class EventLevel(enum.Enum):
    """Who organises it. Districts were abolished on 1 July 2025, so there is no district level."""

    NATIONAL = "national"
    REGIONAL = "regional"
    PROVINCE = "province"
    COMMUNE = "commune"


event_producers = Table(
    "event_producers",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("producer_id", ForeignKey("producers.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_products = Table(
    "event_products",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Event(db.Model):
    """An OCOP fair, festival or exhibition, with the producers and products shown there."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[EventLevel] = mapped_column(str_enum(EventLevel, length=20))
    #: Calendar days in Vietnam, both inclusive (an all-day event, as fairs are announced).
    starts_on: Mapped[date] = mapped_column(index=True)
    ends_on: Mapped[date]
    #: The venue's name, e.g. "Quảng trường Võ Nguyên Giáp".
    venue: Mapped[str] = mapped_column(String(200), default="")
    province_code: Mapped[int] = mapped_column(SmallInteger, default=19)
    ward_code: Mapped[int]
    street: Mapped[str] = mapped_column(String(200), default="")
    #: WGS 84 degrees; both or neither.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: Plain text, shown with line breaks kept.
    description: Mapped[str] = mapped_column(Text, default="")
    #: Made up by `flask seed-demo`; the page says so.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    producers = relationship("Producer", secondary=event_producers, order_by="Producer.name")
    products = relationship("Product", secondary=event_products, order_by="Product.name_vi")

    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="both_coordinates"),
    )

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

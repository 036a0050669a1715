"""Points of sale: the provincial centre, showrooms, shops at tourist sites, supermarkets, stalls."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, Index, SmallInteger, String, Table, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.columns import UTCDateTime, str_enum, utcnow
from storefront.extensions import db


class OutletKind(enum.Enum):
    #: The province's OCOP centre (one, run by the office).
    PROVINCIAL_CENTRE = "provincial_centre"
    SHOWROOM = "showroom"
    TOURIST_SHOP = "tourist_shop"
    SUPERMARKET = "supermarket"
    CONVENIENCE_STORE = "convenience_store"
    MARKET_STALL = "market_stall"


outlet_products = Table(
    "outlet_products",
    db.metadata,
    Column("outlet_id", ForeignKey("outlets.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Outlet(db.Model):
    """A place where shoppers can see and buy OCOP products in person."""

    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OutletKind] = mapped_column(str_enum(OutletKind, length=30))
    #: The producer that registered and runs it; NULL for points the office registers.
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id", ondelete="CASCADE"), index=True)
    # Post-2025 two-level address (province code, ward code from vietnam-provinces), as producers'.
    province_code: Mapped[int] = mapped_column(SmallInteger, default=19)
    ward_code: Mapped[int]
    street: Mapped[str] = mapped_column(String(200), default="")
    #: WGS 84 degrees; both or neither.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: As the shop states them, e.g. "7:30–21:00 hằng ngày".
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    #: E.164 (mobile or fixed line).
    phone: Mapped[str] = mapped_column(String(16), default="")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: Made up by `flask seed-demo`; the page says so.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    producer = relationship("Producer")
    products = relationship("Product", secondary=outlet_products, order_by="Product.name_vi")

    __table_args__ = (
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="both_coordinates"),
        Index("ix_outlets_listing", "is_active", "ward_code", "kind"),
    )

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

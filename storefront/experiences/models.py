"""Experiences (tours, village visits, homestays), their sessions and the bookings of guests."""

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.columns import UTCDateTime, str_enum, utcnow
from storefront.extensions import db


class Experience(db.Model):
    """What a tourism product (OCOP group 6) offers: where, how long, for whom, at what price per guest."""

    __tablename__ = "experiences"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), unique=True)
    duration_minutes: Mapped[int] = mapped_column(default=240)
    #: 0 for a day visit; a homestay's nights decide the police declaration (khai báo lưu trú).
    nights: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    meeting_ward_code: Mapped[int]
    meeting_address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: Language codes the host guides in, comma separated ("vi,en").
    languages: Mapped[str] = mapped_column(String(40), default="vi")
    included_vi: Mapped[str] = mapped_column(Text, default="")
    included_en: Mapped[str] = mapped_column(Text, default="")
    bring_vi: Mapped[str] = mapped_column(Text, default="")
    bring_en: Mapped[str] = mapped_column(Text, default="")
    min_guests: Mapped[int] = mapped_column(SmallInteger, default=1)
    max_guests: Mapped[int] = mapped_column(SmallInteger, default=10)
    #: Children up to this age (inclusive) pay the child price; older guests are adults.
    child_max_age: Mapped[int] = mapped_column(SmallInteger, default=11)
    #: Youngest age admitted (0: babies welcome).
    min_age: Mapped[int] = mapped_column(SmallInteger, default=0)
    adult_price_vnd: Mapped[int] = mapped_column(BigInteger)
    child_price_vnd: Mapped[int] = mapped_column(BigInteger)
    #: A guest may cancel free of charge until this many hours before the start.
    free_cancel_hours: Mapped[int] = mapped_column(default=24)
    #: The host takes payment at the venue (cash or transfer on the day).
    allow_pay_at_venue: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product")
    extras: Mapped[list["ExperienceExtra"]] = relationship(
        back_populates="experience", cascade="all, delete-orphan", order_by="ExperienceExtra.id"
    )
    rules: Mapped[list["SessionRule"]] = relationship(
        back_populates="experience", cascade="all, delete-orphan", order_by="SessionRule.id"
    )
    blackouts: Mapped[list["Blackout"]] = relationship(
        back_populates="experience", cascade="all, delete-orphan", order_by="Blackout.day"
    )

    __table_args__ = (
        CheckConstraint("adult_price_vnd >= 0 AND child_price_vnd >= 0", name="prices_not_negative"),
        CheckConstraint("min_guests >= 1 AND max_guests >= min_guests", name="guest_range"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("nights >= 0", name="nights_not_negative"),
        CheckConstraint("free_cancel_hours >= 0", name="cancel_hours_not_negative"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="both_coordinates"),
    )

    @property
    def is_overnight(self) -> bool:
        return self.nights > 0

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class ExperienceExtra(db.Model):
    """An optional extra a guest may add to a booking (a meal, a tea-making class), priced per booking."""

    __tablename__ = "experience_extras"

    id: Mapped[int] = mapped_column(primary_key=True)
    experience_id: Mapped[int] = mapped_column(ForeignKey("experiences.id", ondelete="CASCADE"), index=True)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    price_vnd: Mapped[int] = mapped_column(BigInteger)

    experience: Mapped[Experience] = relationship(back_populates="extras")

    __table_args__ = (CheckConstraint("price_vnd >= 0", name="price_not_negative"),)


class SessionRule(db.Model):
    """A repeating session: every given weekday at a time, with so many places (e.g. Saturdays 08:00, 20)."""

    __tablename__ = "experience_session_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    experience_id: Mapped[int] = mapped_column(ForeignKey("experiences.id", ondelete="CASCADE"), index=True)
    #: 0 Monday … 6 Sunday (date.weekday()).
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_time: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int]
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    experience: Mapped[Experience] = relationship(back_populates="rules")

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )


class Blackout(db.Model):
    """A day the host does not receive guests; no session is made or sold on it."""

    __tablename__ = "experience_blackouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    experience_id: Mapped[int] = mapped_column(ForeignKey("experiences.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    experience: Mapped[Experience] = relationship(back_populates="blackouts")

    __table_args__ = (UniqueConstraint("experience_id", "day"),)


class ExperienceSession(db.Model):
    """One departure: a day and a start time (Vietnam time) with its places; ``booked`` moves by guarded UPDATE."""

    __tablename__ = "experience_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    experience_id: Mapped[int] = mapped_column(ForeignKey("experiences.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    #: The start as an aware UTC instant, for policy windows, reminders and ordering.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0, server_default="0")
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("experience_session_rules.id", ondelete="SET NULL"))
    is_cancelled: Mapped[bool] = mapped_column(default=False, server_default=false())
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")

    experience: Mapped[Experience] = relationship()
    bookings: Mapped[list["Booking"]] = relationship(back_populates="session", order_by="Booking.id")

    __table_args__ = (
        UniqueConstraint("experience_id", "day", "start_time"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        Index("ix_experience_sessions_starts", "starts_at"),
    )

    @property
    def places_left(self) -> int:
        return 0 if self.is_cancelled else max(self.capacity - self.booked, 0)


class BookingStatus(enum.Enum):
    #: Places taken, waiting for the guest to pay online (lapses at hold_expires_at).
    HELD = "held"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


#: Statuses that hold places in the session.
ACTIVE_STATUSES = (BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)


class Booking(db.Model):
    """Guests booked on a session; prices copied at booking, like order lines."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Printed on the voucher and encoded in its QR code, e.g. "DL-7F3K9Q"; the host types or scans it.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("experience_sessions.id", ondelete="RESTRICT"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The order that pays for it (pay now, alone or with goods); NULL when paid at the venue.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus), default=BookingStatus.HELD)
    experience_name: Mapped[str] = mapped_column(String(200))
    adults: Mapped[int] = mapped_column(SmallInteger)
    children: Mapped[int] = mapped_column(SmallInteger, default=0)
    adult_price_vnd: Mapped[int] = mapped_column(BigInteger)
    child_price_vnd: Mapped[int] = mapped_column(BigInteger)
    #: [{"name": ..., "price_vnd": ...}] as chosen.
    extras: Mapped[list] = mapped_column(JSON, default=list)
    extras_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    total_vnd: Mapped[int] = mapped_column(BigInteger)
    pay_at_venue: Mapped[bool] = mapped_column(default=False)
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    #: E.164.
    phone: Mapped[str] = mapped_column(String(16), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    #: "guest", "host" or "system".
    cancelled_by: Mapped[str] = mapped_column(String(10), default="")
    refunded_vnd: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the stay details were deleted after the stay (law 91/2025/QH15).
    stay_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[ExperienceSession] = relationship(back_populates="bookings")
    order = relationship("Order")
    stay_guests: Mapped[list["StayGuest"]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", order_by="StayGuest.id"
    )

    __table_args__ = (
        CheckConstraint("adults >= 0 AND children >= 0 AND adults + children > 0", name="guests_positive"),
        CheckConstraint(
            "total_vnd = adults * adult_price_vnd + children * child_price_vnd + extras_vnd", name="total_adds_up"
        ),
        CheckConstraint("refunded_vnd >= 0 AND refunded_vnd <= total_vnd", name="refund_within_total"),
        Index("ix_bookings_status_session", "status", "session_id"),
    )

    @property
    def guests(self) -> int:
        return self.adults + self.children


class StayGuest(db.Model):
    """What the police declaration of a staying guest needs (khai báo lưu trú); deleted after the stay."""

    __tablename__ = "stay_guests"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    #: Citizen ID (CCCD, 12 digits) or passport number.
    id_number: Mapped[str] = mapped_column(String(20))
    #: ISO 3166-1 alpha-2, e.g. "VN".
    nationality: Mapped[str] = mapped_column(String(2))

    booking: Mapped[Booking] = relationship(back_populates="stay_guests")

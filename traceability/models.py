"""Batches, their EPCIS-shaped trace events, QR stamps and the scans of them."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.columns import UTCDateTime, str_enum, utcnow
from storefront.extensions import db


class Batch(db.Model):
    """A production lot of one product; its lot code goes into GS1 AI (10)."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    #: 1–20 characters of the GS1 AI character set.
    lot_code: Mapped[str] = mapped_column(String(20))
    #: Random code for the non-GS1 path /t/{code} of products without a GTIN.
    short_code: Mapped[str] = mapped_column(String(20), unique=True)
    harvest_date: Mapped[date | None]
    production_date: Mapped[date | None]
    packing_date: Mapped[date | None]
    expiry_date: Mapped[date | None]
    quantity: Mapped[int] = mapped_column(default=0)
    #: Planting-area code (mã số vùng trồng), used as the harvest location code.
    growing_area_code: Mapped[str] = mapped_column(String(40), default="")
    #: Standards applied, e.g. "VietGAP; TCVN 2843:2015".
    standards: Mapped[str] = mapped_column(String(300), default="")
    is_published: Mapped[bool] = mapped_column(default=False)
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recall_reason: Mapped[str] = mapped_column(String(500), default="")
    recalled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product", backref=db.backref("batches", order_by="Batch.id"))
    events: Mapped[list["TraceEvent"]] = relationship(
        back_populates="batch", order_by="TraceEvent.event_time", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("product_id", "lot_code"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("length(lot_code) BETWEEN 1 AND 20", name="lot_code_length"),
    )


class EventType(enum.Enum):
    OBJECT = "ObjectEvent"
    AGGREGATION = "AggregationEvent"
    TRANSACTION = "TransactionEvent"
    TRANSFORMATION = "TransformationEvent"
    ASSOCIATION = "AssociationEvent"


class EventAction(enum.Enum):
    ADD = "ADD"
    OBSERVE = "OBSERVE"
    DELETE = "DELETE"


class TraceEvent(db.Model):
    """One production stage stored in EPCIS 2.0 shape (what, when, where, why)."""

    __tablename__ = "trace_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[EventType] = mapped_column(str_enum(EventType, 30), default=EventType.OBJECT)
    action: Mapped[EventAction | None] = mapped_column(str_enum(EventAction, 10), default=EventAction.OBSERVE)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The local offset at the place of the event, e.g. "+07:00".
    event_time_zone_offset: Mapped[str] = mapped_column(String(6), default="+07:00")
    #: CBV bizStep, e.g. "commissioning", "harvesting"... short form.
    biz_step: Mapped[str] = mapped_column(String(60))
    disposition: Mapped[str] = mapped_column(String(60), default="")
    #: Location codes (growing-area code, GLN or internal code).
    read_point: Mapped[str] = mapped_column(String(120), default="")
    biz_location: Mapped[str] = mapped_column(String(120), default="")
    location_name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: Instance/lot master data for commissioning events.
    ilmd: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="events")


class StampIssue(db.Model):
    """One run of stamp issuing for a batch: N serialized stamps or one batch-level stamp."""

    __tablename__ = "stamp_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    count: Mapped[int]
    is_serialized: Mapped[bool] = mapped_column(default=True)
    with_pin: Mapped[bool] = mapped_column(default=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch = relationship("Batch", backref=db.backref("stamp_issues", order_by="StampIssue.id"))

    __table_args__ = (CheckConstraint("count > 0", name="count_positive"),)


class Stamp(db.Model):
    __tablename__ = "stamps"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    issue_id: Mapped[int] = mapped_column(ForeignKey("stamp_issues.id", ondelete="CASCADE"), index=True)
    #: Random per-unit serial, GS1 AI (21); NULL for a batch-level stamp.
    serial: Mapped[str | None] = mapped_column(String(20))
    #: Hash of the hidden scratch-off PIN, when issued with one.
    pin_hash: Mapped[str | None] = mapped_column(String(128))
    pin_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scan_count: Mapped[int] = mapped_column(default=0)
    first_scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Distinct devices that scanned it (its StampDevice rows): the copy warning's evidence.
    device_count: Mapped[int] = mapped_column(default=0)
    #: device_count when a warning was last cleared: only devices beyond it can warn again.
    devices_at_clear: Mapped[int] = mapped_column(default=0)
    #: On a display unit (showroom, fair): scanned by many on purpose, never warns.
    is_display: Mapped[bool] = mapped_column(default=False)
    warning_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warning_cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    warning_clear_reason: Mapped[str] = mapped_column(String(500), default="")

    batch = relationship("Batch")
    issue = relationship("StampIssue", backref=db.backref("stamps", lazy="dynamic"))

    __table_args__ = (
        UniqueConstraint("batch_id", "serial"),
        CheckConstraint("devices_at_clear <= device_count", name="devices_at_clear_counted"),
    )


class StampDevice(db.Model):
    """One device that scanned a stamp on one day, known only by a daily-salted hash.

    The hash (scans.recording.device_hash) mixes the user agent, address and languages with a salt
    derived from SECRET_KEY and the Vietnam date: a phone's scans on one day are one row, and
    rows of different days cannot be linked to each other or back to an address. No IP is kept.
    """

    __tablename__ = "stamp_devices"

    stamp_id: Mapped[int] = mapped_column(ForeignKey("stamps.id", ondelete="CASCADE"), primary_key=True)
    device_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: Vietnam date of the salt (old rows can be pruned; the count on the stamp stays).
    day: Mapped[date]


class Scan(db.Model):
    """One look-up of a stamp; no raw IP is kept."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp_id: Mapped[int | None] = mapped_column(ForeignKey("stamps.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Coarse region from a proxy header (e.g. a province code), or empty.
    region: Mapped[str] = mapped_column(String(40), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_scans_batch_time", "batch_id", "scanned_at"),)


class ScanStreamMark(db.Model):
    """The last Redis stream entry whose scans are written (SCAN_WRITE_MODE=queue, scans/stream.py).

    Moved in the transaction that writes the entries' scans, so a drain run again after a crash
    between that commit and its acknowledgement in Redis skips them: each scan is counted once.
    """

    __tablename__ = "scan_stream_marks"

    stream: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: The entry id "milliseconds-sequence" as its two numbers (compared as a pair).
    last_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class ScanDailyCount(db.Model):
    """Scans of one stamp (or of a lot-level code: no stamp) on one Vietnam day from one region,
    rolled up from raw scan rows older than SCAN_RAW_RETENTION_DAYS (scans/rollup.py).

    Readers sum `count`: a late-written scan rolled on a later run may add a second row for the
    same stamp, day and region.
    """

    __tablename__ = "scan_daily_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp_id: Mapped[int | None] = mapped_column(ForeignKey("stamps.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    #: Vietnam calendar date of the scans.
    day: Mapped[date]
    region: Mapped[str] = mapped_column(String(40), default="")
    #: Raw scan rows this row stands for.
    count: Mapped[int]

    __table_args__ = (
        Index("ix_scan_daily_counts_batch_day", "batch_id", "day"),
        CheckConstraint("count > 0", name="count_positive"),
    )


class ReportStatus(enum.Enum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class CounterfeitReport(db.Model):
    """A 'suspected fake' report sent from an origin page, handled by the office."""

    __tablename__ = "counterfeit_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"), index=True)
    stamp_id: Mapped[int | None] = mapped_column(ForeignKey("stamps.id", ondelete="SET NULL"))
    #: The URL or code as scanned, kept even when it matched nothing.
    scanned_code: Mapped[str] = mapped_column(String(300), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    where_bought: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus), default=ReportStatus.OPEN)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OriginVersion(db.Model):
    """One row whose number goes up after each committed change to what origin pages describe.

    Each worker caches a batch's rendered description (cache.py); the scan's look-up reads this
    number with the stamp, so a worker sees another's change at its next scan (ORIGIN_CACHE_SECONDS
    only bounds edits made outside the app, which do not move it).
    """

    __tablename__ = "origin_versions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class UnknownCodeScan(db.Model):
    """A look-up of a lot or serial the producer never registered, under a GTIN the shop knows.

    The resolver walks such a code up to its product (GS1-Conformant resolver standard) and the
    page says the code is not registered; each such GET is kept here, for the producer of the
    product and the office, because an invented or copied code is the commonest sign of a fake.
    No IP is kept.
    """

    __tablename__ = "unknown_code_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    #: The lot, when the lot is known and only the serial is not (else NULL).
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    #: The canonical Digital Link path as scanned, e.g. /01/08938000000015/10/KL8G.
    scanned_code: Mapped[str] = mapped_column(String(300))
    #: The first look-up of this code by this device on `day` (a row is one code, one device, one day).
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    region: Mapped[str] = mapped_column(String(40), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    #: The device's daily salted hash (recording.device_hash; "" for rows kept before it was recorded).
    device_hash: Mapped[str] = mapped_column(String(32), default="", server_default="")
    #: Vietnam date of the look-ups; NULL for rows kept before de-duplication.
    day: Mapped[date | None] = mapped_column(db.Date)
    #: Look-ups this device made of this code that day, and when it last did.
    look_ups: Mapped[int] = mapped_column(default=1, server_default="1")
    last_scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_unknown_code_scans_product_time", "product_id", "scanned_at"),
        Index("ix_unknown_code_scans_code_day_device", "scanned_code", "day", "device_hash"),
        Index("ix_unknown_code_scans_scanned_at", "scanned_at"),
    )

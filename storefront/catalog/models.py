"""Producers, products, their images and OCOP certificates."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.catalog.groups import VISIT_GROUP
from storefront.columns import UTCDateTime, str_enum, utcnow
from storefront.extensions import db


class LegalType(enum.Enum):
    COOPERATIVE = "htx"  # Hợp tác xã
    COOP_GROUP = "tht"  # Tổ hợp tác
    ENTERPRISE = "enterprise"  # Doanh nghiệp nhỏ và vừa
    HOUSEHOLD = "household"  # Hộ kinh doanh có đăng ký


class ProducerStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class CriteriaSet(enum.Enum):
    #: Decision 1048/QĐ-TTg (2019): parts A/B/C = 35/25/40.
    QD_1048_2019 = "1048/2019"
    #: Decision 148/QĐ-TTg (2023): parts A/B/C = 40/25/35.
    QD_148_2023 = "148/2023"


class IssuingLevel(enum.Enum):
    DISTRICT = "district"
    PROVINCE = "province"
    CENTRAL = "central"


class Marketplace(enum.Enum):
    """Where else a product is sold (Decision 3485/QĐ-UBND asks the site to link other marketplaces)."""

    POSTMART = "postmart"
    SHOPEE = "shopee"
    TIKI = "tiki"
    LAZADA = "lazada"
    OWN_SITE = "own_site"


class Producer(db.Model):
    """A 'chủ thể' OCOP: cooperative, group, small firm or household business."""

    __tablename__ = "producers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_type: Mapped[LegalType] = mapped_column(str_enum(LegalType))
    business_reg_no: Mapped[str] = mapped_column(String(30))
    business_reg_date: Mapped[date | None]
    business_reg_place: Mapped[str] = mapped_column(String(200), default="")
    tax_code: Mapped[str | None] = mapped_column(String(20))
    #: E.164.
    phone: Mapped[str] = mapped_column(String(16), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    representative: Mapped[str] = mapped_column(String(120), default="")
    # Structured post-2025 address (province code 19 = Thái Nguyên; ward code from
    # vietnam-provinces) beside the legacy 3-level text printed on older documents.
    province_code: Mapped[int] = mapped_column(SmallInteger, default=19)
    ward_code: Mapped[int | None]
    street: Mapped[str] = mapped_column(String(200), default="")
    legacy_address: Mapped[str] = mapped_column(String(300), default="")
    #: Pre-2025 district name, for filters and the office dashboard.
    legacy_district: Mapped[str] = mapped_column(String(80), default="")
    story_md: Mapped[str] = mapped_column(Text, default="")
    #: The producer's own website: https only (catalog/marketplaces.py checks it); "" for none.
    website: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: The GS1 company prefix GS1 Vietnam licensed to the producer (e.g. 8938000), as the office
    #: recorded it from the licence; "" for none. A product's GTIN must lie under it (catalog/gtins.py).
    gs1_prefix: Mapped[str] = mapped_column(String(12), default="", server_default="")
    status: Mapped[ProducerStatus] = mapped_column(str_enum(ProducerStatus), default=ProducerStatus.PENDING)
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    is_story_hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner = relationship("User")
    products: Mapped[list["Product"]] = relationship(back_populates="producer", order_by="Product.id")
    images: Mapped[list["ProducerImage"]] = relationship(
        back_populates="producer", order_by="ProducerImage.position", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_producers_status", "status"),)

    @property
    def is_approved(self) -> bool:
        return self.status is ProducerStatus.APPROVED

    @property
    def cover(self) -> "ProducerImage | None":
        return next((image for image in self.images if image.is_cover), None)

    @property
    def photos(self) -> list["ProducerImage"]:
        return [image for image in self.images if not image.is_cover]


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    ingredients: Mapped[str] = mapped_column(Text, default="")
    usage: Mapped[str] = mapped_column(Text, default="")
    storage: Mapped[str] = mapped_column(Text, default="")
    #: OCOP group 1–6 per Decision 148/QĐ-TTg (1 food … 6 tourism services).
    ocop_group: Mapped[int] = mapped_column(SmallInteger)
    #: Sub-group code as printed, e.g. "I.5.a".
    ocop_subgroup: Mapped[str] = mapped_column(String(20), default="")
    #: Selling unit, e.g. "hộp", "gói", "chai".
    unit: Mapped[str] = mapped_column(String(40), default="")
    #: Net quantity as labelled, e.g. "200 g", "500 ml".
    net_quantity: Mapped[str] = mapped_column(String(40), default="")
    #: Price in whole đồng including VAT and fees (Decree 52: a price includes all taxes).
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    #: GTIN-14, check digit validated; NULL for products without a barcode.
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    is_published: Mapped[bool] = mapped_column(default=False)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    producer: Mapped[Producer] = relationship(back_populates="products")
    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    certificates: Mapped[list["Certificate"]] = relationship(
        back_populates="product", order_by="Certificate.decision_date.desc()"
    )
    listings: Mapped[list["ProductListing"]] = relationship(
        back_populates="product", order_by="ProductListing.id", cascade="all, delete-orphan"
    )
    videos: Mapped[list["ProductVideo"]] = relationship(
        back_populates="product", order_by="ProductVideo.id", cascade="all, delete-orphan"
    )

    @property
    def is_visit(self) -> bool:
        """A community tourism visit (OCOP group 6): booked by session, no stock, lots or stamps."""
        return self.ocop_group == VISIT_GROUP

    __table_args__ = (
        CheckConstraint("price_vnd >= 0", name="price_not_negative"),
        CheckConstraint("ocop_group BETWEEN 1 AND 6", name="ocop_group_range"),
        CheckConstraint("gtin IS NULL OR length(gtin) = 14", name="gtin_length"),
        Index("ix_products_listing", "is_published", "is_hidden", "ocop_group"),
    )

    @property
    def name(self) -> str:
        return self.name_vi


class ProductListing(db.Model):
    """The same product's page on another marketplace or the producer's own site (an outbound link)."""

    __tablename__ = "product_listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    marketplace: Mapped[Marketplace] = mapped_column(str_enum(Marketplace))
    #: Checked by catalog/marketplaces.py: http(s), no credentials, the marketplace's own domain.
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="listings")

    __table_args__ = (UniqueConstraint("product_id", "url"),)


class VideoPlatform(enum.Enum):
    YOUTUBE = "youtube"
    FACEBOOK = "facebook"


class ProductVideo(db.Model):
    """A promotional clip on YouTube or Facebook (3–5★ products only), embedded only when a visitor taps it."""

    __tablename__ = "product_videos"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    platform: Mapped[VideoPlatform] = mapped_column(str_enum(VideoPlatform))
    #: The platform's id of the clip (YouTube: 11 characters; Facebook: digits), taken from the link.
    video_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200), default="")
    #: Made up by `flask seed-demo` (a placeholder clip); the page says so.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="videos")

    __table_args__ = (UniqueConstraint("product_id", "platform", "video_id"),)


class ImageColumns:
    """What every stored photo row has: its file, its size and its alt text in both languages."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Base name under UPLOAD_DIR; the derivatives (images.SIZES) are derived names made at upload.
    filename: Mapped[str] = mapped_column(String(200))
    #: 0, 1, 2… in gallery order; the first is the main photo.
    position: Mapped[int] = mapped_column(default=0)
    #: Alt text in Vietnamese (shown for English too when alt_en is empty).
    alt: Mapped[str] = mapped_column(String(200), default="")
    alt_en: Mapped[str] = mapped_column(String(200), default="")
    #: Pixel size of the stored original; 0 when unknown (rows older than the gallery).
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    #: Drawn artwork standing in for a photo (the demo's); a product's first real photo replaces it.
    is_illustration: Mapped[bool] = mapped_column(default=False, server_default=false())

    def alt_for(self, locale: str) -> str:
        return self.alt_en if locale == "en" and self.alt_en else self.alt


class ProductImage(ImageColumns, db.Model):
    __tablename__ = "product_images"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)

    product: Mapped[Product] = relationship(back_populates="images")


class ProducerImage(ImageColumns, db.Model):
    """A producer's cover (at most one) or one of its photos (farm, workshop, people)."""

    __tablename__ = "producer_images"

    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id", ondelete="CASCADE"), index=True)
    is_cover: Mapped[bool] = mapped_column(default=False)

    producer: Mapped[Producer] = relationship(back_populates="images")

    __table_args__ = (
        Index(
            "uq_producer_images_one_cover",
            "producer_id",
            unique=True,
            sqlite_where=text("is_cover"),
            postgresql_where=text("is_cover"),
        ),
    )


class SlugRedirect(db.Model):
    """An old slug kept so links made before a rename answer 301."""

    __tablename__ = "slug_redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "product" or "producer".
    kind: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(160))
    target_id: Mapped[int]

    __table_args__ = (UniqueConstraint("kind", "slug"),)


class Certificate(db.Model):
    """An OCOP recognition decision for one product; the shop badge follows it."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    #: The official result; never recomputed from the score ("không đạt" overrides it).
    stars: Mapped[int] = mapped_column(SmallInteger)
    #: Council score out of 100, when published.
    score: Mapped[int | None] = mapped_column(SmallInteger)
    criteria_set: Mapped[CriteriaSet] = mapped_column(str_enum(CriteriaSet))
    issuing_level: Mapped[IssuingLevel] = mapped_column(str_enum(IssuingLevel))
    issuing_body: Mapped[str] = mapped_column(String(200))
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_date: Mapped[date]
    #: False when the source gives only the year of recognition: decision_date is then 1 January
    #: of that year, valid_until the earliest day the validity can end, and pages show years only.
    decision_day_known: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: 36 months after the decision by default (OCOP validity), editable by the office.
    valid_until: Mapped[date]
    #: Producer name and address as written on the decision.
    producer_name: Mapped[str] = mapped_column(String(200), default="")
    producer_address: Mapped[str] = mapped_column(String(300), default="")
    document_filename: Mapped[str | None] = mapped_column(String(200))
    is_revoked: Mapped[bool] = mapped_column(default=False)
    revoked_reason: Mapped[str] = mapped_column(String(500), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="certificates")

    __table_args__ = (
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint("valid_until >= decision_date", name="valid_after_decision"),
        UniqueConstraint("product_id", "decision_number"),
    )

    def is_valid_on(self, day: date) -> bool:
        """Say whether the badge may be shown on this day: not revoked, in validity, 3–5★."""
        return (not self.is_revoked) and self.stars >= 3 and self.decision_date <= day <= self.valid_until


class CatalogueVersion(db.Model):
    """One row whose number goes up after each committed change to what catalogue pages show.

    Each worker caches whole anonymous pages and listings (indexing.py); it reads this number at
    most every CATALOG_VERSION_CHECK_SECONDS and empties its caches when it moved, so a change
    committed in another worker shows there within that time (storefront/versions.py).
    """

    __tablename__ = "catalogue_versions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

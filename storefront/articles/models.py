"""Articles: news the office writes and stories producers submit about themselves."""

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.catalog.models import ImageColumns
from storefront.columns import UTCDateTime, str_enum, utcnow
from storefront.extensions import db


class ArticleKind(enum.Enum):
    #: Written by the office.
    NEWS = "news"
    #: Submitted by a producer about itself; published only once the office approves it.
    STORY = "story"


class ArticleStatus(enum.Enum):
    DRAFT = "draft"
    #: A producer's story waiting for the office.
    SUBMITTED = "submitted"
    #: A producer's story the office turned down, with a reason; the producer may edit and resubmit.
    REJECTED = "rejected"
    #: Public from publish_at on (Asia/Ho_Chi_Minh time chosen in the form, stored in UTC).
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


#: States in which an article is public once its publish_at has come.
LIVE_STATES = (ArticleStatus.SCHEDULED, ArticleStatus.PUBLISHED)

article_products = Table(
    "article_products",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)
article_producers = Table(
    "article_producers",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("producer_id", ForeignKey("producers.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Article(db.Model):
    """One piece of news or one producer's story; its text is Markdown shown through the shop's sanitiser."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[ArticleKind] = mapped_column(str_enum(ArticleKind, length=10))
    status: Mapped[ArticleStatus] = mapped_column(str_enum(ArticleStatus, length=10))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    #: Optional English text; an English page falls back to the Vietnamese (marked lang="vi").
    title_en: Mapped[str] = mapped_column(String(200), default="")
    summary_en: Mapped[str] = mapped_column(String(400), default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    #: When it goes (or went) public; set by publishing or scheduling.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the office turned a story down (shown to its producer).
    rejection_reason: Mapped[str] = mapped_column(String(500), default="")
    #: The producer a story is from (its own account submits it); NULL for the office's news.
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: fold() of the titles, summaries and bodies: accent-insensitive site search with LIKE on either engine.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: Written by `flask seed-demo`; the page says so.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    producer = relationship("Producer", foreign_keys=[producer_id])
    author = relationship("User")
    products = relationship("Product", secondary=article_products, order_by="Product.name_vi")
    producers = relationship("Producer", secondary=article_producers, order_by="Producer.name")
    ward_rows = relationship("ArticleWard", cascade="all, delete-orphan", order_by="ArticleWard.ward_code")
    cover: Mapped["ArticleImage | None"] = relationship(
        back_populates="article", cascade="all, delete-orphan", uselist=False
    )

    __table_args__ = (Index("ix_articles_public", "status", "publish_at"),)

    @property
    def ward_codes(self) -> list[int]:
        return [row.ward_code for row in self.ward_rows]

    def is_live(self, now: datetime) -> bool:
        return self.status in LIVE_STATES and self.publish_at is not None and self.publish_at <= now


class ArticleWard(db.Model):
    """A post-2025 ward code (vietnam-provinces) an article is about."""

    __tablename__ = "article_wards"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    ward_code: Mapped[int] = mapped_column(Integer, primary_key=True, index=True, autoincrement=False)


class ArticleImage(ImageColumns, db.Model):
    """An article's cover photo (one), stored by the catalogue's image pipeline."""

    __tablename__ = "article_images"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), unique=True)

    article: Mapped[Article] = relationship(back_populates="cover")

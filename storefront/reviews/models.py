"""Reviews of products by buyers whose order line was delivered, with the producer's one reply."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.catalog.models import ImageColumns
from storefront.columns import UTCDateTime, utcnow
from storefront.extensions import db


class Review(db.Model):
    """One buyer's stars and words on one product, proven by the delivered order line it cites."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The delivered order line that lets the buyer review ("Đã mua hàng"); kept if the order is purged.
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id", ondelete="SET NULL"), unique=True)
    stars: Mapped[int] = mapped_column(SmallInteger)
    #: Plain text (Markdown shown through the shop's sanitiser), control and format characters removed.
    body: Mapped[str] = mapped_column(Text, default="")
    #: Shown name, copied at writing ("Nguyễn Thị H."), so the page never reveals an email address.
    author_name: Mapped[str] = mapped_column(String(120), default="")
    #: The language the buyer wrote in ("vi", "en").
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi")
    is_hidden: Mapped[bool] = mapped_column(default=False, server_default=false())
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    #: Written by `flask seed-demo` on a demo order; the page says so.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The producer's one public reply.
    reply_body: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product")
    user = relationship("User", foreign_keys=[user_id])
    order_line = relationship("OrderLine")
    images: Mapped[list["ReviewImage"]] = relationship(
        back_populates="review", order_by="ReviewImage.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        # One review per buyer and product, however many times they bought it.
        UniqueConstraint("product_id", "user_id"),
        Index("ix_reviews_product_visible", "product_id", "is_hidden", "created_at"),
    )

    @property
    def has_reply(self) -> bool:
        return bool(self.reply_body)


class ReviewImage(ImageColumns, db.Model):
    """A buyer's photo on a review (at most three), stored by the catalogue's image pipeline."""

    __tablename__ = "review_images"

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)

    review: Mapped[Review] = relationship(back_populates="images")

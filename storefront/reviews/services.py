"""Write, reply to, hide and summarise reviews; services that flush, never commit."""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.audit.services import log_action, snapshot
from storefront.catalog.images import ImageRejected, accept_upload, delete_files
from storefront.catalog.models import Producer, Product
from storefront.checkout.models import Fulfilment, FulfilmentStatus, Order, OrderLine, OrderStatus
from storefront.clock import VIETNAM_TZ
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.reviews.models import Review, ReviewImage
from storefront.text import clean_text, drop_format_chars

MAX_BODY = 2000
MAX_REPLY = 1000
MAX_PHOTOS = 3
#: Orders whose goods went back: their lines no longer prove a purchase.
UNDONE_ORDERS = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
HIDE_FIELDS = ("is_hidden", "hidden_reason")


class ReviewError(DomainError):
    pass


class NotEligible(ReviewError):
    """The user has no delivered order line of this product (or it is not on sale, or is the user's own)."""


class AlreadyReviewed(ReviewError):
    pass


class AlreadyReplied(ReviewError):
    pass


class NotYourProduct(ReviewError):
    """A producer tried to reply to a review of another producer's product."""


class BadReview(ReviewError):
    """Stars outside 1–5, or text too long, or a reply without text: `field` says which."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class ReasonRequired(ReviewError):
    pass


class NothingToChange(ReviewError):
    pass


class TooManyPhotos(ImageRejected):
    def __init__(self):
        super().__init__(f"at most {MAX_PHOTOS} photos")


def _clean(text: str) -> str:
    return drop_format_chars(clean_text(text or "")).strip()


def _delivered_lines(user: User):
    # A producer marks its own parcels delivered: its own orders of its own products prove no purchase.
    own_producer = select(Producer.id).where(Producer.owner_id == user.id)
    return (
        select(OrderLine)
        .join(Order, OrderLine.order_id == Order.id)
        .join(Fulfilment, OrderLine.fulfilment_id == Fulfilment.id)
        .where(
            Order.user_id == user.id,
            Order.status.not_in(UNDONE_ORDERS),
            Fulfilment.status == FulfilmentStatus.DELIVERED,
            Fulfilment.producer_id.not_in(own_producer),
            OrderLine.product_id.is_not(None),
        )
    )


def delivered_line(user: User, product: Product) -> OrderLine | None:
    """Return the user's earliest delivered order line of a product, or None."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalars(
        _delivered_lines(user).where(OrderLine.product_id == product.id).order_by(OrderLine.id).limit(1)
    ).first()


def review_by(user: User, product: Product) -> Review | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(Review).where(Review.user_id == user.id, Review.product_id == product.id))


def can_review(user: User, product: Product) -> bool:
    """Say whether the user may write a review of this product now (delivered, not yet reviewed)."""
    return _on_sale(product) and delivered_line(user, product) is not None and review_by(user, product) is None


def _on_sale(product: Product) -> bool:
    return product.is_published and not product.is_hidden and product.producer.is_approved


def lines_to_review(user: User) -> list[OrderLine]:
    """Return one delivered line per product the user bought and has not reviewed, newest first."""
    reviewed = select(Review.product_id).where(Review.user_id == user.id)
    lines = db.session.scalars(
        _delivered_lines(user)
        .where(OrderLine.product_id.not_in(reviewed))
        .options(selectinload(OrderLine.product))
        .order_by(OrderLine.id.desc())
    ).all()
    seen, result = set(), []
    for line in lines:
        if line.product_id not in seen and line.product is not None and _on_sale(line.product):
            seen.add(line.product_id)
            result.append(line)
    return result


def reviews_of_user(user: User) -> list[Review]:
    return db.session.scalars(
        select(Review)
        .where(Review.user_id == user.id)
        .options(selectinload(Review.product), selectinload(Review.images))
        .order_by(Review.id.desc())
    ).all()


def shown_name(user: User) -> str:
    """Return 'Nguyễn Thị H.': the given name and the family name's initial, never the email."""
    words = (user.full_name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return " ".join(words[:-1]) + f" {words[-1][0]}."


def write_review(
    user: User, product: Product, *, stars: int, body: str, language: str = "vi", photos=(), store=None
) -> Review:
    """Record a verified buyer's review of a product they received; flush.

    :raises NotEligible: no delivered order line of the product, or the product is not on sale.
    :raises AlreadyReviewed: the user reviewed this product before.
    :raises BadReview: stars outside 1–5 or text longer than MAX_BODY.
    :raises ImageRejected: a photo is not an acceptable image, or more than MAX_PHOTOS.
    """
    if not _on_sale(product):
        raise NotEligible()
    line = delivered_line(user, product)
    if line is None:
        raise NotEligible()
    if review_by(user, product) is not None:
        raise AlreadyReviewed()
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise BadReview("stars")
    body = _clean(body)
    if len(body) > MAX_BODY:
        raise BadReview("body")
    photos = [photo for photo in photos if photo and getattr(photo, "filename", "")]
    if len(photos) > MAX_PHOTOS:
        raise TooManyPhotos()
    review = Review(
        product_id=product.id,
        user_id=user.id,
        order_line_id=line.id,
        stars=stars,
        body=body,
        author_name=shown_name(user),
        language=language if language in ("vi", "en") else "vi",
    )
    stored = []
    try:
        for position, photo in enumerate(photos):
            image = accept_upload(photo.stream, store)
            stored.append(image.filename)
            review.images.append(
                ReviewImage(
                    filename=image.filename,
                    width=image.width,
                    height=image.height,
                    position=position,
                    alt=f"Ảnh khách hàng chụp {product.name_vi}"[:200],
                    alt_en=f"Customer photo of {product.name_en or product.name_vi}"[:200],
                )
            )
    except ImageRejected:
        _forget_files(store, stored)
        raise
    # No savepoint for the (product, user) unique race: SQLAlchemy fires after_commit on a savepoint's
    # release, which the catalogue's cache listener takes for a real commit. A double submit that
    # raced past the check above fails here instead; the caller rolls back on AlreadyReviewed.
    db.session.add(review)
    try:
        db.session.flush()
    except IntegrityError as error:
        _forget_files(store, stored)
        raise AlreadyReviewed() from error
    return review


def _forget_files(store, filenames) -> None:
    for filename in filenames:
        delete_files(store, filename)


def reply_to_review(review: Review, *, producer, body: str, actor: User) -> Review:
    """Publish the producer's one reply to a review of its own product; flush.

    :raises NotYourProduct: the review is about another producer's product.
    :raises AlreadyReplied: the producer replied before (a reply is not edited).
    :raises BadReview: the reply is empty or longer than MAX_REPLY.
    """
    if producer is None or review.product.producer_id != producer.id:
        raise NotYourProduct()
    if review.has_reply:
        raise AlreadyReplied()
    body = _clean(body)
    if not body or len(body) > MAX_REPLY:
        raise BadReview("body")
    review.reply_body = body
    review.replied_at = utcnow()
    review.replied_by_id = actor.id
    db.session.flush()
    return review


def hide_review(review: Review, *, reason: str, actor: User) -> Review:
    """Hide a review from the shop with a reason, recorded in the audit log."""
    reason = _clean(reason)[:500]
    if not reason:
        raise ReasonRequired()
    return _set_hidden(review, hidden=True, reason=reason, actor=actor)


def unhide_review(review: Review, *, actor: User) -> Review:
    """Show a hidden review again, recorded in the audit log."""
    return _set_hidden(review, hidden=False, reason="", actor=actor)


def _set_hidden(review: Review, *, hidden: bool, reason: str, actor: User) -> Review:
    if review.is_hidden == hidden:
        raise NothingToChange()
    before = snapshot(review, HIDE_FIELDS)
    review.is_hidden = hidden
    review.hidden_reason = reason
    db.session.flush()
    log_action(
        actor,
        "review.hide" if hidden else "review.unhide",
        review,
        before=before,
        after=snapshot(review, HIDE_FIELDS),
        reason=reason,
    )
    return review


@dataclass(frozen=True)
class RatingSummary:
    count: int = 0
    #: Mean stars rounded to one decimal; 0 without reviews.
    average: float = 0.0
    #: stars (5 … 1) -> number of visible reviews.
    distribution: dict = field(default_factory=dict)

    def share(self, stars: int) -> int:
        """Percentage of reviews with these stars, for the distribution bars."""
        return round(100 * self.distribution.get(stars, 0) / self.count) if self.count else 0


def _visible():
    return select(Review).where(Review.is_hidden.is_(False))


def rating_summary(product: Product) -> RatingSummary:
    """Count, average and distribution of a product's visible reviews."""
    rows = db.session.execute(
        select(Review.stars, func.count(Review.id))
        .where(Review.product_id == product.id, Review.is_hidden.is_(False))
        .group_by(Review.stars)
    ).all()
    distribution = {stars: 0 for stars in range(5, 0, -1)}
    for stars, n in rows:
        distribution[stars] = n
    count = sum(distribution.values())
    total = sum(stars * n for stars, n in distribution.items())
    return RatingSummary(count=count, average=round(total / count, 1) if count else 0.0, distribution=distribution)


def visible_reviews_page(product: Product, *, page: int, per_page: int):
    """One page of a product's visible reviews, newest first."""
    query = (
        _visible()
        .where(Review.product_id == product.id)
        .options(selectinload(Review.images))
        .order_by(Review.created_at.desc(), Review.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def producer_reviews_page(producer, *, page: int, per_page: int):
    """One page of the reviews of a producer's products (hidden ones too, marked), newest first."""
    query = (
        select(Review)
        .join(Product, Review.product_id == Product.id)
        .where(Product.producer_id == producer.id)
        .options(selectinload(Review.product), selectinload(Review.images))
        .order_by(Review.created_at.desc(), Review.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def office_reviews_page(*, hidden_only: bool, page: int, per_page: int):
    """One page of all reviews for moderation, newest first."""
    query = select(Review).options(selectinload(Review.product), selectinload(Review.images))
    if hidden_only:
        query = query.where(Review.is_hidden.is_(True))
    return db.paginate(query.order_by(Review.id.desc()), page=page, per_page=per_page, error_out=False)


def written_on(review: Review):
    """The Vietnam calendar day a review was written."""
    return review.created_at.astimezone(VIETNAM_TZ).date()

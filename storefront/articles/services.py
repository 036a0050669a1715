"""Write, moderate, schedule and publish articles; list and find the public ones. Services flush, never commit.

States: the office's news is a draft until it publishes it (now) or schedules it (a later time);
a producer's story is submitted, then approved (published now) or rejected with a reason, which the
producer may answer by editing and resubmitting. An article is public while its state is scheduled or
published and its publish_at has come, so a scheduled article goes live without any job running.
Every office decision is written to the audit log.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.models import User
from storefront.addresses import THAI_NGUYEN, ward_in_province
from storefront.articles.models import (
    LIVE_STATES,
    Article,
    ArticleImage,
    ArticleKind,
    ArticleStatus,
    ArticleWard,
)
from storefront.audit.services import log_action, snapshot
from storefront.catalog.images import accept_upload
from storefront.catalog.models import Producer, ProducerStatus, Product
from storefront.clock import VIETNAM_TZ
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.text import clean_text, drop_format_chars, fold, slugify

MAX_TITLE = 200
MAX_SUMMARY = 400
MAX_BODY = 20_000
MAX_TAGS = 20
#: The state fields each audited decision records before and after.
STATE_FIELDS = ("status", "publish_at", "rejection_reason")


class ArticleError(DomainError):
    pass


class ArticleInvalid(ArticleError):
    """Field name → message for every rule the input breaks."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotYourStory(ArticleError):
    """A producer touched another producer's story, or the office's news."""


class WrongState(ArticleError):
    """The action does not apply in the article's present state (e.g. approving a draft)."""


class ReasonRequired(ArticleError):
    pass


@dataclass
class ArticleInput:
    title: str
    body: str
    summary: str = ""
    title_en: str = ""
    summary_en: str = ""
    body_en: str = ""
    product_ids: tuple[int, ...] = ()
    producer_ids: tuple[int, ...] = ()
    ward_codes: tuple[int, ...] = ()


def _line(text: str, limit: int) -> str:
    return re.sub(r"\s+", " ", drop_format_chars(clean_text(text or ""))).strip()[:limit]


def _block(text: str) -> str:
    return drop_format_chars(clean_text(text or "")).replace("\r\n", "\n").strip()


def taggable_products(producer: Producer | None) -> list[Product]:
    """Products an article may be about: on sale and of an approved producer; a story only its producer's own."""
    query = select(Product).join(Producer).where(Product.is_published.is_(True), Product.is_hidden.is_(False))
    query = (
        query.where(Product.producer_id == producer.id)
        if producer
        else query.where(Producer.status == ProducerStatus.APPROVED)
    )
    return db.session.scalars(query.order_by(Product.name_vi)).all()


def taggable_producers() -> list[Producer]:
    return db.session.scalars(
        select(Producer).where(Producer.status == ProducerStatus.APPROVED).order_by(Producer.name)
    ).all()


def _checked(data: ArticleInput, producer: Producer | None) -> dict:
    errors, values = {}, {}
    values["title"] = _line(data.title, 10_000)
    if not values["title"]:
        errors["title"] = _l("Nhập tiêu đề.")
    elif len(values["title"]) > MAX_TITLE:
        errors["title"] = _l("Tiêu đề tối đa %(n)s ký tự.", n=MAX_TITLE)
    values["summary"] = _line(data.summary, MAX_SUMMARY)
    values["body"] = _block(data.body)
    if not values["body"]:
        errors["body"] = _l("Nhập nội dung bài viết.")
    values["title_en"] = _line(data.title_en, MAX_TITLE)
    values["summary_en"] = _line(data.summary_en, MAX_SUMMARY)
    values["body_en"] = _block(data.body_en)
    for name in ("body", "body_en"):
        if len(values[name]) > MAX_BODY:
            errors[name] = _l("Nội dung tối đa %(n)s ký tự.", n=MAX_BODY)
    allowed = {p.id: p for p in taggable_products(producer)}
    chosen = set(data.product_ids)
    if chosen - set(allowed):
        errors["product_ids"] = (
            _l("Chỉ chọn được sản phẩm đang bán của cơ sở.") if producer else _l("Chỉ chọn được sản phẩm đang bán.")
        )
    values["products"] = [allowed[i] for i in sorted(chosen & set(allowed))]
    if producer is not None:  # a story is about its own producer, and no other
        values["producers"] = [producer]
    else:
        known = {p.id: p for p in taggable_producers()}
        if set(data.producer_ids) - set(known):
            errors["producer_ids"] = _l("Chỉ chọn được chủ thể đã được duyệt.")
        values["producers"] = [known[i] for i in sorted(set(data.producer_ids) & set(known))]
    codes = sorted(set(data.ward_codes))
    if any(not ward_in_province(code, THAI_NGUYEN) for code in codes):
        errors["ward_codes"] = _l("Chọn xã/phường của tỉnh Thái Nguyên.")
    values["ward_codes"] = codes
    if len(values["products"]) + len(values["producers"]) + len(codes) > MAX_TAGS:
        errors["product_ids"] = _l("Tối đa %(n)s thẻ (sản phẩm, chủ thể, xã/phường).", n=MAX_TAGS)
    if errors:
        raise ArticleInvalid(errors)
    return values


def _unique_slug(title: str) -> str:
    """A slug for a new article; it never changes afterwards, so shared links survive an edited title."""
    base = slugify(title, max_length=150)
    taken = set(db.session.scalars(select(Article.slug).where(Article.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _apply(article: Article, values: dict) -> None:
    for name in ("title", "summary", "body", "title_en", "summary_en", "body_en"):
        setattr(article, name, values[name])
    article.products = values["products"]
    article.producers = values["producers"]
    article.ward_rows = [ArticleWard(ward_code=code) for code in values["ward_codes"]]
    article.search_text = fold(" ".join(values[n] for n in ("title", "title_en", "summary", "summary_en", "body")))


def create_article(data: ArticleInput, *, actor: User, producer: Producer | None = None, is_demo=False) -> Article:
    """Write the office's news (a draft; producer None) or submit a producer's story about itself.

    :raises ArticleInvalid: with a message per field.
    """
    values = _checked(data, producer)
    article = Article(
        slug=_unique_slug(values["title"]),
        kind=ArticleKind.STORY if producer else ArticleKind.NEWS,
        status=ArticleStatus.SUBMITTED if producer else ArticleStatus.DRAFT,
        producer_id=producer.id if producer else None,
        author_id=actor.id if actor else None,
        is_demo=is_demo,
    )
    _apply(article, values)
    db.session.add(article)
    db.session.flush()
    return article


#: States in which a producer may still change its story (editing resubmits it).
EDITABLE_STORY_STATES = (ArticleStatus.SUBMITTED, ArticleStatus.REJECTED)


def update_article(article: Article, data: ArticleInput, *, producer: Producer | None = None) -> Article:
    """Change an article: the office any; a producer only its own story, before it is published (resubmits it).

    :raises NotYourStory: a producer edits another's story or the office's news.
    :raises WrongState: a producer edits a story already approved.
    :raises ArticleInvalid: with a message per field.
    """
    if producer is not None:
        if article.producer_id != producer.id:
            raise NotYourStory()
        if article.status not in EDITABLE_STORY_STATES:
            raise WrongState()
    # A story stays about its own producer and that producer's products, whoever edits it.
    values = _checked(data, producer if producer else article.producer)
    _apply(article, values)
    if producer is not None:
        article.status = ArticleStatus.SUBMITTED
    db.session.flush()
    return article


def set_cover(article: Article, stream, store, *, alt: str = "", alt_en: str = "") -> str | None:
    """Store an uploaded cover through the image pipeline; return the replaced cover's file name (delete it after commit).

    :raises ImageRejected: not an acceptable image.
    """
    image = accept_upload(stream, store)
    old = article.cover.filename if article.cover else None
    if article.cover is not None:
        db.session.delete(article.cover)
        db.session.flush()
    article.cover = ArticleImage(
        filename=image.filename,
        width=image.width,
        height=image.height,
        alt=_line(alt, 200) or f"Ảnh bìa: {article.title}"[:200],
        alt_en=_line(alt_en, 200),
    )
    db.session.flush()
    return old


def _begin(article: Article, allowed: tuple[ArticleStatus, ...]) -> dict:
    """Check the article is in an allowed state; return its state fields as they were, for the audit log."""
    if article.status not in allowed:
        raise WrongState()
    return snapshot(article, STATE_FIELDS)


def _decide(article: Article, action: str, actor: User, before: dict, *, reason: str = "") -> Article:
    db.session.flush()
    log_action(actor, action, article, before=before, after=snapshot(article, STATE_FIELDS), reason=reason)
    return article


def publish_now(article: Article, *, actor: User, now: datetime | None = None) -> Article:
    """Publish the office's news at once (a draft, or a scheduled one early)."""
    before = _begin(article, (ArticleStatus.DRAFT, ArticleStatus.SCHEDULED))
    article.status, article.publish_at = ArticleStatus.PUBLISHED, now or utcnow()
    return _decide(article, "article.publish", actor, before)


def schedule(article: Article, when: datetime, *, actor: User, now: datetime | None = None) -> Article:
    """Schedule news for a later moment; a naive `when` is Vietnam time (Asia/Ho_Chi_Minh, UTC+7).

    :raises ArticleInvalid: the moment is not in the future.
    """
    before = _begin(article, (ArticleStatus.DRAFT, ArticleStatus.SCHEDULED))
    if when.tzinfo is None:
        when = when.replace(tzinfo=VIETNAM_TZ)
    if when <= (now or utcnow()):
        raise ArticleInvalid({"publish_at": _l("Chọn một thời điểm trong tương lai.")})
    article.status, article.publish_at = ArticleStatus.SCHEDULED, when
    return _decide(article, "article.schedule", actor, before)


def unpublish(article: Article, *, actor: User) -> Article:
    """Take a published or scheduled article back to draft (news) or back to review (a story)."""
    before = _begin(article, LIVE_STATES)
    article.status = ArticleStatus.SUBMITTED if article.kind is ArticleKind.STORY else ArticleStatus.DRAFT
    article.publish_at = None
    return _decide(article, "article.unpublish", actor, before)


def approve(article: Article, *, actor: User, now: datetime | None = None) -> Article:
    """Publish a producer's submitted story at once."""
    before = _begin(article, (ArticleStatus.SUBMITTED,))
    article.status, article.publish_at, article.rejection_reason = ArticleStatus.PUBLISHED, now or utcnow(), ""
    return _decide(article, "article.approve", actor, before)


def reject(article: Article, *, reason: str, actor: User) -> Article:
    """Turn a submitted story down with a reason its producer sees."""
    reason = _line(reason, 500)
    if not reason:
        raise ReasonRequired()
    before = _begin(article, (ArticleStatus.SUBMITTED,))
    article.status, article.rejection_reason = ArticleStatus.REJECTED, reason
    return _decide(article, "article.reject", actor, before, reason=reason)


def shown_status(article: Article, now: datetime) -> str:
    """The state to show: a scheduled article whose time has come reads as published."""
    if article.status is ArticleStatus.SCHEDULED and article.is_live(now):
        return ArticleStatus.PUBLISHED.value
    return article.status.value

"""The producer's own stories: write one for the office to review, see its state and the reason of a refusal,
edit and resubmit it before it is published (never another producer's)."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.decorators import producer_required
from storefront.articles import queries
from storefront.articles import services as articles
from storefront.articles.forms import StoryForm
from storefront.articles.models import Article
from storefront.catalog.images import ImageRejected, delete_files
from storefront.columns import utcnow
from storefront.extensions import db, limiter
from storefront.producer import bp
from storefront.producer.views.common import current_producer, form_errors_from, image_refusal
from storefront.storage import storage


def _story_limit() -> str:
    return current_app.config["RATELIMIT_STORY"]


def _story_limit_key() -> str:
    return f"story-user/{current_user.get_id() or '-'}"  # per account, as reviews


def get_own_story_or_404(article_id: int) -> Article:
    article = db.get_or_404(Article, article_id)
    if article.producer_id != current_producer().id:
        abort(404)  # another producer's story, or the office's news
    return article


@bp.route("/stories")
@producer_required
def stories_index():
    return render_template("producer/stories.html", stories=queries.stories_of(current_producer()), now=utcnow())


def _save(form: StoryForm, article: Article | None) -> Article | None:
    producer = current_producer()
    try:
        if article is None:
            article = articles.create_article(
                form.to_input(), actor=current_user._get_current_object(), producer=producer
            )
        else:
            articles.update_article(article, form.to_input(), producer=producer)
        old_cover = None
        upload = form.cover.data
        if upload and getattr(upload, "filename", ""):
            old_cover = articles.set_cover(article, upload.stream, storage("media"), alt=form.cover_alt.data or "")
    except articles.ArticleInvalid as error:
        db.session.rollback()
        form_errors_from(form, error)
        return None
    except ImageRejected as error:
        db.session.rollback()
        form.cover.errors = [*form.cover.errors, image_refusal(error)]
        return None
    db.session.commit()
    if old_cover:
        delete_files(storage("media"), old_cover)
    return article


@bp.route("/stories/new", methods=["GET", "POST"])
@producer_required
@limiter.limit(_story_limit, key_func=_story_limit_key, methods=["POST"])
def story_new():
    form = StoryForm().setup(articles.taggable_products(current_producer()))
    if form.validate_on_submit() and _save(form, None) is not None:
        flash(_("Đã gửi câu chuyện; Văn phòng OCOP sẽ duyệt trước khi đăng."), "success")
        return redirect(url_for("producer.stories_index"))
    return render_template("producer/story_form.html", form=form, article=None)


@bp.route("/stories/<int:article_id>/edit", methods=["GET", "POST"])
@producer_required
@limiter.limit(_story_limit, key_func=_story_limit_key, methods=["POST"])
def story_edit(article_id):
    article = get_own_story_or_404(article_id)
    if article.status not in articles.EDITABLE_STORY_STATES:
        flash(_("Câu chuyện đã được đăng; muốn sửa, hãy liên hệ Văn phòng OCOP."), "info")
        return redirect(url_for("producer.stories_index"))
    form = StoryForm(obj=article).setup(articles.taggable_products(current_producer()))
    if not form.is_submitted():
        form.fill_from(article)
    if form.validate_on_submit() and _save(form, article) is not None:
        flash(_("Đã gửi lại câu chuyện để duyệt."), "success")
        return redirect(url_for("producer.stories_index"))
    return render_template("producer/story_form.html", form=form, article=article)

"""News and stories: the office writes, schedules and publishes articles and approves or rejects producers'
stories (every decision in the audit log)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from storefront.articles import queries
from storefront.articles import services as articles
from storefront.articles.forms import STATUS_NAMES, ArticleForm, ScheduleForm
from storefront.articles.models import Article, ArticleStatus
from storefront.catalog.images import ImageRejected, delete_files
from storefront.catalog.indexing import page_cache
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.office import bp
from storefront.office.forms import ConfirmForm, ReasonForm
from storefront.office.views.common import act, apply_errors, me
from storefront.request_input import request_page
from storefront.storage import storage


def _back(article):
    return url_for("office.article_edit", article_id=article.id)


@bp.route("/articles")
def articles_index():
    raw = request.args.get("status", "")
    status = ArticleStatus(raw) if raw in STATUS_NAMES else None
    pagination = queries.office_page(status=status, page=request_page(), per_page=50)
    return render_template(
        "office/articles.html",
        pagination=pagination,
        status=status,
        statuses=STATUS_NAMES,
        now=utcnow(),
        pending=queries.pending_count(),
    )


def _save(form: ArticleForm, article: Article | None):
    """Create or update from the form and store a new cover; return the article, or None with errors on the form."""
    try:
        if article is None:
            article = articles.create_article(form.to_input(), actor=me())
        else:
            articles.update_article(article, form.to_input())
        old_cover = None
        upload = form.cover.data
        if upload and getattr(upload, "filename", ""):
            old_cover = articles.set_cover(
                article,
                upload.stream,
                storage("media"),
                alt=form.cover_alt.data or "",
                alt_en=form.cover_alt_en.data or "",
            )
        elif article.cover and form.cover_alt.data is not None:
            article.cover.alt = (form.cover_alt.data or article.cover.alt)[:200]
            article.cover.alt_en = (form.cover_alt_en.data or "")[:200]
    except articles.ArticleInvalid as error:
        db.session.rollback()
        apply_errors(form, {name: str(message) for name, message in error.errors.items()})
        return None
    except ImageRejected as error:
        db.session.rollback()
        form.cover.errors = [*form.cover.errors, _("Ảnh không được chấp nhận: %(reason)s", reason=error.message)]
        return None
    db.session.commit()
    page_cache().clear()
    if old_cover:
        delete_files(storage("media"), old_cover)
    return article


def _form(article: Article | None) -> ArticleForm:
    form = ArticleForm(obj=article).setup(articles.taggable_products(None), articles.taggable_producers())
    if article is not None and not form.is_submitted():
        form.fill_from(article)
        if article.cover:
            form.cover_alt.data, form.cover_alt_en.data = article.cover.alt, article.cover.alt_en
    return form


@bp.route("/articles/new", methods=["GET", "POST"])
def article_new():
    form = _form(None)
    if form.validate_on_submit():
        article = _save(form, None)
        if article is not None:
            flash(_("Đã lưu bản nháp. Đăng ngay hoặc hẹn giờ đăng bên dưới."), "success")
            return redirect(_back(article))
    return render_template("office/article_form.html", form=form, article=None)


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
def article_edit(article_id):
    article = db.get_or_404(Article, article_id)
    form = _form(article)
    if form.validate_on_submit():
        if _save(form, article) is not None:
            flash(_("Đã lưu bài viết."), "success")
            return redirect(_back(article))
    return render_template(
        "office/article_form.html",
        form=form,
        article=article,
        schedule_form=ScheduleForm(formdata=None),
        reason_form=ReasonForm(formdata=None),
        confirm=ConfirmForm(),
        shown=articles.shown_status(article, utcnow()),
    )


def _decision(article_id, service, message, *, needs_reason=False):
    response = act(Article, article_id, service, needs_reason=needs_reason, message=message, back=_back)
    page_cache().clear()  # product and producer pages list the articles about them
    return response


@bp.post("/articles/<int:article_id>/publish")
def article_publish(article_id):
    return _decision(article_id, articles.publish_now, _("Đã đăng bài viết."))


@bp.post("/articles/<int:article_id>/unpublish")
def article_unpublish(article_id):
    return _decision(article_id, articles.unpublish, _("Đã gỡ bài viết khỏi trang."))


@bp.post("/articles/<int:article_id>/approve")
def article_approve(article_id):
    return _decision(article_id, articles.approve, _("Đã duyệt và đăng câu chuyện."))


@bp.post("/articles/<int:article_id>/reject")
def article_reject(article_id):
    return _decision(article_id, articles.reject, _("Đã từ chối câu chuyện; cơ sở sẽ thấy lý do."), needs_reason=True)


@bp.post("/articles/<int:article_id>/schedule")
def article_schedule(article_id):
    article = db.get_or_404(Article, article_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash(_("Chọn ngày giờ đăng."), "error")
        return redirect(_back(article))
    try:
        articles.schedule(article, form.publish_at.data, actor=me())
    except articles.ArticleInvalid:
        db.session.rollback()
        flash(_("Chọn một thời điểm trong tương lai."), "error")
        return redirect(_back(article))
    except articles.ArticleError:
        db.session.rollback()
        flash(_("Không thể thực hiện thao tác này ở trạng thái hiện tại."), "error")
        return redirect(_back(article))
    db.session.commit()
    page_cache().clear()
    flash(_("Đã hẹn giờ đăng bài viết."), "success")
    return redirect(_back(article))

"""News and stories: the office writes, schedules and publishes; producers submit stories the office approves or
rejects (audited); shoppers read the list, the page (OpenGraph, JSON-LD), the Atom feed, the sitemap, the search
section and "Bài viết về sản phẩm này"; Markdown is sanitised; nobody touches another's story."""

import io
import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from storefront.articles import queries, services
from storefront.articles.models import Article, ArticleStatus
from storefront.audit.models import AuditLogEntry
from tests.factories import TAN_CUONG_WARD, make_product
from tests.factories_office import make_office_user
from tests.factories_producer import image_bytes, make_producer_account

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = 'Chè ngon.\n\n<script>alert("x")</script>\n\n[bấm đây](javascript:alert(1)) và [nguồn](https://example.com/a)'


def article_form(**changes) -> dict:
    data = {
        "title": "Hợp tác xã chè giữ nghề trên đồi Tân Cương",
        "summary": "Câu chuyện một hợp tác xã chè.",
        "body": "Những **búp chè** hái lúc sáng sớm.",
    }
    data.update(changes)
    return data


def audit_actions(db, article) -> list[str]:
    rows = db.session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.object_type == "Article", AuditLogEntry.object_id == article.id)
    )
    return [(row.action, row.reason) for row in rows]


def jsonld_of(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


def news(office, **kw) -> Article:
    data = services.ArticleInput(
        title=kw.pop("title", "Tin OCOP"), body=kw.pop("body", "Nội dung."), summary=kw.pop("summary", ""), **kw
    )
    return services.create_article(data, actor=office)


@pytest.fixture
def office(db):
    user = make_office_user()
    db.session.commit()
    return user


def test_the_office_publishes_an_article_about_a_product_which_its_pages_then_show(client, db, login, office):
    tea = make_product(name_vi="Chè đinh Tân Cương")
    db.session.commit()
    login(office)
    response = client.post(
        "/office/articles/new",
        data={
            **article_form(body=HOSTILE),
            "product_ids": [str(tea.id)],
            "producer_ids": [str(tea.producer_id)],
            "ward_codes": [str(TAN_CUONG_WARD)],
            "cover": (io.BytesIO(image_bytes(size=(900, 600))), "cover.jpg"),
            "cover_alt": "Đồi chè Tân Cương",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    article = db.session.scalar(select(Article))
    assert (article.status, article.products, article.cover.width) == (ArticleStatus.DRAFT, [tea], 900)
    login.logout()
    # A draft is nowhere public.
    assert client.get(f"/news/{article.slug}").status_code == 404
    assert "Bài viết về sản phẩm này" not in client.get(f"/products/{tea.slug}").get_data(as_text=True)

    login(office)
    assert client.post(f"/office/articles/{article.id}/publish").status_code == 302
    assert audit_actions(db, article) == [("article.publish", "")]
    login.logout()

    product_page = client.get(f"/products/{tea.slug}").get_data(as_text=True)
    assert "Bài viết về sản phẩm này" in product_page and f'href="/news/{article.slug}"' in product_page
    producer_page = client.get(f"/producers/{tea.producer.slug}").get_data(as_text=True)
    assert "Bài viết về cơ sở này" in producer_page and f'href="/news/{article.slug}"' in producer_page
    listing = client.get("/news").get_data(as_text=True)
    assert article.title in listing and "srcset=" in listing

    page = client.get(f"/news/{article.slug}").get_data(as_text=True)
    # Sanitised: the script tag is shown as text, never an element; no javascript: link; the safe link
    # kept, with rel=nofollow noopener.
    assert "<script>alert" not in page and "<p>&lt;script&gt;alert" in page and 'href="javascript:' not in page
    assert '<a href="https://example.com/a" rel="nofollow noopener">nguồn</a>' in page
    assert '<meta property="og:type" content="article">' in page
    assert re.search(
        r'<meta property="og:image" content="http://shop\.test/media/\w+\.jpg\?size=large&amp;fmt=jpg">', page
    )
    assert 'sizes="(min-width: 800px) 760px, 100vw"' in page and "Xã Tân Cương" in page
    data = jsonld_of(page)
    assert data["@type"] == "NewsArticle" and data["headline"] == article.title
    assert data["about"][0] == {
        "@type": "Product",
        "name": "Chè đinh Tân Cương",
        "url": f"http://shop.test/products/{tea.slug}",
    }
    assert data["datePublished"].startswith(str(article.publish_at.year))


def test_scheduling_takes_vietnam_time_and_the_article_goes_live_when_its_time_comes(client, db, login, office):
    article = news(office, title="Hội chợ OCOP sắp khai mạc")
    db.session.commit()
    login(office)
    assert (
        client.post(f"/office/articles/{article.id}/schedule", data={"publish_at": "2020-01-01T08:00"}).status_code
        == 302
    )
    assert db.session.get(Article, article.id).status is ArticleStatus.DRAFT  # the past is refused
    assert (
        client.post(f"/office/articles/{article.id}/schedule", data={"publish_at": "2099-03-01T08:00"}).status_code
        == 302
    )
    article = db.session.get(Article, article.id)
    assert article.status is ArticleStatus.SCHEDULED
    assert article.publish_at == datetime(2099, 3, 1, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội is 01:00 UTC
    assert [a for a, _ in audit_actions(db, article)] == ["article.schedule"]
    assert client.get(f"/news/{article.slug}").status_code == 404
    assert "01/03/2099 08:00" in client.get(f"/office/articles/{article.id}/edit").get_data(as_text=True)

    before, after = datetime(2099, 3, 1, 0, 59, tzinfo=UTC), datetime(2099, 3, 1, 1, 0, tzinfo=UTC)
    assert queries.public_article(article.slug, now=before) is None
    assert queries.public_article(article.slug, now=after) == article
    assert (services.shown_status(article, before), services.shown_status(article, after)) == ("scheduled", "published")
    assert queries.public_page(page=1, per_page=10, now=after).items == [article]


def test_a_producer_story_is_reviewed_rejected_with_a_reason_resubmitted_and_approved(client, db, login, office):
    user, producer = make_producer_account()
    own = make_product(producer=producer)
    other = make_product()
    db.session.commit()
    login(user)
    refused = client.post("/producer/stories/new", data={**article_form(), "product_ids": [str(other.id)]})
    assert refused.status_code == 200 and db.session.scalar(select(Article)) is None
    assert (
        client.post("/producer/stories/new", data={**article_form(), "product_ids": [str(own.id)]}).status_code == 302
    )
    story = db.session.scalar(select(Article))
    assert (story.status, story.producer_id, story.producers, story.products) == (
        ArticleStatus.SUBMITTED,
        producer.id,
        [producer],
        [own],
    )
    assert client.get(f"/news/{story.slug}").status_code == 404
    login.logout()

    login(office)
    assert "Chờ duyệt" in client.get("/office/articles").get_data(as_text=True)
    assert client.post(f"/office/articles/{story.id}/reject", data={"reason": ""}).status_code == 302
    assert db.session.get(Article, story.id).status is ArticleStatus.SUBMITTED  # a reason is required
    client.post(f"/office/articles/{story.id}/reject", data={"reason": "Thiếu nguồn ảnh"})
    login.logout()

    login(user)
    assert "Lý do từ chối: Thiếu nguồn ảnh" in client.get("/producer/stories").get_data(as_text=True)
    assert (
        client.post(f"/producer/stories/{story.id}/edit", data=article_form(title="Chuyện làm chè")).status_code == 302
    )
    assert db.session.get(Article, story.id).status is ArticleStatus.SUBMITTED
    login.logout()

    login(office)
    assert client.post(f"/office/articles/{story.id}/approve").status_code == 302
    assert audit_actions(db, story) == [("article.reject", "Thiếu nguồn ảnh"), ("article.approve", "")]
    login.logout()
    page = client.get(f"/news/{story.slug}").get_data(as_text=True)
    assert "Chuyện làm chè" in page and jsonld_of(page)["author"]["name"] == producer.name
    login(user)  # once published, the producer no longer edits it
    client.post(f"/producer/stories/{story.id}/edit", data=article_form(title="Đổi sau khi đăng"))
    assert db.session.get(Article, story.id).title == "Chuyện làm chè"


def test_only_the_office_publishes_and_a_producer_sees_only_its_own_stories(client, db, login, office):
    user, _producer = make_producer_account()
    other_user, other_producer = make_producer_account()
    theirs = services.create_article(
        services.ArticleInput(title="Câu chuyện của cơ sở khác", body="…"), actor=other_user, producer=other_producer
    )
    draft = news(office, title="Tin nháp")
    db.session.commit()

    assert client.post(f"/office/articles/{draft.id}/publish").status_code == 302  # anonymous: to the sign-in page
    login(user)
    assert client.get("/office/articles").status_code == 403
    assert client.post(f"/office/articles/{draft.id}/publish").status_code == 403
    assert client.post(f"/office/articles/{theirs.id}/approve").status_code == 403
    assert client.get(f"/producer/stories/{theirs.id}/edit").status_code == 404
    assert client.post(f"/producer/stories/{theirs.id}/edit", data=article_form()).status_code == 404
    assert client.get(f"/producer/stories/{draft.id}/edit").status_code == 404
    assert "Câu chuyện của cơ sở khác" not in client.get("/producer/stories").get_data(as_text=True)
    login.logout()

    login(office)  # without its CSRF token the office's own publish is refused
    assert client.post(f"/office/articles/{draft.id}/publish", data={}, csrf=False).status_code == 400
    assert {a.status for a in db.session.scalars(select(Article))} == {ArticleStatus.DRAFT, ArticleStatus.SUBMITTED}
    assert [a.title for a in queries.latest(limit=10)] == []


def test_the_atom_feed_parses_and_lists_live_articles_with_escaped_sanitised_html(client, db, office):
    live = news(office, title="Chè & mật ong <mới>", body=HOSTILE, summary="Tóm tắt")
    news(office, title="Bản nháp không lên feed")
    services.publish_now(live, actor=office)
    db.session.commit()
    response = client.get("/news/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    datetime.fromisoformat(feed.findtext(f"{ATOM}updated"))
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://shop.test/news/feed.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Chè & mật ong <mới>"]
    entry = entries[0]
    assert entry.findtext(f"{ATOM}id") == f"http://shop.test/news/{live.slug}"
    datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "<script" not in content.text and 'href="javascript:' not in content.text
    assert '<a href="https://example.com/a" rel="nofollow noopener">' in content.text


def test_the_sitemap_lists_live_articles_and_the_news_page_only(client, db, office):
    live = news(office, title="Tin đã đăng")
    draft = news(office, title="Tin chưa đăng")
    services.publish_now(live, actor=office)
    db.session.commit()
    sitemap = ElementTree.fromstring(client.get("/sitemap.xml").data)
    locs = {el.text for el in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert {"http://shop.test/news", f"http://shop.test/news/{live.slug}"} <= locs
    assert f"http://shop.test/news/{draft.slug}" not in locs


def test_site_search_finds_articles_without_accents_in_their_own_section(client, db, office):
    found = news(office, title="Hợp tác xã chè Hảo Đạt", body="Đồi chè ở Tân Cương.")
    news(office, title="Hội chợ mùa thu", body="100% hàng OCOP")
    for article in db.session.scalars(select(Article)):
        services.publish_now(article, actor=office)
    db.session.commit()
    assert queries.search("hop tac xa") == [found]
    assert queries.search("HỢP TÁC tan cuong") == [found]
    assert queries.search("%") == [] and queries.search("_") == [] and queries.search("hop xa khong") == []
    page = client.get("/products?q=hop+tac+xa").get_data(as_text=True)
    section = page[page.index('data-testid="search-articles"') :]
    assert "Bài viết" in section and f'href="/news/{found.slug}"' in section
    assert 'data-testid="search-articles"' not in client.get("/products?q=mien+dong").get_data(as_text=True)


def test_the_list_is_paged_and_narrowed_by_tag_and_english_pages_fall_back_to_vietnamese(client, db, office):
    tea = make_product()
    db.session.commit()
    tagged = news(office, title="Về chè", product_ids=(tea.id,), title_en="About the tea")
    others = [news(office, title=f"Tin số {n}") for n in range(11)]
    for article in [tagged, *others]:
        services.publish_now(article, actor=office)
    db.session.commit()
    first = client.get("/news").get_data(as_text=True)
    assert first.count('data-testid="article-card"') == 10 and 'rel="next"' in first
    assert client.get("/news?page=2").get_data(as_text=True).count('data-testid="article-card"') == 2
    by_tag = client.get(f"/news?product={tea.slug}").get_data(as_text=True)
    assert by_tag.count('data-testid="article-card"') == 1 and "Về chè" in by_tag
    assert client.get("/news?product=khong-co").status_code == 404
    assert client.get("/news?ward=4").status_code == 404  # a ward of Hà Nội
    assert "About the tea" in client.get(f"/news?product={tea.slug}&lang=en").get_data(as_text=True)
    english = client.get("/news").get_data(as_text=True)  # the language stays chosen
    assert '<a href="/news/tin-so-1" lang="vi">Tin số 1</a>' in english

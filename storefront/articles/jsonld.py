"""schema.org JSON-LD of an article page: NewsArticle (the office's news) or Article (a producer's story)."""

from storefront.articles.models import Article, ArticleKind
from storefront.catalog.urls import public_url

#: The office's news is signed as on the page; the site publishes both news and stories.
OFFICE = {"@type": "GovernmentOrganization", "name": "Văn phòng OCOP tỉnh Thái Nguyên"}


def article_jsonld(article: Article, *, products=(), producers=()) -> dict:
    url = public_url("articles.article", slug=article.slug)
    author = (
        {
            "@type": "Organization",
            "name": article.producer.name,
            "url": public_url("catalog.producer", slug=article.producer.slug),
        }
        if article.kind is ArticleKind.STORY and article.producer and article.producer.is_approved
        else OFFICE
    )
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle" if article.kind is ArticleKind.NEWS else "Article",
        "@id": url,
        "mainEntityOfPage": url,
        "url": url,
        "headline": article.title[:110],
        "inLanguage": "vi",
        "datePublished": article.publish_at.isoformat(),
        "dateModified": max(article.updated_at, article.publish_at).isoformat(),
        "author": author,
        "publisher": {"@type": "Organization", "name": "OCOP Thái Nguyên", "url": public_url("main.index")},
    }
    if article.summary:
        data["description"] = article.summary
    if article.cover:
        data["image"] = public_url("catalog.image", filename=article.cover.filename, size="large", fmt="jpg")
    about = [
        {"@type": "Product", "name": p.name_vi, "url": public_url("catalog.product", slug=p.slug)} for p in products
    ] + [
        {"@type": "Organization", "name": p.name, "url": public_url("catalog.producer", slug=p.slug)} for p in producers
    ]
    if about:
        data["about"] = about
    return data

"""An English page names a product by its English name wherever it lists one (walk8 found three Vietnamese ones)."""

import pytest

from storefront.articles import services as articles
from tests.factories import make_certificate, make_product
from tests.factories_office import make_office_user
from tests.factories_reviews import make_buyer_of, make_review

VI, EN = "Chè đinh Tân Cương", "Tan Cuong needle-bud green tea"


@pytest.fixture
def tea(db):
    tea = make_product(name_vi=VI, name_en=EN)
    make_certificate(product=tea, stars=4)
    return tea


def english(client, url) -> str:
    client.get("/?lang=en")
    page = client.get(url).get_data(as_text=True)
    assert '<html lang="en"' in page
    return page


def test_the_producer_pages_certificate_list_names_the_product_in_english(client, db, tea):
    db.session.commit()
    page = english(client, f"/producers/{tea.producer.slug}")
    certificates = page.split('id="certs-h"')[1].split("</section>")[0]
    assert EN in certificates and VI not in certificates


def test_my_reviews_names_products_to_review_and_reviewed_in_english(client, db, login, tea):
    other = make_product(name_vi="Chè tôm nõn", name_en="Tom non first-bud green tea")
    buyer = make_buyer_of(other)
    make_review(tea, user=buyer)
    db.session.commit()
    login(buyer)
    page = english(client, "/account/reviews")
    assert EN in page and "Tom non first-bud green tea" in page
    assert VI not in page and "Chè tôm nõn" not in page


def test_an_articles_more_about_links_name_the_product_in_english(client, db, tea):
    office = make_office_user()
    article = articles.create_article(
        articles.ArticleInput(
            title="Tin OCOP", body="Nội dung.", title_en="OCOP news", body_en="Text.", product_ids=(tea.id,)
        ),
        actor=office,
    )
    articles.publish_now(article, actor=office)
    db.session.commit()
    page = english(client, f"/news/{article.slug}")
    assert f"More articles about {EN}" in page and f"More articles about {VI}" not in page

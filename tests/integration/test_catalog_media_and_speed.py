"""Photos served from UPLOAD_DIR, and a fixed number of SQL queries per page whatever its size."""

import pytest

from storefront.catalog.indexing import page_cache
from tests.factories import make_batch, make_certificate, make_product
from tests.factories_catalog import add_image


@pytest.fixture
def upload_dir(app):
    from pathlib import Path

    return Path(app.config["UPLOAD_DIR"])


def test_seeded_photo_gets_its_derivatives_on_first_request_with_long_cache(client, db, upload_dir):
    product = make_product(slug="che-moc-cau")
    add_image(product, upload_dir)
    db.session.commit()
    with client.get("/media/che-moc-cau.jpg?size=thumb&fmt=webp") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/webp"
        assert "max-age=31536000" in response.headers["Cache-Control"]
    assert (upload_dir / "che-moc-cau.thumb.webp").is_file()
    with client.get("/media/che-moc-cau.jpg?size=large&fmt=jpg") as response:
        assert response.mimetype == "image/jpeg"
    with client.get("/media/che-moc-cau.jpg") as response:
        assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/media/nothing.jpg?size=thumb",
        "/media/che-moc-cau.jpg?size=huge",
        "/media/che-moc-cau.jpg?fmt=gif",
        "/media/../config.py",
        "/media/%2e%2e/config.py",
        "/media/sub/che-moc-cau.jpg",
        "/media/che-moc-cau.thumb.webp",
    ],
)
def test_unknown_or_unsafe_media_is_404(client, db, upload_dir, url):
    add_image(make_product(slug="che-moc-cau"), upload_dir)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_product_card_uses_picture_with_webp_and_jpeg_fallback(client, db, upload_dir):
    product = make_product(slug="che-moc-cau")
    add_image(product, upload_dir)
    db.session.commit()
    page = client.get("/products").get_data(as_text=True)
    # An 800 px photo: the card lists the derivatives up to the 480 px thumb, each at its width.
    sizes = (
        "?size=tiny&amp;fmt={0} 160w, /media/che-moc-cau.jpg?size=small&amp;fmt={0} 320w, "
        "/media/che-moc-cau.jpg?size=thumb&amp;fmt={0} 480w"
    )
    assert f'<source type="image/webp" srcset="/media/che-moc-cau.jpg{sizes.format("webp")}"' in page
    assert (
        f'<img src="/media/che-moc-cau.jpg?size=thumb&amp;fmt=jpg" srcset="/media/che-moc-cau.jpg{sizes.format("jpg")}"'
        in page
    )
    assert 'width="480" height="360"' in page


def make_products(n, upload_dir):
    for i in range(n):
        product = make_product(name_vi=f"Chè Tân Cương số {i}")
        make_certificate(product=product, stars=3 + i % 3)
        make_certificate(product=product, stars=4, is_revoked=True)
        add_image(product, upload_dir, size=(40, 30))
        add_image(product, upload_dir, filename=f"{product.slug}-2.jpg", size=(40, 30))
        make_batch(product=product, with_events=False)


def queries_for(client, count_queries, url) -> int:
    """Return how many SQL statements one request to `url` runs."""
    client.get(url)  # warm up: search index, first-request work
    page_cache().clear()  # count the rendering, not a page cache hit (test_catalog_page_cache.py)
    with count_queries() as n:
        response = client.get(url)
    assert response.status_code == 200
    return n()


@pytest.mark.parametrize(
    "url",
    [
        "/products?per_page={n}",
        "/products?q=che+tan+cuong&per_page={n}",
        "/products?q=che&sort=price_asc&per_page={n}",
        "/?n={n}",
        "/api/v1/products?per_page={n}",
        "/search/suggest?q=che&n={n}",
    ],
)
def test_list_pages_run_the_same_number_of_queries_for_few_or_many_products(client, db, upload_dir, count_queries, url):
    make_products(20, upload_dir)
    db.session.commit()
    few = queries_for(client, count_queries, url.format(n=2))
    many = queries_for(client, count_queries, url.format(n=20))
    assert few == many
    # A search also runs the site-search sections' queries (articles, events, points of sale with the
    # products they stock: one or two each): 11 at most.
    assert many <= 11


def test_product_and_producer_pages_run_a_fixed_number_of_queries(client, db, upload_dir, count_queries):
    make_products(1, upload_dir)
    make_products(6, upload_dir)
    db.session.commit()
    from storefront.catalog.models import Product

    one, many = db.session.query(Product).order_by(Product.id).all()[0::6][:2]
    counts = [queries_for(client, count_queries, f"/products/{p.slug}") for p in (one, many)]
    # The product, then one query each for its stock, batches, producer, images, certificates,
    # marketplace listings, review counts (and the newest reviews when there are any), the
    # points of sale that stock it, the articles about it and its upcoming fairs (and its videos when it
    # holds a valid 3–5★ certificate): never one per image, batch, review, point, article or fair.
    assert counts[0] == counts[1] <= 12


def test_hand_built_image_urls_equal_url_for(app):
    from flask import url_for

    from storefront.catalog.urls import image_url

    with app.test_request_context("/"):
        assert image_url("abc_1-x.jpg", "large", "webp") == url_for(
            "catalog.image", filename="abc_1-x.jpg", size="large", fmt="webp"
        )

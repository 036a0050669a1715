"""The OCOP star badge is shown only while a non-revoked 3–5★ certificate is valid; slugs redirect."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront.catalog.models import SlugRedirect
from storefront.catalog.slugs import CatalogError, rename_producer, rename_product
from storefront.clock import today_vn
from storefront.columns import utcnow
from tests.factories import make_certificate, make_product


def product_page(client, product) -> str:
    response = client.get(f"/products/{product.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def jsonld(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_valid_certificate_shows_stars_body_level_decision_and_validity(client, db):
    product = make_product()
    certificate = make_certificate(
        product=product, stars=5, decision_number="1489/QĐ-BNNMT", issuing_body="Bộ Nông nghiệp và Môi trường"
    )
    db.session.commit()
    page = product_page(client, product)
    assert 'data-stars="5"' in page and "★★★★★" in page
    assert "Bộ Nông nghiệp và Môi trường" in page and "cấp Trung ương" in page
    assert "Quyết định số 1489/QĐ-BNNMT ngày " + certificate.decision_date.strftime("%d/%m/%Y") in page
    assert "Hiệu lực đến " + certificate.valid_until.strftime("%d/%m/%Y") in page
    data = jsonld(page)["hasCertification"]
    assert data["certificationIdentification"] == "1489/QĐ-BNNMT"
    assert data["certificationRating"]["ratingValue"] == 5
    assert data["expires"] == certificate.valid_until.isoformat()


def test_expired_certificate_shows_no_stars_and_says_it_expired(client, db):
    product = make_product()
    make_certificate(
        product=product,
        stars=5,
        decision_number="9/QĐ-UBND",
        decision_date=today_vn() - timedelta(days=1200),
        months=36,
    )
    db.session.commit()
    page = product_page(client, product)
    assert "data-stars" not in page and 'class="stars"' not in page.split("<main")[1]
    # The lapse is stated with the stars it had ("Chứng nhận OCOP 5★ đã hết hạn ngày …"), never as a badge.
    assert "Chứng nhận OCOP 5★ đã hết hạn ngày" in page and "9/QĐ-UBND" in page
    assert "hasCertification" not in jsonld(page)


def test_certificate_valid_until_today_still_shows_the_badge(client, db):
    product = make_product()
    make_certificate(product=product, stars=4, decision_date=today_vn() - timedelta(days=400), valid_until=today_vn())
    db.session.commit()
    assert 'data-stars="4"' in product_page(client, product)


def test_revoked_certificate_shows_no_stars_and_says_it_was_revoked(client, db):
    product = make_product()
    make_certificate(
        product=product,
        stars=4,
        decision_number="77/QĐ-UBND",
        is_revoked=True,
        revoked_at=utcnow(),
        revoked_reason="Vi phạm",
    )
    db.session.commit()
    page = product_page(client, product)
    assert "data-stars" not in page
    assert "đã bị thu hồi" in page and "77/QĐ-UBND" in page


@pytest.mark.parametrize("stars", [1, 2])
def test_one_or_two_stars_is_not_certified_and_shows_no_badge(client, db, stars):
    product = make_product()
    make_certificate(product=product, stars=stars)
    db.session.commit()
    page = product_page(client, product)
    assert "data-stars" not in page
    assert "chưa đạt hạng 3 sao" in page
    listing = client.get("/products?stars=1").get_data(as_text=True)
    assert product.name_vi not in listing  # a 1–2★ result is no rating for the star filter


def test_revoked_newer_certificate_falls_back_to_an_older_valid_one(client, db):
    product = make_product()
    make_certificate(product=product, stars=3, decision_date=today_vn() - timedelta(days=500))
    make_certificate(product=product, stars=5, is_revoked=True, decision_date=today_vn() - timedelta(days=10))
    db.session.commit()
    assert 'data-stars="3"' in product_page(client, product)


def test_renaming_a_product_changes_its_slug_and_the_old_one_redirects_301(client, db):
    product = make_product(name_vi="Chè Tân Cương", slug="che-tan-cuong")
    db.session.commit()
    rename_product(product, "Chè đinh Tân Cương Hảo Đạt")
    db.session.commit()
    assert product.slug == "che-dinh-tan-cuong-hao-dat"
    assert db.session.scalar(select(SlugRedirect.target_id).where(SlugRedirect.slug == "che-tan-cuong")) == product.id
    response = client.get("/products/che-tan-cuong?lang=en")
    assert response.status_code == 301
    assert response.headers["Location"] == "/products/che-dinh-tan-cuong-hao-dat?lang=en"


def test_renaming_back_reuses_the_old_slug_and_drops_that_redirect(client, db):
    product = make_product(name_vi="Miến dong", slug="mien-dong")
    db.session.commit()
    rename_product(product, "Miến dong đặc sản")
    rename_product(product, "Miến dong")
    db.session.commit()
    assert product.slug == "mien-dong"
    redirects = db.session.scalars(select(SlugRedirect.slug).where(SlugRedirect.target_id == product.id)).all()
    assert redirects == ["mien-dong-dac-san"]
    assert client.get("/products/mien-dong").status_code == 200
    assert client.get("/products/mien-dong-dac-san").status_code == 301


def test_renamed_slugs_are_unique_ascii(db):
    make_product(name_vi="Mật ong", slug="mat-ong")
    other = make_product(name_vi="Khác", slug="khac")
    rename_product(other, "Mật  ong!")
    assert other.slug == "mat-ong-2"


def test_renaming_to_an_empty_name_is_refused(db):
    product = make_product()
    with pytest.raises(CatalogError):
        rename_product(product, "   ")


def test_renaming_a_producer_redirects_its_old_page(client, db):
    product = make_product()
    producer = product.producer
    old = producer.slug
    db.session.commit()
    rename_producer(producer, "Hợp tác xã Đại Từ Xanh")
    db.session.commit()
    assert producer.slug == "hop-tac-xa-dai-tu-xanh"
    response = client.get(f"/producers/{old}")
    assert response.status_code == 301
    assert response.headers["Location"] == "/producers/hop-tac-xa-dai-tu-xanh"

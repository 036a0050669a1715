"""After-commit work, registered by create_app, follows every edit path a user takes.

Each test changes catalogue data the way a person does (a dashboard form, a CSV upload, a
checkout), then reads the search index the shop answers from: the index must have followed.
"""

import io

import pytest
from sqlalchemy import select

from storefront.catalog import search
from storefront.catalog.indexing import search_index
from storefront.catalog.models import ProducerStatus, Product
from tests.factories import make_certificate, make_producer, make_product
from tests.factories_checkout import add_to_cart, fill_checkout, place
from tests.factories_office import office  # noqa: F401 (fixture)
from tests.factories_producer import owner  # noqa: F401 (fixture)
from tests.integration.test_producer_products import GOOD
from tests.search_backends import BACKENDS


@pytest.fixture(params=BACKENDS)
def app_config(app_config, request):
    """Every test here runs on each search backend (PostgreSQL's on the PostgreSQL leg)."""
    return {**app_config, "SEARCH_BACKEND": request.param}


def found(query: str, **filters) -> list[int]:
    return search.search_products(search_index(), query, filters=filters or None).ids


def test_a_producer_editing_a_product_moves_it_in_search(client, db, owner):
    product = make_product(producer=owner, name_vi="Chè Shan tuyết")
    db.session.commit()
    assert found("shan tuyet") == [product.id]
    response = client.post(f"/producer/products/{product.id}/edit", data={**GOOD, "name_vi": "Chè móc câu", "gtin": ""})
    assert response.status_code == 302
    assert found("moc cau") == [product.id]
    assert found("shan tuyet") == []


def test_producer_unpublish_and_publish_take_the_product_out_of_search_and_back(client, db, owner):
    product = make_product(producer=owner, name_vi="Miến dong Việt Cường", ingredients="Dong riềng")
    db.session.commit()
    client.post(f"/producer/products/{product.id}/unpublish")
    assert found("mien dong") == []
    client.post(f"/producer/products/{product.id}/publish")
    assert found("mien dong") == [product.id]


def test_office_approval_and_suspension_move_a_producers_products(client, db, office):
    producer = make_producer(name="HTX Hảo Đạt", status=ProducerStatus.PENDING)
    product = make_product(producer=producer, name_vi="Chè Hảo Đạt")
    db.session.commit()
    assert found("hao dat") == []
    client.post(f"/office/producers/{producer.id}/approve")
    assert found("hao dat") == [product.id]
    client.post(f"/office/producers/{producer.id}/suspend", data={"reason": "Hết hạn giấy phép"})
    assert found("hao dat") == []


def test_office_revoking_a_certificate_drops_its_stars_from_search(client, db, office):
    product = make_product(name_vi="Chè Tân Cương")
    certificate = make_certificate(product=product, stars=5)
    db.session.commit()
    assert found("tan cuong", min_stars=5) == [product.id]
    client.post(f"/office/certificates/{certificate.id}/revoke", data={"reason": "Sai hồ sơ"})
    assert found("tan cuong", min_stars=5) == []
    assert found("tan cuong") == [product.id]


def test_a_csv_import_stays_out_of_search_until_published(client, db, owner):
    text = "name_vi,ocop_group,price_vnd,unit,gtin,ingredients\nMật ong rừng,1,250000,lọ,,Mật ong\n"
    data = {"file": (io.BytesIO(text.encode()), "san-pham.csv"), "mode": "all"}
    assert client.post("/producer/products/import", data=data, content_type="multipart/form-data").status_code == 302
    imported = db.session.scalar(select(Product).where(Product.name_vi == "Mật ong rừng"))
    assert imported is not None and not imported.is_published
    assert found("mat ong") == []
    client.post(f"/producer/products/{imported.id}/publish")
    assert found("mat ong") == [imported.id]


def test_selling_the_last_units_at_checkout_takes_the_product_out_of_the_in_stock_filter(client, db):
    product = make_product(name_vi="Miến dong", on_hand=2)
    db.session.commit()
    assert found("mien", in_stock=True) == [product.id]
    add_to_cart(client, product, 2)
    assert place(client, fill_checkout(client)).status_code == 302  # COD: sold at once
    assert found("mien", in_stock=True) == []
    assert found("mien") == [product.id]

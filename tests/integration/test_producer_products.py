"""Products from the dashboard: create, edit, GTIN, price, photos, publish and unpublish."""

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from storefront.catalog.editing import PublishRefused, clean_gtin, create_product, parse_price_vnd, publish_product
from storefront.catalog.models import ProducerStatus, Product, ProductImage
from storefront.inventory.models import Stock
from tests.factories import make_product
from tests.factories_producer import (  # noqa: F401 (owner is a fixture)
    PRODUCT_FORM,
    image_bytes,
    make_producer_account,
    owner,
)

GOOD = PRODUCT_FORM


@pytest.fixture
def in_request(app):
    """Messages are translated per request, as when a view calls the service."""
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("120.000", 120_000),
        ("120000", 120_000),
        ("1.250.000 ₫", 1_250_000),
        ("120,000", 120_000),
        ("0", 0),
        (" 45 000 ", 45_000),
        (95000, 95_000),
    ],
)
def test_prices_are_read_the_way_vietnamese_write_them(in_request, raw, expected):
    assert parse_price_vnd(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "-5", "12.5", "120.00", "1,2", "3000000000"])
def test_prices_that_are_not_whole_dong_are_refused(in_request, raw):
    with pytest.raises(ValueError):
        parse_price_vnd(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8936012345674", "08936012345674"),
        ("96385074", "00000096385074"),
        ("036000291452", "00036000291452"),
        ("10614141000415", "10614141000415"),
        ("", None),
        ("893 6012 345674", "08936012345674"),
    ],
)
def test_gtins_with_a_good_check_digit_are_padded_to_14(in_request, raw, expected):
    assert clean_gtin(raw) == expected


@pytest.mark.parametrize("raw", ["8936012345672", "12345", "89360123456741X", "8936012345"])
def test_gtins_with_a_wrong_check_digit_or_length_are_refused(in_request, raw):
    with pytest.raises(ValueError):
        clean_gtin(raw)


def test_a_producer_creates_a_draft_product_with_a_photo(client, db, owner, app):
    data = {**GOOD, "image": (io.BytesIO(image_bytes()), "che.jpg")}
    response = client.post("/producer/products/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    product = db.session.scalar(select(Product))
    assert product.producer_id == owner.id
    assert (product.name_vi, product.price_vnd, product.gtin) == ("Chè búp Tân Cương", 120_000, "08936012345674")
    assert product.is_published is False
    assert product.slug == "che-bup-tan-cuong"
    assert db.session.scalar(select(Stock.on_hand).where(Stock.product_id == product.id)) == 0
    [image] = product.images
    assert (Path(app.config["UPLOAD_DIR"]) / image.filename).is_file()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name_vi", "", "Bắt buộc nhập"),
        ("name_vi", "x" * 201, "Tối đa 200 ký tự"),
        ("ocop_group", "", "Chọn nhóm sản phẩm OCOP"),
        ("ocop_group", "7", "Lựa chọn không hợp lệ"),
        ("price_vnd", "", "Giá phải là số đồng nguyên"),
        ("price_vnd", "-1000", "Giá phải là số đồng nguyên"),
        ("price_vnd", "mười nghìn", "Giá phải là số đồng nguyên"),
        ("gtin", "8936012345672", "sai số kiểm tra"),
        ("gtin", "12345", "8, 12, 13 hoặc 14 chữ số"),
        ("unit", "u" * 41, "Tối đa 40 ký tự"),
    ],
)
def test_bad_product_input_is_shown_next_to_the_field_and_saves_nothing(client, db, owner, field, value, message):
    response = client.post("/producer/products/new", data={**GOOD, field: value})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-err"' in page
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_a_gtin_already_used_by_another_product_is_refused(client, db, owner):
    make_product(gtin="08936012345674")
    db.session.commit()
    response = client.post("/producer/products/new", data=GOOD)
    assert "Mã GTIN này đã được dùng" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Product.id))) == 1


# --- GTINs lie under the producer's GS1 company prefix (storefront/catalog/gtins.py) ---------------


def test_a_gtin_outside_the_producers_gs1_prefix_is_refused(client, db, owner):
    other_company = "8934567890120"  # a valid GTIN under another company's prefix (8934567)
    response = client.post("/producer/products/new", data={**GOOD, "gtin": other_company})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "không thuộc mã doanh nghiệp GS1 8936012 của cơ sở" in page and 'id="gtin-err"' in page
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_a_gtin_8_is_refused_with_its_own_reason(client, db, owner):
    response = client.post("/producer/products/new", data={**GOOD, "gtin": "89300008"})  # a valid GTIN-8
    assert "GTIN-8 không thuộc mã doanh nghiệp GS1 nào" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_a_producer_without_a_gs1_prefix_sells_without_a_gtin(client, db, login):
    user, producer = make_producer_account()
    db.session.commit()
    login(user)
    form = client.get("/producer/products/new").get_data(as_text=True)
    assert "Cơ sở chưa có mã doanh nghiệp GS1 do Văn phòng OCOP ghi nhận" in form
    response = client.post("/producer/products/new", data=GOOD)
    assert "chưa gắn được GTIN" in response.get_data(as_text=True)
    assert client.post("/producer/products/new", data={**GOOD, "gtin": ""}).status_code == 302
    assert db.session.scalar(select(Product.gtin)) is None


def test_a_gtin_entered_before_the_prefix_stays_until_it_is_changed(client, db, owner):
    product = make_product(producer=owner, gtin="08934567890120")  # entered before 8936012 was recorded
    db.session.commit()
    kept = client.post(f"/producer/products/{product.id}/edit", data={**GOOD, "gtin": "8934567890120"})
    assert kept.status_code == 302
    changed = client.post(f"/producer/products/{product.id}/edit", data={**GOOD, "gtin": "8934567890137"})
    assert "không thuộc mã doanh nghiệp GS1" in changed.get_data(as_text=True)
    db.session.refresh(product)
    assert product.gtin == "08934567890120"


@pytest.mark.parametrize(
    ("payload", "filename"),
    [
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anh.gif"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "anh.svg"),
        (b"%PDF-1.4 not an image", "anh.jpg"),
        (image_bytes("GIF"), "anh.gif"),
    ],
)
def test_a_rejected_photo_leaves_no_product_behind(client, db, owner, payload, filename):
    data = {**GOOD, "image": (io.BytesIO(payload), filename)}
    response = client.post("/producer/products/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Ảnh không được chấp nhận" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Product.id))) == 0
    assert db.session.scalar(select(func.count(ProductImage.id))) == 0


def test_a_decompression_bomb_is_refused(client, db, owner):
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # small file, 144 megapixels
    data = {**GOOD, "image": (io.BytesIO(out.getvalue()), "bom.png")}
    response = client.post("/producer/products/new", data=data, content_type="multipart/form-data")
    assert "Ảnh không được chấp nhận" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_editing_a_product_changes_its_fields_but_not_its_slug(client, db, owner):
    product = make_product(producer=owner, slug="che-cu")
    db.session.commit()
    response = client.post(f"/producer/products/{product.id}/edit", data={**GOOD, "name_vi": "Chè mới", "gtin": ""})
    assert response.status_code == 302
    db.session.refresh(product)
    assert (product.name_vi, product.slug, product.gtin) == ("Chè mới", "che-cu", None)


def test_adding_a_photo_to_an_existing_product(client, db, owner):
    product = make_product(producer=owner)
    db.session.commit()
    client.post(
        f"/producer/products/{product.id}/images",
        data={"photo-image": (io.BytesIO(image_bytes("PNG")), "a.png")},
        content_type="multipart/form-data",
    )
    client.post(
        f"/producer/products/{product.id}/images",
        data={"photo-image": (io.BytesIO(image_bytes("WEBP")), "b.webp")},
        content_type="multipart/form-data",
    )
    assert [i.position for i in db.session.scalars(select(ProductImage).order_by(ProductImage.id))] == [0, 1]


def test_a_pending_producer_cannot_publish(client, db, login):
    user, producer = make_producer_account(status=ProducerStatus.PENDING)
    product = make_product(producer=producer, is_published=False, ingredients="Chè")
    db.session.commit()
    login(user)
    client.post(f"/producer/products/{product.id}/publish")
    # (follow_redirects is not used: the shared CSRF test client loses its app context on redirects.)
    assert "chưa được văn phòng OCOP duyệt" in client.get(f"/producer/products/{product.id}/edit").get_data(
        as_text=True
    )
    db.session.refresh(product)
    assert product.is_published is False


def test_a_food_product_needs_its_ingredients_before_publishing(db, in_request):
    _user, producer = make_producer_account()
    product = create_product(producer, **{**GOOD, "ingredients": "", "gtin": ""})
    with pytest.raises(PublishRefused, match="thành phần"):
        publish_product(product)
    assert product.is_published is False


def test_a_new_product_never_takes_a_renamed_products_old_slug(client, db, in_request):
    """The old slug keeps redirecting to the renamed product, so a new product must not get it."""
    from storefront.catalog.slugs import rename_product

    _user, producer = make_producer_account()
    renamed = create_product(producer, **{**GOOD, "name_vi": "Chè búp Hảo Đạt", "gtin": ""})
    rename_product(renamed, "Chè búp đặc biệt Hảo Đạt")
    db.session.commit()
    newcomer = create_product(producer, **{**GOOD, "name_vi": "Chè búp Hảo Đạt", "gtin": ""})
    db.session.commit()
    assert newcomer.slug == "che-bup-hao-dat-2"
    assert client.get("/products/che-bup-hao-dat").status_code == 301


def test_an_approved_producer_publishes_and_the_product_is_in_the_catalogue(client, db, owner):
    product = make_product(producer=owner, is_published=False, ingredients="Chè", name_vi="Chè móc câu Hảo Đạt")
    db.session.commit()
    client.post(f"/producer/products/{product.id}/publish")
    db.session.refresh(product)
    assert product.is_published is True and product.published_at is not None
    assert client.get(f"/products/{product.slug}").status_code == 200
    client.post(f"/producer/products/{product.id}/unpublish")
    db.session.refresh(product)
    assert product.is_published is False
    assert "Đã ngừng bán sản phẩm." in client.get(f"/producer/products/{product.id}/edit").get_data(as_text=True)
    assert client.get(f"/products/{product.slug}").status_code == 404


def test_the_product_list_shows_only_my_products(client, db, owner):
    make_product(producer=owner, name_vi="Chè của tôi")
    make_product(name_vi="Miến của người khác")
    db.session.commit()
    page = client.get("/producer/products").get_data(as_text=True)
    assert "Chè của tôi" in page and "Miến của người khác" not in page


def test_the_product_list_needs_few_queries(client, db, owner, count_queries):
    for _ in range(5):
        make_product(producer=owner)
    db.session.commit()
    with count_queries() as n:
        client.get("/producer/products")
    assert n() <= 10


@pytest.mark.parametrize(("group", "shown"), [(1, True), (3, True), (4, False), (6, False)])
def test_ingredients_usage_and_storage_are_asked_for_groups_one_to_three(client, db, owner, group, shown):
    product = make_product(producer=owner, ocop_group=group)
    db.session.commit()
    page = client.get(f"/producer/products/{product.id}/edit").get_data(as_text=True)
    assert ('name="ingredients"' in page) is shown

"""Bulk product import from CSV: a report per row, all-or-nothing unless the producer asks for valid rows."""

import csv
import io

import pytest
from sqlalchemy import func, select

from storefront.catalog.models import Product
from tests.factories import make_product
from tests.factories_producer import owner  # noqa: F401 (owner is a fixture)

HEADER = "name_vi,ocop_group,price_vnd,unit,gtin,ingredients\n"


def upload(client, text, mode="all", encoding="utf-8"):
    data = {"file": (io.BytesIO(text.encode(encoding)), "san-pham.csv"), "mode": mode}
    return client.post("/producer/products/import", data=data, content_type="multipart/form-data")


def count_products(db):
    return db.session.scalar(select(func.count(Product.id)))


def test_the_template_opens_in_excel_and_imports_as_is(client, db, owner):
    response = client.get("/producer/products/import/template.csv")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    text = response.data.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text)))[0] == "name_vi"
    assert upload(client, text).status_code == 302
    assert db.session.scalar(select(Product.name_vi)) == "Chè búp Tân Cương"


def test_a_valid_file_imports_every_row_as_drafts(client, db, owner):
    text = HEADER + '"Chè búp",1,"120.000",hộp,8936012345674,Búp chè\nMiến dong,1,45000,gói,,Dong riềng\n'
    assert upload(client, text).status_code == 302
    products = db.session.scalars(select(Product).order_by(Product.id)).all()
    assert [(p.name_vi, p.price_vnd, p.gtin, p.is_published, p.producer_id) for p in products] == [
        ("Chè búp", 120_000, "08936012345674", False, owner.id),
        ("Miến dong", 45_000, None, False, owner.id),
    ]


BAD_FILE = HEADER + (
    "Chè tốt,1,120000,hộp,,Chè\n"  # line 2: fine
    ",1,120000,hộp,,\n"  # line 3: no name
    "Chè giá lạ,9,abc,hộp,,\n"  # line 4: bad group and price
    "Chè mã sai,1,1000,hộp,8936012345672,\n"  # line 5: bad check digit
    "Chè trùng mã,1,1000,hộp,8936012345674,\n"  # line 6: GTIN used already
)


def test_one_bad_row_imports_nothing_and_reports_each_line_and_field(client, db, owner):
    make_product(gtin="08936012345674")
    db.session.commit()
    response = upload(client, BAD_FILE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert count_products(db) == 1
    for line, field in [(3, "name_vi"), (4, "ocop_group"), (4, "price_vnd"), (5, "gtin"), (6, "gtin")]:
        assert f"<td>{line}</td><td>{field}</td>" in page
    assert "<td>2</td>" not in page
    assert "Chưa nhập sản phẩm nào" in page


def test_valid_rows_mode_imports_the_good_rows_and_reports_the_rest(client, db, owner):
    make_product(gtin="08936012345674")
    db.session.commit()
    page = upload(client, BAD_FILE, mode="valid").get_data(as_text=True)
    assert count_products(db) == 2
    assert db.session.scalar(select(Product.name_vi).where(Product.producer_id == owner.id)) == "Chè tốt"
    assert "<td>3</td><td>name_vi</td>" in page


def test_the_same_gtin_twice_in_a_file_is_caught(client, db, owner):
    text = HEADER + "A,1,1000,hộp,8936012345674,\nB,1,1000,hộp,8936012345674,\n"
    page = upload(client, text).get_data(as_text=True)
    assert "dòng 2" in page
    assert count_products(db) == 0


@pytest.mark.parametrize(
    ("content", "encoding", "message"),
    [
        ("ten,gia\nA,1\n", "utf-8", "Thiếu cột bắt buộc"),
        (HEADER.strip() + ",mau_sac\nA,1,1000,hộp,,,đỏ\n", "utf-8", "Cột không được hỗ trợ"),
        (HEADER + "Chè,1,1000,hộp,,\n", "utf-16", "Tệp không phải UTF-8"),
        (HEADER + "Chè,1,1000,hộp,,x,thừa\n", "utf-8", "nhiều cột hơn tiêu đề"),
    ],
)
def test_a_malformed_file_is_reported_and_imports_nothing(client, db, owner, content, encoding, message):
    page = upload(client, content, mode="valid", encoding=encoding).get_data(as_text=True)
    assert message in page
    assert count_products(db) == 0


def test_a_gtin_outside_the_producers_gs1_prefix_is_caught_on_its_line(client, db, owner):
    text = HEADER + "Chè búp,1,120000,hộp,8936012345674,\nChè lạ,1,1000,hộp,8934567890120,\n"
    page = upload(client, text).get_data(as_text=True)
    assert "<td>3</td><td>gtin</td>" in page and "không thuộc mã doanh nghiệp GS1 8936012 của cơ sở" in page
    assert "<td>2</td>" not in page
    assert count_products(db) == 0

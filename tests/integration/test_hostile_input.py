"""Each hostile input the outside probe turned into a 500 (issue 15, finding 2) now gets a 4xx or a clean page."""

import io
import json

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from storefront.accounts.models import User
from storefront.catalog.models import Certificate, Product, SlugRedirect
from storefront.checkout.models import Order, OrderStatus, ProcessedWebhookEvent
from tests.factories import make_product
from tests.factories_checkout import add_to_cart, fill_checkout, make_order, place
from tests.factories_office import import_form, office  # noqa: F401  (office: a fixture)
from tests.factories_producer import owner  # noqa: F401  (fixture)
from tests.stripe_peers import sign_webhook
from traceability.models import CounterfeitReport

WEBHOOK_SECRET = "whsec_test_hostile"


@pytest.fixture
def app_config():
    return {"STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}


# --- query keys that clash with url_for's own arguments ----------------------------------


@pytest.mark.parametrize("key", ["endpoint", "_method", "_external", "_anchor", "_scheme", "values"])
def test_a_query_key_named_like_a_url_for_argument_still_renders_the_catalogue(client, db, key):
    for index in range(3):
        make_product(name_vi=f"Chè Tân Cương {index}")
    db.session.commit()
    response = client.get(f"/products?per_page=1&{key}=x")  # facets and the next-page link are built
    assert response.status_code == 200
    assert f"{key}=x" in response.get_data(as_text=True)  # kept in the links, as a plain query value


def test_a_query_key_named_like_the_path_value_survives_a_renamed_product_redirect(client, db):
    product = make_product(name_vi="Chè búp", slug="che-bup")
    db.session.add(SlugRedirect(kind="product", slug="che-cu", target_id=product.id))
    db.session.commit()
    response = client.get("/products/che-cu?slug=x&endpoint=y")
    assert response.status_code == 301
    assert response.headers["Location"].startswith("/products/che-bup?")


def test_the_office_pager_keeps_a_reserved_query_key_without_a_500(client, db, office):
    for index in range(51):
        make_product(name_vi=f"Sản phẩm {index}")
    db.session.commit()
    response = client.get("/office/products?endpoint=x&_method=y")
    assert response.status_code == 200
    assert "page=2" in response.get_data(as_text=True)


# --- NUL and other control characters ---------------------------------------------------


def test_nul_in_checkout_fields_and_the_idempotency_key_is_stripped_not_a_500(client, db):
    product = make_product(on_hand=5)
    db.session.commit()
    add_to_cart(client, product)
    reviewed = fill_checkout(client, contact_name="Nguyễn\x00 Hoa", street="Xóm\x00 Nam\x01")
    response = place(client, {**reviewed, "idempotency_key": reviewed["idempotency_key"] + "\x00"})
    assert response.status_code in (302, 303)
    order = db.session.scalars(select(Order)).one()
    assert order.contact_name == "Nguyễn Hoa" and order.street == "Xóm Nam"


def test_nul_in_a_counterfeit_report_is_stripped(client, db):
    response = client.post(
        "/trace/report",
        data={
            "code": "01/089\x00",
            "message": "Tem\x00 giả, mua ở chợ",
            "where_bought": "Chợ\x00",
            "contact": "0912\x00345678",
        },
    )
    assert response.status_code == 302
    report = db.session.scalars(select(CounterfeitReport)).one()
    assert "\x00" not in report.message + (report.where_bought or "") + (report.contact or "")


def test_nul_in_registration_is_stripped(client, db):
    response = client.post(
        "/account/register",
        data={
            "full_name": "Hoa\x00",
            "email": "hoa\x00@example.vn",
            "phone": "",
            "password": "Trà-xanh-Tân-Cương-2026",
            "confirm": "Trà-xanh-Tân-Cương-2026",
            "accept_privacy": "y",
        },
    )
    assert response.status_code < 500
    users = db.session.scalars(select(User)).all()
    assert users and all("\x00" not in user.full_name + user.email for user in users)


def test_nul_in_a_product_field_is_stripped(client, db, owner):
    response = client.post(
        "/producer/products/new",
        data={
            "name_vi": "Chè\x00 búp",
            "ocop_group": "1",
            "price_vnd": "120000",
            "unit": "hộp\x00",
            "description_vi": "Dòng 1\nDòng\x00 2",
        },
    )
    assert response.status_code < 500
    for product in db.session.scalars(select(Product)):
        assert "\x00" not in product.name_vi + (product.description_vi or "")


@pytest.mark.parametrize(
    "path",
    ["/office/products?q=a%00b", "/office/audit?actor=%00x&from=2026-01-01%00", "/office/certificates?status=all%00"],
)
def test_nul_in_an_office_filter_is_not_a_500(client, office, path):
    assert client.get(path).status_code in (200, 404)


@pytest.mark.parametrize(
    "path",
    ["/orders/a%00b", "/orders/TN-%00/vietqr.png", "/products/a%00b", "/producers/x%01", "/t/AB%00CD", "/pages/a%00"],
)
def test_a_control_character_in_a_path_value_is_a_404(client, db, path):
    assert client.get(path).status_code == 404


def test_a_raw_byte_that_is_not_utf8_in_the_query_string_is_not_a_500(client, db):
    # A client may send a raw 0xFF in the request line; the server hands it on as a latin-1 character.
    for path in ("/", "/products", "/news", "/01/09506000134352/10/ABC"):
        response = client.get(path, environ_overrides={"QUERY_STRING": "q=\xff&page=1"})
        assert response.status_code < 500, path
    response = client.get("/01/09506000134352/10/ABC", environ_overrides={"QUERY_STRING": "x=\xff"})
    assert response.headers["Location"].endswith("/origin/01/09506000134352/10/ABC?x=%25FF")  # kept, percent-encoded


def test_a_json_body_to_a_form_is_refused_not_a_500(client, db):
    for body in ("[1, 2]", "5", '{"full_name": {"a": 1}}'):
        response = client.post(
            "/account/register",
            data=body,
            content_type="application/json",
            headers={"X-CSRFToken": client.csrf_token()},
            csrf=False,
        )
        assert response.status_code == 415


# --- numbers past what the database holds -----------------------------------------------


@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775807", "１２", "-1", "abc"])
def test_a_page_number_past_bigint_on_an_office_list_is_a_404(client, office, page):
    for path in ("/office/products", "/office/certificates", "/office/audit"):
        assert client.get(f"{path}?page={page}").status_code == 404


# --- CSV imports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'name_vi,ocop_group,price_vnd\nChè,1,120000\n"' + "x" * 200_000 + '",1,5000\n',  # a row's cell: a row error
        "name_vi,ocop_group,price_vnd" + "x" * 200_000 + "\nChè,1,120000\n",  # the header's: a file error
    ],
    ids=["row", "header"],
)
def test_a_csv_cell_over_128_kb_is_an_error_in_the_product_import(client, db, owner, text):
    data = {"file": (io.BytesIO(text.encode()), "san-pham.csv"), "mode": "all"}
    response = client.post("/producer/products/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "ô quá dài" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_a_long_csv_cell_and_nul_are_row_errors_in_the_council_decision_import(client, db, office):
    make_product(slug="che-dinh")
    db.session.commit()
    for text in (
        'product,stars\nche-dinh,4\n"' + "x" * 200_000 + '",4\n',
        "product,stars\n" + "y" * 5000 + ",4\n",
        "product,stars\nche-\x00dinh,4\n",
    ):
        response = client.post(
            "/office/certificates/import", data=import_form(text), content_type="multipart/form-data"
        )
        assert response.status_code == 200
    assert db.session.scalar(select(func.count(Certificate.id))) == 1  # the NUL row named che-dinh, cleaned


def test_a_csv_header_cell_over_128_kb_is_a_file_error_in_the_council_decision_import(client, db, office):
    make_product(slug="che-dinh")
    db.session.commit()
    data = import_form("product,stars" + "x" * 200_000 + "\nche-dinh,4\n")
    response = client.post("/office/certificates/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "ô quá dài" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_a_council_decision_file_over_2_mb_is_refused_whole_not_read_in_part(client, db, office):
    """Its first 2 MB alone would record some decisions and silently leave out the rest."""
    make_product(slug="che-dinh")
    db.session.commit()
    text = "product,stars\nche-dinh,4\n" + "".join(f"khong-co-{i},3\n" for i in range(200_000))
    assert len(text.encode()) > 2_000_000
    data = import_form(
        "", file=FileStorage(io.BytesIO(text.encode()), filename="quyet-dinh.csv"), csrf_token=client.csrf_token()
    )
    # Encoded here in memory: the test client's own encoder spools a body this large to a temporary
    # file it never closes.
    boundary, body = encode_multipart(data)
    response = client.post(
        "/office/certificates/import", data=body, content_type=f"multipart/form-data; boundary={boundary}", csrf=False
    )
    assert response.status_code == 200
    assert "Tệp quá lớn (tối đa 2 MB)." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


# --- the payment webhook ----------------------------------------------------------------


def post_signed(client, body):
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET), "Content-Type": "application/json"}
    return client.post("/payments/stripe/webhook", data=payload, headers=headers, csrf=False)


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "event",
        5,
        {"type": "checkout.session.completed", "data": {"object": {"id": "cs_1"}}},
        {"id": "evt_1", "type": "checkout.session.completed"},
        {"id": "evt_1", "type": "x", "data": 5},
        {"id": "evt_1", "type": "x", "data": {"object": [1]}},
        {"id": "evt_1", "type": "x", "data": {"object": {}}},
        {"id": 7, "type": "x", "data": {"object": {"id": "cs_1"}}},
        {"id": "evt\x00", "type": "x", "data": {"object": {"id": "c"}}},
        {"id": "evt_1", "type": "x" * 200, "data": {"object": {"id": "cs_1"}}},
        b"{not json",
    ],
)
def test_a_signed_webhook_body_the_shop_cannot_use_is_a_400_and_records_nothing(client, db, body):
    response = post_signed(client, body)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 0


def test_a_paid_session_naming_a_cod_order_or_an_unknown_one_is_ignored(client, db):
    order = make_order([(make_product(on_hand=3), 1)], payment="cod")
    db.session.commit()
    for index, reference in enumerate((order.code, "TN-NOSUCH", {"not": "a code"})):
        session = {
            "id": f"cs_{index}",
            "payment_status": "paid",
            "amount_total": order.total_vnd,
            "currency": "vnd",
            "client_reference_id": reference,
            "metadata": {"order_code": reference},
        }
        response = post_signed(
            client, {"id": f"evt_{index}", "type": "checkout.session.completed", "data": {"object": session}}
        )
        assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
        expired = post_signed(
            client, {"id": f"evt_x{index}", "type": "checkout.session.expired", "data": {"object": session}}
        )
        assert expired.status_code == 200
    db.session.expire_all()
    assert order.status is not OrderStatus.PAID

"""Producer sign-up, the status banner, the profile and story with preview."""

import pytest
from sqlalchemy import func, select

from storefront.accounts.models import Role, User
from storefront.catalog.models import LegalType, Producer, ProducerStatus
from tests.factories import PASSWORD, TAN_CUONG_WARD, make_user
from tests.factories_producer import make_producer_account

VALID = {
    "full_name": "Nguyễn Thị Hảo",
    "email": "hao@htx-haodat.vn",
    "password": "mat khau 123",
    "confirm": "mat khau 123",
    "name": "HTX Chè Hảo Đạt",
    "legal_type": "htx",
    "business_reg_no": "4607000123",
    "tax_code": "4600123456",
    "phone": "0912 345 678",
    "representative": "Nguyễn Thị Hảo",
    "ward_code": str(TAN_CUONG_WARD),
    "street": "Xóm Nam Tiến",
    "legacy_address": "Xóm Nam Tiến, xã Tân Cương, TP Thái Nguyên",
    "consent": "y",
}


def test_a_cooperative_registers_signs_in_and_waits_for_approval(client, db):
    response = client.post("/producer/register", data=VALID)
    assert response.status_code == 302
    assert "/account/login?next=/producer/" in response.headers["Location"]
    producer = db.session.scalar(select(Producer))
    assert producer.name == "HTX Chè Hảo Đạt"
    assert producer.status is ProducerStatus.PENDING
    assert producer.legal_type is LegalType.COOPERATIVE
    assert producer.phone == "+84912345678"
    assert producer.ward_code == TAN_CUONG_WARD and producer.province_code == 19
    assert producer.owner.role is Role.PRODUCER and producer.owner.email == "hao@htx-haodat.vn"
    assert client.get("/producer/").status_code == 302  # not signed in by the sign-up itself
    signed_in = client.post(
        "/account/login?next=/producer/", data={"email": VALID["email"], "password": VALID["password"]}
    )
    assert signed_in.headers["Location"].endswith("/producer/")
    page = client.get("/producer/").get_data(as_text=True)
    assert "chờ văn phòng OCOP duyệt" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "0212 345 678", "Số điện thoại di động Việt Nam không hợp lệ"),
        ("phone", "12345", "Số điện thoại di động Việt Nam không hợp lệ"),
        ("ward_code", "1", "Lựa chọn không hợp lệ"),
        ("ward_code", "", "Vui lòng điền trường này"),
        ("business_reg_no", "", "Vui lòng điền trường này"),
        ("tax_code", "12AB", "Mã số thuế gồm 10 chữ số"),
        ("consent", "", "Bạn cần đồng ý"),
        ("confirm", "khac", "Mật khẩu không khớp"),
    ],
)
def test_registration_with_bad_details_creates_nothing(client, db, field, value, message):
    response = client.post("/producer/register", data={**VALID, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Producer.id))) == 0
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_ward_outside_thai_nguyen_is_refused_by_the_service(app, db):
    from storefront.catalog.editing import InvalidProducer, register_producer

    fields = {k: VALID[k] for k in ("name", "legal_type", "business_reg_no", "phone", "street")}
    with app.test_request_context(), pytest.raises(InvalidProducer) as caught:
        register_producer(email="x@y.vn", password=PASSWORD, ward_code=4, **fields)  # Phường Ba Đình, Hà Nội
    assert "ward_code" in caught.value.errors


def test_registering_with_a_taken_email_creates_nothing_and_tells_only_the_mailbox(client, db):
    make_user(email="hao@htx-haodat.vn")
    db.session.commit()
    response = client.post("/producer/register", data=VALID)
    assert response.status_code == 302
    assert "Email này đã có tài khoản" not in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Producer.id))) == 0


def test_a_signed_in_shopper_turns_their_account_into_a_producer(client, db, login):
    shopper = make_user(email="shop@example.vn")
    db.session.commit()
    login(shopper)
    data = {k: v for k, v in VALID.items() if k not in ("full_name", "email", "password", "confirm")}
    assert client.post("/producer/register", data=data).status_code == 302
    db.session.refresh(shopper)
    assert shopper.role is Role.PRODUCER
    assert db.session.scalar(select(Producer.owner_id)) == shopper.id


def test_a_producer_opening_register_goes_to_its_dashboard(client, db, login):
    user, _producer = make_producer_account()
    db.session.commit()
    login(user)
    assert client.get("/producer/register").headers["Location"].endswith("/producer/")


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (ProducerStatus.REJECTED, "Đăng ký chưa được duyệt"),
        (ProducerStatus.SUSPENDED, "Cơ sở đang bị tạm ngừng bán"),
    ],
)
def test_the_dashboard_shows_the_status_and_the_offices_reason(client, db, login, status, text):
    user, _producer = make_producer_account(status=status, status_reason="Thiếu giấy chứng nhận ATTP")
    db.session.commit()
    login(user)
    page = client.get("/producer/").get_data(as_text=True)
    assert text in page and "Thiếu giấy chứng nhận ATTP" in page


def test_the_story_preview_renders_markdown_without_saving(client, db, login):
    user, producer = make_producer_account()
    db.session.commit()
    login(user)
    data = {
        "phone": "0912345678",
        "ward_code": str(TAN_CUONG_WARD),
        "street": "Xóm Nam Tiến",
        "story_md": "## Đồi chè\n\n**Tân Cương** <script>alert(1)</script>",
        "preview": "1",
    }
    page = client.post("/producer/profile", data=data).get_data(as_text=True)
    assert "<strong>Tân Cương</strong>" in page
    assert "<script>alert(1)</script>" not in page
    db.session.refresh(producer)
    assert producer.story_md == ""


def test_saving_the_story_updates_the_public_producer_page(client, db, login):
    user, producer = make_producer_account()
    db.session.commit()
    login(user)
    data = {
        "phone": "0987 654 321",
        "ward_code": str(TAN_CUONG_WARD),
        "street": "Xóm Hồng Thái",
        "story_md": "Ba thế hệ **làm chè**.",
        "save": "1",
    }
    assert client.post("/producer/profile", data=data).status_code == 302
    db.session.refresh(producer)
    assert producer.phone == "+84987654321" and producer.street == "Xóm Hồng Thái"
    public = client.get(f"/producers/{producer.slug}").get_data(as_text=True)
    assert "<strong>làm chè</strong>" in public


def test_the_owner_sees_why_the_office_hid_a_product_and_the_story(client, db, login):
    from tests.factories import make_product

    user, producer = make_producer_account(is_story_hidden=True, hidden_reason="Câu chuyện có quảng cáo sai sự thật")
    make_product(producer=producer, name_vi="Chè bị ẩn", is_hidden=True, hidden_reason="Ảnh không đúng sản phẩm")
    db.session.commit()
    login(user)
    page = client.get("/producer/").get_data(as_text=True)
    assert "Câu chuyện có quảng cáo sai sự thật" in page
    assert "Chè bị ẩn" in page and "Ảnh không đúng sản phẩm" in page


def test_reasons_the_office_gives_through_its_own_pages_reach_the_dashboard_and_leave_when_lifted(client, db, login):
    from tests.factories import make_product
    from tests.factories_office import make_office_user

    user, producer = make_producer_account(story_md="Chuyện đồi chè")
    product = make_product(producer=producer, name_vi="Chè bị ẩn")
    clerk = make_office_user()
    db.session.commit()
    login(clerk)
    client.post(f"/office/products/{product.id}/hide", data={"reason": "Ảnh không đúng sản phẩm"})
    client.post(f"/office/producers/{producer.id}/story/hide", data={"reason": "Quảng cáo sai sự thật"})
    client.post(f"/office/producers/{producer.id}/suspend", data={"reason": "Hậu kiểm ATTP"})
    client.post("/account/logout")

    login(user)
    page = client.get("/producer/").get_data(as_text=True)
    assert "Cơ sở đang bị tạm ngừng bán" in page and "Hậu kiểm ATTP" in page
    assert "Câu chuyện của cơ sở đang bị ẩn" in page and "Quảng cáo sai sự thật" in page
    assert "Chè bị ẩn" in page and "Ảnh không đúng sản phẩm" in page

    client.post("/account/logout")
    login(clerk)
    client.post(f"/office/products/{product.id}/unhide")
    client.post(f"/office/producers/{producer.id}/story/unhide")
    client.post("/account/logout")
    login(user)
    page = client.get("/producer/").get_data(as_text=True)
    assert "Ảnh không đúng sản phẩm" not in page and "Quảng cáo sai sự thật" not in page
    db.session.refresh(producer)
    assert (producer.status_reason, producer.hidden_reason) == ("Hậu kiểm ATTP", "")


def test_a_bad_phone_on_the_profile_is_shown_and_not_saved(client, db, login):
    user, producer = make_producer_account()
    db.session.commit()
    login(user)
    data = {"phone": "0243 123 456", "ward_code": str(TAN_CUONG_WARD), "street": "Xóm Nam Tiến", "save": "1"}
    page = client.post("/producer/profile", data=data).get_data(as_text=True)
    assert 'id="phone-err"' in page
    db.session.refresh(producer)
    assert producer.phone == "+84912345678"

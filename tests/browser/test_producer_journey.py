"""A new producer on a phone: registers, is approved, lists a product with a photo, makes a batch, prints 20 stamps."""

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from storefront.accounts.models import Role
from storefront.catalog.models import Producer, ProducerStatus, Product
from storefront.office.approvals import approve_producer
from tests.factories import TAN_CUONG_WARD, make_user
from tests.factories_producer import image_bytes
from traceability.models import Stamp


def test_a_new_producer_registers_lists_a_product_and_prints_twenty_stamps(live_server, page, db, app, tmp_path):
    office = make_user(role=Role.OFFICE)
    db.session.commit()

    page.goto(live_server.url + "/producer/register")
    page.get_by_label("Họ và tên người quản lý tài khoản").fill("Nguyễn Thị Hảo")
    page.get_by_label("Email đăng nhập").fill("hao@htx-haodat.vn")
    page.get_by_label("Mật khẩu", exact=True).fill("mat khau 123")
    page.get_by_label("Nhập lại mật khẩu").fill("mat khau 123")
    page.get_by_label("Tên cơ sở").fill("HTX Chè Hảo Đạt")
    page.get_by_label("Loại hình").select_option("htx")
    page.get_by_label("Số giấy chứng nhận đăng ký kinh doanh").fill("4607000123")
    page.get_by_label("Mã số thuế").fill("4600123456")
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_label("Xã/phường").select_option(str(TAN_CUONG_WARD))
    page.get_by_label("Thôn, xóm, số nhà, đường").fill("Xóm Nam Tiến")
    page.get_by_label(re.compile("Tôi cam kết thông tin là đúng")).check()
    page.get_by_role("button", name="Gửi đăng ký").click()
    # The same answer whether or not the address had an account: a mail, then signing in.
    expect(page.get_by_text("Chúng tôi đã gửi thư tới hao@htx-haodat.vn.")).to_be_visible()
    page.get_by_label("Email").fill("hao@htx-haodat.vn")
    page.get_by_label("Mật khẩu").fill("mat khau 123")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("[data-status=pending]")).to_be_visible()

    # The office approves through its own service (its pages are tested by the office suite).
    producer = db.session.scalar(select(Producer).where(Producer.name == "HTX Chè Hảo Đạt"))
    with app.test_request_context():
        approve_producer(producer, actor=office)
    db.session.commit()
    page.reload()
    expect(page.locator("[data-status=pending]")).to_have_count(0)

    photo = tmp_path / "che.jpg"
    photo.write_bytes(image_bytes(size=(800, 600)))
    page.get_by_role("link", name="Thêm sản phẩm").first.click()
    page.get_by_label("Tên sản phẩm (tiếng Việt)").fill("Chè móc câu Hảo Đạt")
    page.get_by_label("Nhóm sản phẩm OCOP").select_option("1")
    page.get_by_label("Giá bán (đồng, đã gồm thuế)").fill("250.000")
    page.get_by_label("Đơn vị bán (hộp, gói, chai…)").fill("hộp")
    page.get_by_label("Thành phần").fill("100% búp chè Tân Cương")
    page.get_by_label(re.compile("Ảnh sản phẩm")).set_input_files(str(photo))
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chè móc câu Hảo Đạt")
    page.get_by_role("button", name="Đăng bán").click()
    expect(page.get_by_text("Sản phẩm đã được đăng bán.")).to_be_visible()

    page.get_by_role("link", name="Tạo lô hàng").click()
    page.get_by_label("Mã lô").fill("HD2026-01")
    page.get_by_label("Ngày sản xuất").fill("2026-05-04")
    page.get_by_label("Hạn sử dụng").fill("2027-05-04")
    page.get_by_label("Số lượng (cộng vào tồn kho)").fill("200")
    page.get_by_label("Mã số vùng trồng").fill("VT-19-5503-001")
    page.get_by_label("Tiêu chuẩn áp dụng (VietGAP, TCVN, hữu cơ…)").fill("VietGAP")
    page.get_by_role("button", name="Tạo lô").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("HD2026-01")

    page.get_by_label("Số tem").fill("20")
    page.get_by_role("button", name="Phát hành tem").click()
    expect(page.get_by_text("Đã phát hành 20 tem.")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tờ tem PDF").click()
    assert download_info.value.path().read_bytes()[:4] == b"%PDF"
    assert db.session.scalar(select(func.count(Stamp.id))) == 20

    product = db.session.scalar(select(Product))
    assert product.is_published and len(product.images) == 1
    assert product.stock.on_hand == 200
    assert db.session.scalar(select(Producer.status)) is ProducerStatus.APPROVED

    page.goto(live_server.url + "/products")
    expect(page.get_by_role("link", name="Chè móc câu Hảo Đạt").first).to_be_visible()
    page.goto(live_server.url + "/products?q=moc+cau+hao+dat")
    expect(page.get_by_role("link", name="Chè móc câu Hảo Đạt").first).to_be_visible()

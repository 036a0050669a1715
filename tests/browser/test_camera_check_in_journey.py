"""On a phone without BarcodeDetector (iPhone Safari; Chromium on Linux has none either): the host opens
check-in, points the camera at the guest's voucher and the vendored jsQR decoder reads it.

The camera is Chromium's fake capture device playing a .y4m file made here from the voucher's real QR
image (the PNG the voucher page serves), so the whole path runs: getUserMedia, video, canvas, jsQR."""

import io

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from storefront.experiences import bookings
from storefront.experiences.models import Booking, BookingStatus
from storefront.experiences.tokens import voucher_path
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_review_journey import sign_in
from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on, vn
from tests.factories_producer import make_producer_account

WIDTH, HEIGHT = 640, 480


def write_y4m(path, picture: Image.Image, frames: int = 10) -> None:
    """Write *picture* centred on white as raw YUV4MPEG2 frames (4:2:0), what Chromium's fake camera plays."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    side = 360
    frame.paste(picture.convert("RGB").resize((side, side), Image.NEAREST), ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    planes = (
        y.tobytes() + cb.resize((WIDTH // 2, HEIGHT // 2)).tobytes() + cr.resize((WIDTH // 2, HEIGHT // 2)).tobytes()
    )
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


def test_the_host_checks_guests_in_by_pointing_the_camera_at_the_voucher(
    _browser, live_server, db, tmp_path, monkeypatch
):
    host, producer = make_producer_account(name="HTX Chè Hảo Đạt")
    experience = make_experience(producer=producer, capacity=12)
    saturday = next_saturday()
    booking = make_booking(session_on(experience, saturday), adults=2, children=1)
    db.session.commit()
    code = booking.code
    monkeypatch.setattr(bookings, "utcnow", lambda: vn(saturday, 7, 50))  # Saturday morning in Vietnam

    camera = _browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS
        + [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={tmp_path / 'voucher.y4m'}",
        ],
    )
    try:
        context = camera.new_context(
            locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        context.set_default_timeout(30_000)
        page = context.new_page()
        qr = page.request.get(f"{live_server.url}{voucher_path(code)}/qr.png")  # the guest's voucher QR, as served
        assert qr.ok and qr.headers["content-type"] == "image/png"
        write_y4m(tmp_path / "voucher.y4m", Image.open(io.BytesIO(qr.body())))
        loaded = []
        page.on("request", lambda request: loaded.append(request.url))

        sign_in(page, live_server.url, host)
        page.goto(f"{live_server.url}/producer/check-in")
        assert page.evaluate("'BarcodeDetector' in window") is False  # the fallback is what runs here
        assert not any("jsqr" in url for url in loaded)  # loaded only when the camera is used without a detector
        page.get_by_role("button", name="Quét mã QR bằng camera").click()
        found = page.get_by_test_id("check-in-booking")
        expect(found).to_contain_text(code, timeout=20_000)
        assert any(url.endswith("/static/vendor/jsqr/jsQR.js") for url in loaded)
        assert f"code={code}" in page.url
        expect(found).to_contain_text("2 người lớn, 1 trẻ em")
        page.get_by_role("button", name="Xác nhận khách đã đến").click()
        expect(page.get_by_test_id("check-in-status")).to_have_text("Đã đến")
        context.close()
    finally:
        camera.close()
    checked = db.session.scalar(select(Booking).where(Booking.code == code))
    db.session.refresh(checked)
    assert checked.status is BookingStatus.CHECKED_IN and checked.checked_in_at == vn(saturday, 7, 50)

"""The product gallery on a phone without JavaScript: thumbnails, tap to zoom, close; layout reserved."""

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect

from storefront.catalog.images import process_upload
from storefront.catalog.models import ProductImage
from tests.factories import make_product


def add_photo(product, upload_dir, colour, position):
    data = io.BytesIO()
    Image.new("RGB", (1000, 750), colour).save(data, "JPEG")
    data.seek(0)
    stored = process_upload(data, upload_dir)
    product.images.append(
        ProductImage(
            filename=stored.filename,
            width=stored.width,
            height=stored.height,
            position=position,
            alt=f"Ảnh số {position + 1}",
        )
    )


def test_a_shopper_flips_through_photos_and_zooms_without_javascript(live_server, _browser, app, db):
    product = make_product(name_vi="Chè búp Tân Cương", slug="che-bup")
    for position, colour in enumerate([(200, 40, 40), (40, 160, 60), (40, 60, 200)]):
        add_photo(product, Path(app.config["UPLOAD_DIR"]), colour, position)
    db.session.commit()
    context = _browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        java_script_enabled=False,
        locale="vi-VN",
    )
    page = context.new_page()
    media = []
    page.on("request", lambda r: media.append(r.url) if "/media/" in r.url else None)
    page.goto(live_server.url + "/products/che-bup")
    page.wait_for_load_state("networkidle")

    main = page.locator("#anh-1 img")
    expect(main).to_be_visible()
    box = main.bounding_box()
    assert 340 <= box["width"] <= 390 and abs(box["height"] - box["width"]) < 2  # square slide, full width
    # The first photo loads at a size fit for the phone (390 CSS px × 2 = 780 → the 800 px derivative).
    assert any("size=medium&fmt=webp" in url for url in media)
    assert not any("size=large" in url for url in media)  # lightboxes load nothing until opened

    page.get_by_role("link", name="Xem ảnh 3/3").click()
    expect(page).to_have_url(live_server.url + "/products/che-bup#anh-3")
    expect(page.locator("#anh-3 img")).to_be_in_viewport()

    page.get_by_role("link", name="Phóng to ảnh 3/3").click()
    lightbox = page.locator("#phong-to-3")
    expect(lightbox).to_be_visible()
    expect(lightbox.get_by_role("img", name="Ảnh số 3")).to_be_visible()
    lightbox.get_by_role("link", name="‹ Ảnh trước").click()
    expect(page.locator("#phong-to-2")).to_be_visible()
    page.locator("#phong-to-2").get_by_role("link", name="Đóng").click()
    expect(page.locator("#phong-to-2")).to_be_hidden()
    context.close()

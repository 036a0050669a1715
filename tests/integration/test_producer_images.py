"""Photo galleries under /producer (products and the producer's cover and photos) and how shoppers see them."""

import io
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from storefront.catalog.gallery import MAX_IMAGES
from storefront.catalog.images import derivative_name
from storefront.catalog.models import ProducerImage, ProductImage
from tests.factories import make_product
from tests.factories_producer import image_bytes, make_producer_account, owner  # noqa: F401 (owner is a fixture)


def upload(client, url, data: bytes, *, prefix="photo", name="anh.jpg", **fields):
    form = {f"{prefix}-image": (io.BytesIO(data), name), **{f"{prefix}-{k}": v for k, v in fields.items()}}
    return client.post(url, data=form, content_type="multipart/form-data")


def edit(client, product, image, action, **fields):
    data = {f"img{image.id}-action": action, **{f"img{image.id}-{k}": v for k, v in fields.items()}}
    return client.post(f"/producer/products/{product.id}/images/{image.id}", data=data)


def gallery(db, product):
    return db.session.scalars(
        select(ProductImage).where(ProductImage.product_id == product.id).order_by(ProductImage.position)
    ).all()


@pytest.fixture
def product(db, owner):
    item = make_product(producer=owner, slug="che-bup")
    db.session.commit()
    return item


@pytest.fixture
def three_photos(client, db, product):
    for n, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)], start=1):
        response = upload(
            client,
            f"/producer/products/{product.id}/images",
            image_bytes(size=(900, 600), color=colour),
            alt=f"Ảnh {n}",
            alt_en=f"Photo {n}" if n != 2 else "",
        )
        assert response.status_code == 302
    return gallery(db, product)


def test_photos_keep_upload_order_and_alt_texts(db, three_photos):
    assert [(i.position, i.alt, i.alt_en) for i in three_photos] == [
        (0, "Ảnh 1", "Photo 1"),
        (1, "Ảnh 2", ""),
        (2, "Ảnh 3", "Photo 3"),
    ]
    assert all((i.width, i.height) == (900, 600) for i in three_photos)


def test_moving_and_describing_photos_changes_the_order_and_texts(client, db, product, three_photos):
    first, second, third = three_photos
    assert edit(client, product, third, "up").status_code == 302
    assert [i.alt for i in gallery(db, product)] == ["Ảnh 1", "Ảnh 3", "Ảnh 2"]
    edit(client, product, first, "down")
    edit(client, product, first, "down")  # already last: nothing changes
    assert [i.alt for i in gallery(db, product)] == ["Ảnh 3", "Ảnh 2", "Ảnh 1"]
    edit(client, product, second, "save", alt="Búp chè trên đồi", alt_en="Tea buds on the hill")
    db.session.expire_all()
    assert (db.session.get(ProductImage, second.id).alt, db.session.get(ProductImage, second.id).alt_en) == (
        "Búp chè trên đồi",
        "Tea buds on the hill",
    )


def test_deleting_a_photo_closes_the_gap_and_removes_its_files(client, app, db, product, three_photos):
    upload_dir = Path(app.config["UPLOAD_DIR"])
    doomed, filename = three_photos[1], three_photos[1].filename
    assert (upload_dir / derivative_name(filename, "thumb", "webp")).is_file()
    edit(client, product, doomed, "delete")
    assert [(i.position, i.alt) for i in gallery(db, product)] == [(0, "Ảnh 1"), (1, "Ảnh 3")]
    assert not list(upload_dir.glob(Path(filename).stem + "*"))


def test_the_product_page_shows_the_gallery_in_order_with_srcset_sizes_and_dimensions(
    client, db, product, three_photos
):
    html = client.get("/products/che-bup").get_data(as_text=True)
    gallery_html = html[html.index('class="pg"') :]
    slides = re.findall(r'<li class="pg-slide" id="anh-(\d)">.*?<img ([^>]*)>', gallery_html, re.S)
    assert [n for n, _ in slides] == ["1", "2", "3"]
    for (n, img), photo in zip(slides, three_photos):
        assert f'alt="Ảnh {n}"' in img and photo.filename in img
        # 900 px wide source: derivatives at 160, 320, 480, 800 and the 900 px original size, no larger.
        srcset = re.search(r'srcset="([^"]*)"', img).group(1)
        assert [int(w) for w in re.findall(r" (\d+)w", srcset)] == [160, 320, 480, 800, 900]
        assert 'sizes="' in img and 'width="800" height="533"' in img
    assert 'fetchpriority="high"' in slides[0][1] and 'loading="lazy"' in slides[1][1]
    assert html.count('class="pg-lightbox"') == 3 and 'href="#phong-to-2"' in html
    assert '<source type="image/webp" srcset="' in gallery_html
    # The thumbnails sit on a phone's first screen: none of the first row waits for a scroll.
    thumbs = re.search(r'<ol class="pg-thumbs">(.*?)</ol>', gallery_html, re.S).group(1)
    assert thumbs.count("<img ") == 3 and 'loading="lazy"' not in thumbs


def test_the_english_page_uses_english_alt_text_or_marks_the_vietnamese_one(client, db, product, three_photos):
    html = client.get("/products/che-bup?lang=en").get_data(as_text=True)
    assert 'alt="Photo 1"' in html
    assert re.search(r'alt="Ảnh 2" lang="vi"', html)


def test_cards_use_a_small_derivative_with_srcset(client, db, product, three_photos):
    html = client.get("/products").get_data(as_text=True)
    card = re.search(r'<article class="card product-card">.*?</article>', html, re.S).group(0)
    assert three_photos[0].filename in card and three_photos[1].filename not in card
    assert re.search(r'srcset="[^"]*size=small&amp;fmt=webp 320w', card)
    assert "size=large" not in card and 'width="480" height="320"' in card


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"%PDF-1.4 not an image", "not a readable image"),
        (image_bytes("GIF"), "not a JPEG"),
        (image_bytes(size=(400, 300))[:300], "not a readable image"),  # truncated JPEG
    ],
)
def test_bad_uploads_get_a_form_error_and_store_nothing(client, app, db, product, payload, reason):
    response = upload(client, f"/producer/products/{product.id}/images", payload)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ảnh không được chấp nhận" in page and reason in page
    assert 'id="photo-image-err"' in page  # next to the file field
    assert db.session.scalar(select(func.count(ProductImage.id))) == 0
    assert not list(Path(app.config["UPLOAD_DIR"]).glob("*")) if Path(app.config["UPLOAD_DIR"]).exists() else True


def test_a_huge_pixel_count_is_refused_with_a_form_error(client, db, product):
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # a small file of 144 megapixels
    response = upload(client, f"/producer/products/{product.id}/images", out.getvalue(), name="bom.png")
    assert response.status_code == 200
    assert "too many pixels" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProductImage.id))) == 0


def test_no_file_is_a_form_error(client, db, product):
    response = client.post(f"/producer/products/{product.id}/images", data={"photo-alt": "x"})
    assert response.status_code == 200 and "Chọn một tệp ảnh." in response.get_data(as_text=True)


def test_a_full_gallery_refuses_one_more(client, db, product):
    for n in range(MAX_IMAGES):
        db.session.add(ProductImage(product=product, filename=f"x{n}.jpg", position=n, alt="x"))
    db.session.commit()
    response = upload(client, f"/producer/products/{product.id}/images", image_bytes())
    assert response.status_code == 200 and str(MAX_IMAGES) in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProductImage.id))) == MAX_IMAGES


def test_another_producer_cannot_add_edit_or_delete_photos(client, db, login, product, three_photos):
    other_user, _other = make_producer_account()
    db.session.commit()
    login(other_user)
    assert upload(client, f"/producer/products/{product.id}/images", image_bytes()).status_code == 404
    for action in ("delete", "up", "save"):
        assert edit(client, product, three_photos[2], action, alt="hacked").status_code == 404
    # Its own product's URL with someone else's photo id is refused too.
    own = make_product(producer=_other)
    db.session.commit()
    response = client.post(
        f"/producer/products/{own.id}/images/{three_photos[0].id}", data={f"img{three_photos[0].id}-action": "delete"}
    )
    assert response.status_code == 404
    assert [i.alt for i in gallery(db, product)] == ["Ảnh 1", "Ảnh 2", "Ảnh 3"]


def test_photo_actions_need_the_csrf_token(app, db, product, three_photos):
    raw = FlaskClient(app, app.response_class, use_cookies=True)  # no token added, unlike the suite's client
    with raw.session_transaction() as session:
        session.update({"_user_id": str(product.producer.owner.id), "_fresh": True})
    response = raw.post(
        f"/producer/products/{product.id}/images/{three_photos[0].id}",
        data={f"img{three_photos[0].id}-action": "delete"},
    )
    assert response.status_code in (302, 400)
    assert len(gallery(db, product)) == 3


def test_the_producer_sets_a_cover_replaces_it_and_adds_photos_shown_on_its_page(client, app, db, owner):
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert (
        upload(
            client, "/producer/profile/images?cover=1", image_bytes(size=(1500, 500)), prefix="cover", alt="Đồi chè"
        ).status_code
        == 302
    )
    first = db.session.scalar(select(ProducerImage).where(ProducerImage.is_cover)).filename
    upload(client, "/producer/profile/images?cover=1", image_bytes(size=(1200, 400)), prefix="cover", alt="Xưởng")
    upload(client, "/producer/profile/images", image_bytes(size=(600, 600)), alt="Người hái chè")
    covers = db.session.scalars(select(ProducerImage).where(ProducerImage.is_cover)).all()
    assert [c.alt for c in covers] == ["Xưởng"]  # one cover; the old one and its files are gone
    assert not list(upload_dir.glob(Path(first).stem + "*"))
    html = client.get(f"/producers/{owner.slug}").get_data(as_text=True)
    assert re.search(r'class="producer-cover">\s*<picture>.*?alt="Xưởng"', html, re.S)
    assert 'alt="Người hái chè"' in html and "Hình ảnh cơ sở" in html
    assert "og:image" in html


def test_bad_cover_upload_is_a_form_error_on_the_profile_page(client, db, owner):
    response = upload(client, "/producer/profile/images?cover=1", b"not an image", prefix="cover")
    assert response.status_code == 200
    assert 'id="cover-image-err"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProducerImage.id))) == 0


def test_another_producer_cannot_touch_someone_elses_cover(client, db, login, owner):
    upload(client, "/producer/profile/images?cover=1", image_bytes(size=(900, 300)), prefix="cover")
    cover = db.session.scalar(select(ProducerImage))
    other_user, _ = make_producer_account()
    db.session.commit()
    login(other_user)
    response = client.post(f"/producer/profile/images/{cover.id}", data={f"img{cover.id}-action": "delete"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(ProducerImage.id))) == 1

"""A producer's first real photo replaces the demo's drawn illustrations everywhere a shopper looks:
the product card, the product page gallery, the shared-link (og:image) picture and the cart."""

import io
import random
from datetime import date
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.demo.seed import seed_demo
from tests.factories_checkout import add_to_cart


def photo_jpeg() -> bytes:
    """A camera-like JPEG: a noisy gradient, not a flat test square."""
    rng = random.Random(7)
    picture = Image.new("RGB", (1200, 900))
    picture.putdata(
        [
            (min(255, x // 5 + rng.randint(0, 40)), min(255, y // 4), rng.randint(60, 120))
            for y in range(900)
            for x in range(1200)
        ]
    )
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def test_a_real_photo_replaces_the_illustrations_on_card_gallery_og_image_and_cart(app, client, db):
    seed_demo(today=date(2026, 11, 29), image_dir=Path(app.config["UPLOAD_DIR"]))
    db.session.commit()
    product = db.session.scalar(select(Product).where(Product.name_vi == "Chè tôm nõn"))
    drawn = [image.filename for image in product.images]
    assert len(drawn) == 3 and all(image.is_illustration for image in product.images)
    before = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert before.split('class="product-media"', 1)[1].split('class="buy-box"', 1)[0].count("Ảnh minh hoạ</span>") == 3

    # The README's producer account, through the real sign-in form.
    response = client.post("/account/login", data={"email": "hoptacxa@example.com", "password": "demo1234"})
    assert response.status_code == 302 and response.headers["Location"].rstrip("/").endswith("/producer")
    response = client.post(
        f"/producer/products/{product.id}/images",
        data={"photo-image": (io.BytesIO(photo_jpeg()), "che-tom-non.jpg"), "photo-alt": "Gói chè tôm nõn"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    [photo] = product.images
    assert not photo.is_illustration and photo.position == 0 and photo.alt == "Gói chè tôm nõn"
    stem = Path(photo.filename).stem
    uploads = Path(app.config["UPLOAD_DIR"])
    assert (uploads / photo.filename).is_file()
    left = [p.name for name in drawn for p in uploads.glob(f"{Path(name).stem}.*")]
    assert left == [], left  # files gone after the commit

    def shows_photo_only(html: str) -> bool:
        return stem in html and not any(Path(name).stem in html for name in drawn)

    client.post("/account/logout")
    catalogue = client.get("/products?q=Chè tôm nõn").get_data(as_text=True)
    card = catalogue.split(f'href="/products/{product.slug}"', 1)[0].rsplit('<article class="card product-card">', 1)[1]
    assert shows_photo_only(card)
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    og_image = page.split('property="og:image" content="', 1)[1].split('"', 1)[0]
    assert stem in og_image
    gallery = page.split('class="product-media"', 1)[1].split('class="buy-box"', 1)[0]
    assert shows_photo_only(gallery) and "Ảnh minh hoạ" not in gallery
    add_to_cart(client, product, 1)
    cart = client.get("/cart").get_data(as_text=True)
    thumb = cart.split('class="cart-thumb"', 1)[1].split("</a>", 1)[0]
    assert shows_photo_only(thumb)

"""Catalogue test helpers: a small certified catalogue, and product images."""

import io

from PIL import Image

from storefront.catalog.models import ProductImage
from storefront.extensions import db
from tests.factories import make_certificate, make_producer, make_product


def make_image_bytes(fmt="JPEG", size=(640, 480), colour=(200, 30, 30), **save_kw) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, colour).save(out, fmt, **save_kw)
    return out.getvalue()


def add_image(product, upload_dir, filename=None, size=(800, 600)) -> ProductImage:
    """Write a plain JPEG into the upload folder, as the demo seed does, and attach it."""
    filename = filename or f"{product.slug}.jpg"
    upload_dir.mkdir(parents=True, exist_ok=True)
    (upload_dir / filename).write_bytes(make_image_bytes(size=size))
    image = ProductImage(
        product=product,
        filename=filename,
        position=len(product.images),
        alt=product.name_vi,
        width=size[0],
        height=size[1],
    )
    db.session.add(image)
    db.session.flush()
    return image


def make_small_catalogue():
    """Return products: a 5★ tea, a 4★ noodle, an uncertified drink out of stock, a 3★ herb."""
    tan_cuong = make_producer(
        name="HTX Chè Hảo Đạt",
        slug="htx-che-hao-dat",
        legacy_district="TP Thái Nguyên",
        story_md="# Chè Tân Cương\n\nĐồi chè **xóm Nam Tiến**.",
    )
    dong_hy = make_producer(
        name="HTX Miến Việt Cường", slug="htx-mien-viet-cuong", ward_code=5692, legacy_district="Huyện Đồng Hỷ"
    )
    tea = make_product(
        producer=tan_cuong,
        name_vi="Chè Tân Cương đặc biệt",
        slug="che-tan-cuong-dac-biet",
        price_vnd=450_000,
        description_vi="Chè búp xanh sao tay.",
    )
    noodle = make_product(
        producer=dong_hy,
        name_vi="Miến dong Việt Cường",
        slug="mien-dong-viet-cuong",
        price_vnd=60_000,
        name_en="Canna noodles",
    )
    drink = make_product(
        producer=tan_cuong,
        name_vi="Rượu ngô men lá",
        slug="ruou-ngo-men-la",
        ocop_group=2,
        price_vnd=120_000,
        on_hand=0,
    )
    herb = make_product(producer=dong_hy, name_vi="Trà hoa vàng", slug="tra-hoa-vang", ocop_group=3, price_vnd=300_000)
    make_certificate(product=tea, stars=5, decision_number="123/QĐ-BNNMT")
    make_certificate(product=noodle, stars=4)
    make_certificate(product=herb, stars=3)
    return {"tea": tea, "noodle": noodle, "drink": drink, "herb": herb}

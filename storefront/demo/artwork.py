"""Demo illustrations attached to products and producers through the upload pipeline."""

from pathlib import Path

from storefront.catalog.images import store_image
from storefront.catalog.models import Producer, ProducerImage, Product, ProductImage
from storefront.demo import illustrations

#: Demo illustrations (storefront/demo/illustrations.py): square product art, wide producer covers.
IMAGE_SIZE = (1000, 1000)
COVER_SIZE = (1200, 450)
#: One product illustration per composition, in gallery order: (what it shows, vi and en).
ILLUSTRATION_SUBJECTS = (
    ("bao bì và nguyên liệu", "package and ingredients"),
    ("nguyên liệu", "ingredients"),
    ("vùng sản xuất", "where it is grown or made"),
)


def draw_images(product: Product, kind_name: str, image_dir: Path, summary) -> None:
    """Attach demo illustrations (package, ingredients, origin), stored through the upload pipeline."""
    for variant, (what_vi, what_en) in enumerate(ILLUSTRATION_SUBJECTS):
        art = illustrations.illustrate(kind_name, product.slug, variant, size=IMAGE_SIZE)
        stored = store_image(art, image_dir, filename=f"{product.slug}-{variant + 1}.jpg")
        product.images.append(
            ProductImage(
                filename=stored.filename,
                position=variant,
                width=stored.width,
                height=stored.height,
                is_illustration=True,
                alt=f"Ảnh minh hoạ, không phải ảnh chụp sản phẩm: {what_vi} – {product.name_vi}"[:200],
                alt_en=f"Illustration, not a photo of the product: {what_en} – {product.name_en or product.name_vi}"[
                    :200
                ],
            )
        )
        summary.images += 1


def draw_cover(producer: Producer, kind_name: str, image_dir: Path, summary) -> None:
    art = illustrations.illustrate(kind_name, f"cover-{producer.slug}", illustrations.LANDSCAPE, size=COVER_SIZE)
    stored = store_image(art, image_dir, filename=f"cover-{producer.slug}.jpg")
    producer.images.append(
        ProducerImage(
            filename=stored.filename,
            is_cover=True,
            is_illustration=True,
            width=stored.width,
            height=stored.height,
            alt=f"Ảnh minh hoạ vùng sản xuất của {producer.name}"[:200],
            alt_en=f"Illustration of the area where {producer.name} works"[:200],
        )
    )
    summary.images += 1

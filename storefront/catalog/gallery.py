"""Product and producer photos as galleries: add, describe, reorder, remove; services that flush, never commit."""

from storefront.catalog.images import ImageRejected, accept_upload
from storefront.catalog.models import ImageColumns, Producer, ProducerImage, Product, ProductImage
from storefront.extensions import db

#: Most photos one product or one producer may have (a gallery, not an archive).
MAX_IMAGES = 10
MOVES = {"up": -1, "down": 1}


class TooManyImages(ImageRejected):
    def __init__(self):
        super().__init__(f"at most {MAX_IMAGES} photos")


def siblings(image: ImageColumns) -> list:
    """Return the gallery an image belongs to, in order (a producer's cover stands alone)."""
    if isinstance(image, ProductImage):
        return list(image.product.images)
    return [image] if image.is_cover else list(image.producer.photos)


def add_product_image(
    product: Product, file_storage, upload_dir, *, alt: str = "", alt_en: str = ""
) -> tuple[ProductImage, list[str]]:
    """Verify, store and append one photo to a product's gallery; return it and the files it replaced.

    A real photo replaces the product's illustrations (drawn demo artwork): they leave the gallery,
    so the card, the cart, the gallery and the shared-link image show the photo. The caller deletes
    the returned files after the commit.

    :raises ImageRejected: not an acceptable JPEG/PNG/WebP, or the gallery is full.
    """
    photos = [image for image in product.images if not image.is_illustration]
    if len(photos) >= MAX_IMAGES:
        raise TooManyImages()
    stored = accept_upload(file_storage.stream, upload_dir)
    replaced = [image.filename for image in product.images if image.is_illustration]
    for image in [image for image in product.images if image.is_illustration]:
        product.images.remove(image)
    for position, image in enumerate(photos):
        image.position = position
    image = ProductImage(
        filename=stored.filename,
        width=stored.width,
        height=stored.height,
        position=len(photos),
        alt=(alt or product.name_vi)[:200],
        alt_en=alt_en[:200],
    )
    product.images.append(image)
    db.session.flush()
    return image, replaced


def add_producer_image(
    producer: Producer, file_storage, upload_dir, *, cover: bool, alt: str = "", alt_en: str = ""
) -> tuple[ProducerImage, str | None]:
    """Store a producer photo, or its cover (replacing the old one); return it and the replaced file's name.

    :raises ImageRejected: not an acceptable JPEG/PNG/WebP, or the photos are full.
    """
    if not cover and len(producer.photos) >= MAX_IMAGES:
        raise TooManyImages()
    stored = accept_upload(file_storage.stream, upload_dir)
    replaced = None
    if cover and producer.cover is not None:
        replaced = producer.cover.filename
        producer.images.remove(producer.cover)
        db.session.flush()  # the old cover leaves before the new one: one cover per producer (unique index)
    image = ProducerImage(
        filename=stored.filename,
        width=stored.width,
        height=stored.height,
        is_cover=cover,
        position=0 if cover else len(producer.photos),
        alt=(alt or producer.name)[:200],
        alt_en=alt_en[:200],
    )
    producer.images.append(image)
    db.session.flush()
    return image, replaced


def describe_image(image: ImageColumns, *, alt: str, alt_en: str = "") -> ImageColumns:
    """Change a photo's alt texts; an empty Vietnamese text keeps the old one (alt text is never empty)."""
    image.alt = (alt.strip() or image.alt)[:200]
    image.alt_en = alt_en.strip()[:200]
    db.session.flush()
    return image


def move_image(image: ImageColumns, direction: str) -> ImageColumns:
    """Swap a photo with its neighbour ("up": earlier, "down": later); at either end nothing changes."""
    gallery = siblings(image)
    index = gallery.index(image)
    other = index + MOVES[direction]
    if 0 <= other < len(gallery):
        gallery[index], gallery[other] = gallery[other], gallery[index]
        _renumber(gallery)
    return image


def remove_image(image: ImageColumns) -> str:
    """Delete a photo row and close the gap; return its file name, for deleting the files after the commit."""
    gallery = [other for other in siblings(image) if other is not image]
    owner = image.product if isinstance(image, ProductImage) else image.producer
    owner.images.remove(image)
    _renumber(gallery)
    return image.filename


def _renumber(gallery: list) -> None:
    for position, image in enumerate(gallery):
        image.position = position
    db.session.flush()
    for owner in {id(i): (i.product if isinstance(i, ProductImage) else i.producer) for i in gallery}.values():
        db.session.expire(owner, ["images"])

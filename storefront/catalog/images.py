"""Product and producer photos: checked and cleaned at upload, resized once (Pillow).

An upload through a form (accept_upload) stores the cleaned original at once; its derivatives are
made by a job enqueued after the commit that saves the row naming it (storefront/jobs: at once in
the committing process without a queue, by `flask jobs worker` with one). Until they exist, /media
answers a derivative's URL with a redirect to the original (catalog/views.py), so a page never
shows a broken image.

Pillow is imported inside the functions that decode or encode pixels: pages only name photos
(srcset_sizes, derivative_box, media_present), so a worker that never handles an upload or builds a
derivative does not load it.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from storefront import after_commit, jobs
from storefront.storage import Storage, as_storage, storage

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)
#: Pillow format names we accept; anything else (GIF, SVG, TIFF, PDF…) is refused.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
#: Derivative name -> width in pixels, narrowest first; a source narrower than a size is stored at
#: its own width under that name (never upscaled) and srcset_sizes() lists it once, at its real width.
SIZES = {"tiny": 160, "small": 320, "thumb": 480, "medium": 800, "large": 1200}
FORMATS = {"webp": "WEBP", "jpg": "JPEG"}
#: Seconds a missing derivative's job is not asked for again (a photo viewed many times before its job ran).
DERIVATIVES_ASKED_SECONDS = 300
#: A stored original: random or seed-made base name, one of our extensions, no path parts.
FILENAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,150}\.(jpg|jpeg|png|webp)$")


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message says why, for the uploader."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoredImage:
    filename: str
    width: int
    height: int


def derivative_name(filename: str, size: str, fmt: str) -> str:
    """Return the file name of one derivative: 'abc.jpg', 'thumb', 'webp' -> 'abc.thumb.webp'."""
    return f"{Path(filename).stem}.{size}.{fmt}"


def process_upload(
    stream, store: Storage | Path | str, *, max_bytes: int = 5_000_000, max_pixels: int = 40_000_000
) -> StoredImage:
    """Check an uploaded image, strip its metadata, save it and its derivatives now under a random name.

    :raises ImageRejected: not JPEG/PNG/WebP, too large in bytes or pixels, or unreadable.
    """
    return store_image(_read_checked(stream, max_bytes, max_pixels), store)


def accept_upload(stream, store: Storage, *, max_bytes: int = 5_000_000, max_pixels: int = 40_000_000) -> StoredImage:
    """A form's upload: check it and store the cleaned original in the media storage now; its
    derivatives are made by a job once the request's transaction commits (a rollback makes none).

    :raises ImageRejected: as process_upload.
    """
    clean = _normalised(_read_checked(stream, max_bytes, max_pixels))
    filename = f"{secrets.token_hex(12)}.jpg"
    store.put(filename, _encoded(clean, "JPEG", quality=90, optimize=True))
    after_commit.once_committed(lambda: request_derivatives(store, filename))
    return StoredImage(filename=filename, width=clean.width, height=clean.height)


def make_derivatives(filename: str) -> bool:
    """The derivatives job: build a stored original's missing derivatives in the media storage.

    Nothing to do (False) when the original is gone (its photo was removed meanwhile) or unreadable.
    """
    return ensure_derivatives(storage("media"), filename)


def request_derivatives(store: Storage, filename: str) -> bool:
    """Have a stored original's missing derivatives made; return whether they exist now.

    Without a job queue they are made here, at once (True). With one, a job is enqueued, at most
    once per DERIVATIVES_ASKED_SECONDS per photo (a Redis SET NX), and False says: not yet.
    """
    conn = jobs.connection()
    if conn is None:
        return ensure_derivatives(store, filename)
    try:
        if conn.set(f"ocop:derivatives:{filename}", "1", nx=True, ex=DERIVATIVES_ASKED_SECONDS):
            jobs.enqueue("storefront.catalog.images:make_derivatives", filename)
    except Exception:  # the queue is down: the original is shown; the next view asks again
        log.exception("could not enqueue the derivatives of %s", filename)
    return False


def store_image(image: Image.Image, store: Storage | Path | str, *, filename: str | None = None) -> StoredImage:
    """Save a decoded image, without metadata, and every derivative now; the seed's illustrations come this way.

    `store` is the media storage (storefront/storage) or a local folder. `filename` (a
    FILENAME_RE name ending .jpg) is for seeded files; uploads get a random name.
    """
    store = as_storage(store)
    filename = filename or f"{secrets.token_hex(12)}.jpg"
    if not FILENAME_RE.match(filename) or not filename.endswith(".jpg"):
        raise ValueError(f"not a stored image name: {filename!r}")
    clean = _normalised(image)
    # Saving without exif=/icc_profile= drops camera metadata, including GPS position.
    # Derivatives first, the original last: an original in the store means its set is complete.
    _save_derivatives(clean, store, filename)
    store.put(filename, _encoded(clean, "JPEG", quality=90, optimize=True))
    return StoredImage(filename=filename, width=clean.width, height=clean.height)


@lru_cache(maxsize=256)
def srcset_sizes(width: int) -> tuple[tuple[str, int], ...]:
    """Return (size name, real width) of the distinct derivatives of a source `width` pixels wide.

    Sizes narrower than the source keep their width; the first size at least as wide holds the
    source itself (never upscaled) and ends the list. A width of 0 (unknown) lists every size.
    """
    found = []
    for name, target in SIZES.items():
        if width and target >= width:
            found.append((name, width))
            break
        found.append((name, target))
    return tuple(found)


def derivative_box(width: int, height: int, size: str) -> tuple[int, int]:
    """Return the pixel size of one derivative of a width×height source (4:3 when the source size is unknown)."""
    target = SIZES[size]
    if not (width and height):
        return target, target * 3 // 4
    if width <= target:
        return width, height
    return target, round(height * target / width)


def delete_files(store: Storage | Path | str, filename: str) -> None:
    """Remove a stored original and its derivatives (after the commit that forgot them)."""
    if not FILENAME_RE.match(filename or ""):
        return
    store = as_storage(store)
    for name in [filename] + [derivative_name(filename, s, f) for s in SIZES for f in FORMATS]:
        store.delete(name)


def ensure_derivatives(store: Storage | Path | str, filename: str) -> bool:
    """Build any missing derivative of a stored original (e.g. one copied in without them).

    Return False when the original is missing, not a valid name or not a readable image.
    """
    if not FILENAME_RE.match(filename or ""):
        return False
    store = as_storage(store)
    data = store.get(filename)
    if data is None:
        return False
    wanted = [derivative_name(filename, s, f) for s in SIZES for f in FORMATS]
    if all(store.exists(name) for name in wanted):
        return True
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            clean = _normalised(image)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return False
    _save_derivatives(clean, store, filename)
    return True


#: Remote stores: names this worker has seen present, so a photo costs one HEAD per worker, not per view.
_KNOWN_PRESENT: dict[tuple[int, str], None] = {}
_KNOWN_MAX = 20_000


def media_present(store: Storage, name: str, original: str) -> bool:
    """Is `name` (the original or one of its derivatives) stored? Missing derivatives are asked for first
    (request_derivatives: made now without a job queue, else by a job, and not present yet)."""
    key = (id(store), name)
    if key in _KNOWN_PRESENT:
        return True
    present = store.exists(name) or (name != original and request_derivatives(store, original))
    if present and store.url(name) is not None:  # only remote stores: a local stat is cheaper than a lookup
        if len(_KNOWN_PRESENT) >= _KNOWN_MAX:
            _KNOWN_PRESENT.clear()
        _KNOWN_PRESENT[key] = None
    return present


def _read_checked(stream, max_bytes: int, max_pixels: int) -> Image.Image:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(f"too large: more than {max_bytes} bytes")
    if not data:
        raise ImageRejected("empty file")
    return _open_checked(data, max_pixels)


def _open_checked(data: bytes, max_pixels: int) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # Pillow warns (DecompressionBombWarning) between MAX_IMAGE_PIXELS and twice it;
        # we treat both that and its error as a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise ImageRejected("not a JPEG, PNG or WebP image")
                if probe.width * probe.height > max_pixels:
                    raise ImageRejected(f"too many pixels: {probe.width}×{probe.height}")
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("too many pixels (decompression bomb)") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ImageRejected("not a readable image") from exc
    return image


def _normalised(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation and return an RGB copy without metadata."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    return clean


def _encoded(image: Image.Image, pil_format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, pil_format, **options)
    return out.getvalue()


def _save_derivatives(image: Image.Image, store: Storage, filename: str) -> None:
    from PIL import Image

    # Each size is resized from the next larger one: as sharp as from the original, much faster.
    resized = image
    for size, width in reversed(SIZES.items()):
        if resized.width > width:
            resized = resized.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
        for fmt, pil_format in FORMATS.items():
            options = (
                {"quality": 80, "method": 2}
                if pil_format == "WEBP"
                else {"quality": 82, "optimize": True, "progressive": True}
            )
            store.put(derivative_name(filename, size, fmt), _encoded(resized, pil_format, **options))

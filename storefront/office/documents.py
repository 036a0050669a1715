"""Decision scans in the documents storage (storefront/storage): fully parsed, rewritten (PDF through pypdf, images re-encoded by Pillow),
stored under a random name and served only as downloads that a browser never runs or sniffs."""

import io
import secrets
import warnings
from functools import partial
from pathlib import Path

from flask import current_app, redirect
from flask_babel import lazy_gettext as _l

from storefront import after_commit
from storefront.errors import DomainError
from storefront.security_headers import DOWNLOAD_HEADERS
from storefront.storage import storage

#: Leading bytes of the formats a council decision scan may come in.
SCAN_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
}
#: What Pillow must find behind an image signature.
IMAGE_FORMATS = {"jpg": "JPEG", "png": "PNG"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
#: A decision is a few pages; more is not a scan of one.
MAX_PDF_PAGES = 100
#: Page entries that act (links, forms, scripts, actions on open): a copied page keeps none.
PAGE_ACTIVE_KEYS = ("/Annots", "/AA")


class DocumentInvalid(DomainError):
    """The uploaded scan is not a PDF/JPEG/PNG or is too large; str() is the user message."""


def decisions_dir() -> Path:
    """The local folder of decision scans (the local storage backend's documents area)."""
    return Path(current_app.config["UPLOAD_DIR"]) / "decisions"


def read_scan(stream) -> tuple[bytes, str]:
    """Read an uploaded scan, parse it whole and return (rewritten bytes, extension) or raise DocumentInvalid."""
    limit = current_app.config.get("OFFICE_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
    data = stream.read(limit + 1)
    if not data:
        raise DocumentInvalid(_l("Tệp quét quyết định trống."))
    if len(data) > limit:
        raise DocumentInvalid(_l("Tệp quét quá lớn (tối đa %(mb)s MB).", mb=limit // (1024 * 1024)))
    extension = next((ext for signature, ext in SCAN_SIGNATURES.items() if data.startswith(signature)), None)
    if extension is None:
        raise DocumentInvalid(_l("Tệp quét phải là PDF, JPEG hoặc PNG."))
    if extension == "pdf":
        return _rewritten_pdf(data), extension
    max_pixels = current_app.config.get("OFFICE_DOCUMENT_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    return _reencoded_image(data, IMAGE_FORMATS[extension], max_pixels), extension


def _rewritten_pdf(data: bytes) -> bytes:
    """Copy the pages alone into a new PDF: no document-level scripts, actions, forms or attachments."""
    try:
        # Lenient parsing (scanners write slightly broken files); nothing is kept but the copied pages.
        # pypdf (about 15 MB in a worker) loads for the office's uploads only, not in every worker.
        from pypdf import PdfReader, PdfWriter
        from pypdf.generic import NameObject

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentInvalid(_l("Tệp PDF có mật khẩu; hãy tải lên bản không khoá."))
        if not 1 <= len(reader.pages) <= MAX_PDF_PAGES:
            raise DocumentInvalid(_l("Tệp quét bị hỏng hoặc không đọc được."))
        writer = PdfWriter()
        for page in reader.pages:
            for key in PAGE_ACTIVE_KEYS:
                page.pop(NameObject(key), None)
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except DocumentInvalid:
        raise
    except Exception as error:
        raise DocumentInvalid(_l("Tệp quét bị hỏng hoặc không đọc được.")) from error
    return out.getvalue()


def _reencoded_image(data: bytes, pil_format: str, max_pixels: int) -> bytes:
    """Decode the whole image (refusing bombs and truncated files) and save its pixels alone, upright."""
    # Pillow loads for the office's image uploads (and photo uploads), not in every worker.
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[pil_format]) as probe:
                if probe.width * probe.height > max_pixels:
                    raise DocumentInvalid(
                        _l("Ảnh quét quá lớn (tối đa %(mp)s triệu điểm ảnh).", mp=max_pixels // 1_000_000)
                    )
                probe.verify()
            with Image.open(io.BytesIO(data), formats=[pil_format]) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
        except DocumentInvalid:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise DocumentInvalid(
                _l("Ảnh quét quá lớn (tối đa %(mp)s triệu điểm ảnh).", mp=max_pixels // 1_000_000)
            ) from error
        except Exception as error:
            raise DocumentInvalid(_l("Tệp quét bị hỏng hoặc không đọc được.")) from error
    if pil_format == "JPEG" and upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    upright.info.clear()  # no EXIF, XMP, ICC or text chunks are written
    out = io.BytesIO()
    # PNG at its default level: optimize=True took 2.4× as long on an A4 page at 300 dpi (1.2 s) for 13 % less.
    upright.save(out, pil_format, **({"quality": 90} if pil_format == "JPEG" else {}))
    return out.getvalue()


def send_scan(filename: str, download_name: str):
    """Answer a stored scan as a download: never shown inline, sniffed, framed or run.

    Call it only after the office role check. Object storage: a redirect to a presigned URL valid
    S3_PRESIGN_SECONDS that makes the bucket answer it as an attachment.
    """
    store = storage("documents")
    direct = store.url(filename, download_name=download_name)
    if direct is None:
        response = store.send(filename, max_age=0, download_name=download_name)
    else:
        response = redirect(direct, 302)
        response.cache_control.no_store = True
    response.headers.update(DOWNLOAD_HEADERS)
    response.cache_control.private = True
    return response


def store_scan(data: bytes, extension: str) -> str:
    """Write checked scan bytes under a random name and return that name.

    The file is written now, so a committed certificate always has its scan; if the
    transaction ends without a commit (a later error, a rollback) the file is deleted.
    """
    store = storage("documents")
    filename = f"{secrets.token_hex(16)}.{extension}"
    store.put(filename, data)
    after_commit.undo_unless_committed(partial(store.delete, filename))
    return filename

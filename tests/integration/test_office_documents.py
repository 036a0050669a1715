"""Decision scans: parsed whole, rewritten or refused, and served to the office only as inert downloads."""

import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.catalog.models import Certificate
from storefront.office import documents
from tests.factories import make_certificate, make_product, make_user
from tests.factories_catalog import make_image_bytes
from tests.factories_office import certificate_form, make_office_user, make_pdf_bytes, office, request_context  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_context")


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares a size in its IHDR and holds one tiny, wrong IDAT: enough to be opened."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")
    )


def pdf_with_javascript() -> bytes:
    """A one-page PDF that runs a script when opened: document JavaScript, an open action, a page action."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    action = writer._add_object(
        DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")}
        )
    )
    root = writer._root_object
    root[NameObject("/OpenAction")] = action
    root[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {NameObject("/Names"): ArrayObject([TextStringObject("run"), action])}
            )
        }
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    out = io.BytesIO()
    writer.write(out)
    assert b"JavaScript" in out.getvalue()
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf_bytes()))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "Máy quét văn phòng"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to view
    exif.get_ifd(0x8825)[2] = (21.0, 35.0, 0.0)  # GPSLatitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


BAD_FILES = {
    "PDF header then HTML": b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n",
    "PNG header then HTML": b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>",
    "20000x20000 PNG": png_header(20000, 20000),
    "PNG over the pixel limit, under Pillow's": png_header(8000, 6000),
    "truncated PNG": make_image_bytes("PNG", size=(300, 200), colour=(1, 2, 3))[:-120],
    "truncated JPEG": make_image_bytes("JPEG", size=(300, 200))[:300],
    "JPEG header then HTML": b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>",
    "encrypted PDF": encrypted_pdf(),
    "PDF without pages": b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n",
}


def read(data: bytes):
    return documents.read_scan(io.BytesIO(data))


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_scan_that_does_not_parse_whole_is_refused(app, content):
    with pytest.raises(documents.DocumentInvalid):
        read(content)


def test_the_refusal_is_shown_on_the_form_and_nothing_is_written(client, db, office):
    product = make_product()
    db.session.commit()
    data = certificate_form(
        product,
        issuing_body="UBND tỉnh",
        decision_number="12/QĐ-UBND",
        document=(io.BytesIO(BAD_FILES["20000x20000 PNG"]), "scan.png"),
    )
    response = client.post("/office/certificates/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Ảnh quét quá lớn" in response.get_data(as_text=True)
    assert db.session.scalars(select(Certificate)).all() == []
    assert not documents.decisions_dir().exists() or list(documents.decisions_dir().iterdir()) == []


def test_a_pdf_is_rewritten_without_scripts_or_actions(app):
    data, extension = read(pdf_with_javascript())
    assert extension == "pdf"
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert "/OpenAction" not in reader.trailer["/Root"] and "/Names" not in reader.trailer["/Root"]
    assert "/AA" not in reader.pages[0]
    assert b"JavaScript" not in data and b"app.alert" not in data


def test_a_multi_page_pdf_keeps_its_pages_and_drops_its_metadata(app):
    data, _ = read(make_pdf_bytes(pages=3, **{"/Author": "Nguyễn Văn Bí Mật"}))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 3
    assert "Bí Mật" not in str(reader.metadata or {})


def test_an_image_is_reencoded_upright_without_its_metadata(app):
    data, extension = read(jpeg_with_gps())
    assert extension == "jpg"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.size == (48, 64)  # the EXIF orientation was applied to the pixels
        assert dict(image.getexif()) == {}
    assert b"Exif" not in data


def test_a_png_is_reencoded_as_png(app):
    data, extension = read(make_image_bytes("PNG", size=(40, 30)))
    assert extension == "png"
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert (image.format, image.size) == ("PNG", (40, 30))


@pytest.fixture
def certificate_with_scan(app, db):
    """A certificate whose stored scan is the polyglot a first-bytes check once let in (an old upload)."""
    documents.decisions_dir().mkdir(parents=True, exist_ok=True)
    (documents.decisions_dir() / "0123abcd.pdf").write_bytes(BAD_FILES["PDF header then HTML"])
    certificate = make_certificate(product=make_product(), document_filename="0123abcd.pdf")
    db.session.commit()
    return certificate


def test_a_scan_is_served_to_the_office_only_as_an_inert_download(client, db, login, certificate_with_scan):
    user = make_office_user()
    db.session.commit()
    login(user)
    with client.get(f"/office/certificates/{certificate_with_scan.id}/document") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert (
            response.headers["Content-Disposition"] == f"attachment; filename=quyet-dinh-{certificate_with_scan.id}.pdf"
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers.getlist("Content-Security-Policy") == [
            documents.DOWNLOAD_HEADERS["Content-Security-Policy"]
        ]
        assert response.headers["Content-Security-Policy"].startswith("sandbox")
        assert "private" in response.headers["Cache-Control"]


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.PRODUCER])
def test_other_roles_cannot_download_a_scan(client, db, login, certificate_with_scan, role):
    user = make_user(role=role)
    db.session.commit()
    login(user)
    response = client.get(f"/office/certificates/{certificate_with_scan.id}/document")
    assert response.status_code == 403
    assert b"<script>" not in response.data


def test_anonymous_visitors_are_sent_to_sign_in(client, db, certificate_with_scan):
    response = client.get(f"/office/certificates/{certificate_with_scan.id}/document")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_a_scan_written_in_a_released_savepoint_is_deleted_when_its_transaction_rolls_back(app, db):
    """SQLAlchemy fires after_commit when a savepoint is released; the scan is not committed yet then."""
    with app.test_request_context():
        with db.session.begin_nested():
            name = documents.store_scan(make_pdf_bytes(), "pdf")
        assert (documents.decisions_dir() / name).exists()
        db.session.rollback()
        assert not (documents.decisions_dir() / name).exists()


def test_a_committed_scan_stays_when_a_later_transaction_rolls_back(app, db):
    """The commit drops the scan's undo, so the next transaction's rollback does not delete it."""
    with app.test_request_context():
        with db.session.begin_nested():
            name = documents.store_scan(make_pdf_bytes(), "pdf")
        db.session.commit()
        make_product()
        db.session.rollback()
        assert (documents.decisions_dir() / name).exists()

"""Photos, decision scans and stamp PDFs through one storage interface, on the local folder and on S3.

Every test runs twice: on the local backend (the default, instance/uploads and instance/stamps) and
on the S3 backend against moto's standalone server on loopback, a stand-in speaking the real S3
wire protocol (see tests/storage_peers.py): boto3 writes real objects, the app redirects to real
URLs, and this test fetches them over HTTP as a browser would.
"""

import io
import re
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from storefront.catalog.images import SIZES, derivative_name
from storefront.catalog.models import Certificate, ProductImage
from storefront.storage import storage
from tests.factories import make_product
from tests.factories_office import (  # noqa: F401 (fixtures)
    certificate_form,
    make_office_user,
    make_pdf_bytes,
    office,
    record_with_scan,
    request_context,
)
from tests.factories_producer import image_bytes, owner, upload_photo  # noqa: F401 (owner is a fixture)
from tests.factories_traceability import make_traced_batch
from tests.storage_peers import backend, s3_server  # noqa: F401 (fixtures)

YEAR = 365 * 24 * 3600


@pytest.fixture
def app_config(backend):
    return dict(backend[1])


def fetch(url: str):
    """GET a URL the app handed a browser (the bucket), returning (status, headers, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def follow(client, url: str):
    """What a browser gets for an app URL: the app's answer, or the bucket's after the app's redirect."""
    with client.get(url) as response:
        body = response.get_data()
    if response.status_code == 302 and response.location.startswith("http://127.0.0.1:"):
        status, headers, body = fetch(response.location)
        return response, status, headers, body
    return response, response.status_code, response.headers, body


# --- the interface itself --------------------------------------------------------------------


@pytest.mark.parametrize("area", ["media", "documents", "stamps"])
def test_each_area_stores_reads_replaces_and_deletes(app, backend, area):
    store = storage(area)
    assert store.get("a-1.pdf") is None and not store.exists("a-1.pdf")
    store.put("a-1.pdf", b"%PDF-1 first")
    store.put("a-1.pdf", b"%PDF-1 second")
    assert store.exists("a-1.pdf") and store.get("a-1.pdf") == b"%PDF-1 second"
    store.delete("a-1.pdf")
    store.delete("a-1.pdf")  # already gone: not an error
    assert store.get("a-1.pdf") is None


def test_a_file_on_disk_is_stored_as_it_is_and_replaces_the_old_one(app, backend, tmp_path):
    # How a stamp-sheet job hands over its PDF: from the file it wrote, never read into memory whole.
    source = tmp_path / "sheet.pdf"
    source.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 4000)
    store = storage("stamps")
    store.put("issue-7.pdf", b"%PDF-1 old")
    store.put_file("issue-7.pdf", source)
    assert store.get("issue-7.pdf") == source.read_bytes()
    with pytest.raises(ValueError):
        store.put_file("../issue-7.pdf", source)


@pytest.mark.parametrize("name", ["../x.jpg", "a/b.jpg", ".hidden", "", "x" * 300, "a\x00.jpg"])
def test_a_name_with_path_parts_or_junk_is_refused(app, backend, name):
    with pytest.raises(ValueError):
        storage("media").put(name, b"x")


def test_areas_do_not_see_each_others_files(app, backend):
    storage("media").put("same.jpg", b"photo")
    assert storage("documents").get("same.jpg") is None and storage("stamps").get("same.jpg") is None


# --- photos: uploaded through the producer form, seen on the product page ----------------------


def test_an_uploaded_photo_is_shown_on_the_product_page_and_served_with_a_long_cache(client, db, owner, backend):
    product = make_product(producer=owner, slug="che-bup")
    db.session.commit()
    assert upload_photo(client, product, image_bytes(size=(900, 600), color=(200, 30, 30))).status_code == 302
    image = db.session.scalars(select(ProductImage)).one()

    html = client.get("/products/che-bup").get_data(as_text=True)
    urls = set(re.findall(r'(/media/[^" ,]+)', html))
    assert any(image.filename in url and "size=medium" in url for url in urls)
    for url in sorted(urls):
        response, status, headers, body = follow(client, url.replace("&amp;", "&").replace("\\u0026", "&"))
        assert status == 200, url
        assert body[:3] == b"\xff\xd8\xff" or body[:4] == b"RIFF"  # JPEG or WebP, whole
        if backend[0] == "s3":
            # The app answers a redirect cached a year; the bucket answers the photo, also cached a year.
            assert response.status_code == 302
            assert response.cache_control.public and response.cache_control.max_age == YEAR
            assert response.location.startswith(f"{backend[1]['S3_ENDPOINT_URL']}/{backend[1]['S3_BUCKET']}/tn/media/")
            assert "max-age=31536000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
        else:
            assert response.cache_control.max_age == YEAR and response.cache_control.public


def test_the_content_security_policy_allows_photos_from_the_bucket_only_when_they_live_there(client, db, backend):
    policy = client.get("/").headers["Content-Security-Policy"]
    img_src = next(part for part in policy.split("; ") if part.startswith("img-src"))
    expected = "img-src 'self'" + (f" {backend[1]['S3_ENDPOINT_URL']}" if backend[0] == "s3" else "")
    assert img_src == expected


def test_a_deleted_photo_leaves_no_file_in_the_store(client, db, owner, backend):
    product = make_product(producer=owner, slug="che-bup")
    db.session.commit()
    upload_photo(client, product, image_bytes(size=(500, 400)))
    image = db.session.scalars(select(ProductImage)).one()
    image_id, filename = image.id, image.filename
    names = [filename] + [derivative_name(filename, s, f) for s in SIZES for f in ("webp", "jpg")]
    store = storage("media")
    assert all(store.exists(name) for name in names)

    data = {f"img{image_id}-action": "delete"}
    assert client.post(f"/producer/products/{product.id}/images/{image_id}", data=data).status_code == 302
    assert not any(store.exists(name) for name in names)
    # Object storage: this worker may still redirect (it remembers the photo was there); the bucket says 404.
    assert follow(client, f"/media/{filename}?size=thumb&fmt=webp")[1] == 404


def test_a_photo_stored_without_derivatives_gets_them_on_first_request(client, db, backend):
    storage("media").put("che-moc-cau.jpg", image_bytes(size=(700, 500)))
    response, status, _headers, body = follow(client, "/media/che-moc-cau.jpg?size=small&fmt=webp")
    assert status == 200 and body[:4] == b"RIFF"
    assert storage("media").exists("che-moc-cau.tiny.jpg")
    assert client.get("/media/not-there.jpg?size=small&fmt=webp").status_code == 404


# --- decision scans: private, after the office check ----------------------------------------


def test_a_decision_scan_is_downloaded_by_the_office_only_and_never_from_a_public_url(
    app, client, db, office, backend, request_context
):
    product = make_product()
    db.session.commit()
    form = certificate_form(product, document=(io.BytesIO(make_pdf_bytes()), "quyet dinh.pdf"))
    assert client.post("/office/certificates/new", data=form, content_type="multipart/form-data").status_code == 302
    certificate = db.session.scalars(select(Certificate)).one()
    stored = storage("documents").get(certificate.document_filename)
    assert stored is not None and stored.startswith(b"%PDF-")

    url = f"/office/certificates/{certificate.id}/document"
    response, status, headers, body = follow(client, url)
    assert status == 200 and body == stored
    assert (
        "attachment" in headers["Content-Disposition"]
        and f"quyet-dinh-{certificate.id}.pdf" in headers["Content-Disposition"]
    )
    if backend[0] == "s3":
        assert response.status_code == 302 and response.cache_control.no_store
        query = parse_qs(urlsplit(response.location).query)
        assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
        assert "/tn/documents/" in response.location
    client.post("/account/logout")
    after = client.get(url)
    assert after.status_code == 302 and "/account/login" in after.location


def test_a_scan_whose_certificate_is_rolled_back_is_deleted_from_the_store(app, db, backend, request_context):
    certificate = record_with_scan(make_product(), make_office_user())
    name = certificate.document_filename
    assert storage("documents").exists(name)
    db.session.rollback()
    assert not storage("documents").exists(name)


# --- stamp sheets written by the CLI ----------------------------------------------------------


def test_the_stamps_command_writes_its_sheet_zip_and_pins_into_the_stamp_store(app, db, runner, backend):
    batch = make_traced_batch()
    db.session.commit()
    result = runner.invoke(args=["traceability", "stamps", str(batch.id), "--count", "3", "--zip", "--pin"])
    assert result.exit_code == 0, result.output
    store = storage("stamps")
    issue_id = int(re.search(r"as issue (\d+)", result.output).group(1))
    assert store.get(f"issue-{issue_id}.pdf").startswith(b"%PDF")
    assert store.get(f"issue-{issue_id}.zip").startswith(b"PK")
    assert store.get(f"issue-{issue_id}-pins.csv").decode().splitlines()[0] == "serial,pin"
    assert storage("media").get(f"issue-{issue_id}.pdf") is None

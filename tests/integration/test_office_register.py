"""The certificate register: recording, validation, scans, revocation, lists, CSV import/export."""

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from storefront.audit.models import AuditLogEntry
from storefront.catalog.models import Certificate, CriteriaSet, IssuingLevel
from storefront.clock import add_months, today_vn
from storefront.office import documents, register
from tests.factories import days_ago, make_certificate, make_product
from tests.factories_catalog import make_image_bytes
from tests.factories_office import (  # noqa: F401 (office, request_context are fixtures)
    certificate_form,
    import_form,
    make_office_user,
    make_pdf_bytes,
    office,
    record_with_scan,
    request_context,
)

PDF = make_pdf_bytes()
PNG = make_image_bytes("PNG", size=(40, 30))

pytestmark = pytest.mark.usefixtures("request_context")


@pytest.fixture
def app_config():
    return {"OFFICE_DOCUMENT_MAX_BYTES": 64 * 1024}


def shop_badge(client, product) -> str:
    """Return the OCOP badge block on the shop's product page, or "" when none is shown."""
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    found = re.search(r'<div class="ocop-badge.*?</div>', page, re.S)
    return found.group(0) if found else ""


def test_recording_a_certificate_shows_the_badge_on_the_product_page_at_once(client, db, office):
    product = make_product()
    db.session.commit()
    assert "1234/QĐ-UBND" not in shop_badge(client, product)

    response = client.post("/office/certificates/new", data=certificate_form(product))

    assert response.status_code == 302
    certificate = db.session.scalars(select(Certificate)).one()
    assert (certificate.stars, certificate.score, certificate.issuing_level) == (4, 78, IssuingLevel.PROVINCE)
    assert certificate.valid_until == add_months(days_ago(10), 36)
    assert certificate.producer_name == product.producer.name
    assert "1234/QĐ-UBND" in shop_badge(client, product)


@pytest.mark.parametrize(
    ("state", "shown"),
    [("valid", True), ("expired", False), ("revoked", False)],
)
def test_the_shop_badge_follows_the_register(client, db, state, shown):
    product = make_product()
    kwargs = {"decision_number": "77/QĐ-UBND"}
    if state == "expired":
        kwargs.update(decision_date=days_ago(1200), valid_until=days_ago(1))
    if state == "revoked":
        kwargs.update(is_revoked=True, revoked_reason="Vi phạm chất lượng")
    make_certificate(product=product, **kwargs)
    db.session.commit()
    assert ("77/QĐ-UBND" in shop_badge(client, product)) is shown


def test_revoking_removes_the_badge_and_logs_before_and_after(client, db, office):
    product = make_product()
    certificate = make_certificate(product=product, decision_number="55/QĐ-UBND")
    db.session.commit()
    assert "55/QĐ-UBND" in shop_badge(client, product)

    client.post(f"/office/certificates/{certificate.id}/revoke", data={"reason": "Sản phẩm không đạt khi hậu kiểm"})

    db.session.refresh(certificate)
    assert certificate.is_revoked and certificate.revoked_at is not None
    assert "55/QĐ-UBND" not in shop_badge(client, product)
    entry = db.session.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "certificate.revoke")).one()
    assert (entry.actor_id, entry.object_id) == (office.id, certificate.id)
    assert entry.before["is_revoked"] is False and entry.after["is_revoked"] is True
    assert entry.reason == "Sản phẩm không đạt khi hậu kiểm"


def test_revoking_without_a_reason_changes_nothing(client, db, office):
    certificate = make_certificate()
    db.session.commit()
    client.post(f"/office/certificates/{certificate.id}/revoke", data={"reason": "  "})
    db.session.refresh(certificate)
    assert not certificate.is_revoked


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"stars": 5, "issuing_level": IssuingLevel.PROVINCE}, "issuing_level"),
        ({"stars": 4, "issuing_level": IssuingLevel.CENTRAL}, "issuing_level"),
        ({"stars": 3, "issuing_level": IssuingLevel.DISTRICT}, "issuing_level"),  # no districts since 07/2025
        ({"stars": 6}, "stars"),
        ({"stars": 0}, "stars"),
        ({"score": 101}, "score"),
        ({"decision_date": date(2030, 1, 1)}, "decision_date"),
        (
            {
                "decision_date": date(2022, 5, 1),
                "criteria_set": CriteriaSet.QD_148_2023,
                "issuing_level": IssuingLevel.PROVINCE,
            },
            "criteria_set",
        ),
        ({"valid_until": date(2025, 1, 1)}, "valid_until"),
        ({"decision_number": ""}, "decision_number"),
    ],
)
def test_certificates_breaking_ocop_rules_are_refused_with_a_field_error(db, overrides, field):
    product = make_product()
    values = dict(
        stars=4,
        score=80,
        criteria_set=CriteriaSet.QD_148_2023,
        issuing_level=IssuingLevel.PROVINCE,
        issuing_body="UBND tỉnh Thái Nguyên",
        decision_number="9/QĐ-UBND",
        decision_date=date(2025, 9, 1),
    )
    values.update(overrides)
    with pytest.raises(register.CertificateInvalid) as refused:
        register.record_certificate(product, actor=make_office_user(), today=date(2026, 1, 1), **values)
    assert field in refused.value.errors
    assert db.session.scalars(select(Certificate)).all() == []


@pytest.mark.parametrize(
    ("stars", "level", "decided"),
    [
        (3, IssuingLevel.DISTRICT, date(2024, 3, 1)),
        (3, IssuingLevel.PROVINCE, date(2025, 8, 1)),
        (4, IssuingLevel.PROVINCE, date(2025, 8, 1)),
        (5, IssuingLevel.CENTRAL, date(2025, 8, 1)),
    ],
)
def test_certificates_from_the_right_level_are_accepted(db, stars, level, decided):
    certificate = register.record_certificate(
        make_product(),
        stars=stars,
        score=None,
        criteria_set=CriteriaSet.QD_148_2023,
        issuing_level=level,
        issuing_body="UBND",
        decision_number="1/QĐ",
        decision_date=decided,
        actor=make_office_user(),
        today=date(2026, 1, 1),
    )
    assert certificate.valid_until == add_months(decided, 36)


def test_the_form_shows_the_issuing_level_rule_and_writes_nothing(client, db, office):
    product = make_product()
    db.session.commit()
    response = client.post("/office/certificates/new", data=certificate_form(product, stars="5"))
    assert response.status_code == 200
    assert "trung ương" in response.get_data(as_text=True)
    assert db.session.scalars(select(Certificate)).all() == []


def test_a_decision_scan_is_stored_under_a_random_name_and_served_to_office_users_only(app, client, db, office):
    product = make_product()
    db.session.commit()
    data = certificate_form(product, document=(io.BytesIO(PDF), "quyet dinh.pdf"))
    client.post("/office/certificates/new", data=data, content_type="multipart/form-data")

    certificate = db.session.scalars(select(Certificate)).one()
    assert certificate.document_filename.endswith(".pdf") and "quyet" not in certificate.document_filename
    with client.get(f"/office/certificates/{certificate.id}/document") as response:
        assert response.data.startswith(b"%PDF-")
        assert response.data == (documents.decisions_dir() / certificate.document_filename).read_bytes()
    client.post("/account/logout")
    assert client.get(f"/office/certificates/{certificate.id}/document").status_code == 302


def stored_scans():
    folder = documents.decisions_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_scan_whose_certificate_is_rolled_back_is_deleted(db):
    certificate = record_with_scan(make_product(), make_office_user())
    assert stored_scans() == [certificate.document_filename]

    db.session.rollback()

    assert stored_scans() == []


def test_a_scan_whose_request_ends_without_a_commit_is_deleted(db):
    record_with_scan(make_product(), make_office_user())
    db.session.close()
    assert stored_scans() == []


def test_a_committed_scan_stays_after_later_rollbacks(db):
    certificate = record_with_scan(make_product(), make_office_user())
    db.session.commit()
    make_product()
    db.session.rollback()
    assert stored_scans() == [certificate.document_filename]


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00 not a pdf", b"", b"%PDF-" + b"0" * (64 * 1024)],
    ids=["executable", "empty", "too-large"],
)
def test_a_scan_that_is_not_a_small_pdf_or_image_is_refused(client, db, office, content):
    product = make_product()
    db.session.commit()
    data = certificate_form(product, document=(io.BytesIO(content), "scan.pdf"))
    response = client.post("/office/certificates/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalars(select(Certificate)).all() == []


def test_a_png_scan_is_accepted(client, db, office):
    product = make_product()
    db.session.commit()
    data = certificate_form(product, document=(io.BytesIO(PNG), "scan.png"))
    client.post("/office/certificates/new", data=data, content_type="multipart/form-data")
    assert db.session.scalars(select(Certificate)).one().document_filename.endswith(".png")


def test_register_lists_expiring_and_expired_certificates_and_exports_them(client, db, office):
    today = today_vn()
    make_certificate(
        product=make_product(name_vi="Chè sắp hết hạn"),
        decision_date=days_ago(1000),
        valid_until=today + timedelta(days=30),
    )
    make_certificate(
        product=make_product(name_vi="Miến đã hết hạn"), decision_date=days_ago(1200), valid_until=days_ago(5)
    )
    make_certificate(product=make_product(name_vi="Mật ong còn lâu"))
    db.session.commit()

    expiring = client.get("/office/certificates?status=expiring").get_data(as_text=True)
    expired = client.get("/office/certificates?status=expired").get_data(as_text=True)
    assert "Chè sắp hết hạn" in expiring and "Miến đã hết hạn" not in expiring and "Mật ong" not in expiring
    assert "Miến đã hết hạn" in expired and "Chè sắp hết hạn" not in expired

    export = client.get("/office/certificates.csv?status=expired")
    assert export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("product,producer,stars")
    assert len(lines) == 2 and lines[1].startswith("Miến đã hết hạn") and lines[1].endswith("expired")


def test_unknown_register_filter_is_a_404(client, office):
    assert client.get("/office/certificates?status=bogus").status_code == 404


def test_importing_a_council_decision_records_every_row(client, db, office):
    tea, noodles = make_product(slug="che-dinh"), make_product(slug="mien-dong", gtin="08930000000012")
    db.session.commit()
    text = "product,stars,score,valid_until\nche-dinh,4,82,\n08930000000012,3,61,31/12/2027\n"

    response = client.post("/office/certificates/import", data=import_form(text), content_type="multipart/form-data")

    assert response.status_code == 200
    certificates = {c.product_id: c for c in db.session.scalars(select(Certificate))}
    assert certificates[tea.id].stars == 4 and certificates[noodles.id].valid_until == date(2027, 12, 31)
    assert {c.decision_number for c in certificates.values()} == {"2100/QĐ-UBND"}
    assert len(db.session.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "certificate.record")).all()) == 2


def test_an_import_with_one_bad_row_writes_nothing_and_reports_each_row(client, db, office):
    make_product(slug="che-dinh")
    db.session.commit()
    text = "product,stars,score\nche-dinh,4,82\nkhong-co,4,80\nche-dinh,5,95\n"

    response = client.post("/office/certificates/import", data=import_form(text), content_type="multipart/form-data")

    page = response.get_data(as_text=True)
    assert db.session.scalars(select(Certificate)).all() == []
    assert "Hợp lệ" in page  # line 2
    assert "Không tìm thấy sản phẩm" in page  # line 3
    assert "hai lần" in page  # line 4: duplicate, and 5★ is not a province decision
    assert "Không ghi dòng nào" in page


def test_an_import_without_the_needed_columns_is_refused(client, db, office):
    response = client.post(
        "/office/certificates/import", data=import_form("name,rating\nx,4\n"), content_type="multipart/form-data"
    )
    assert "Thiếu cột" in response.get_data(as_text=True)
    assert db.session.scalars(select(Certificate)).all() == []


def test_csv_exports_neutralise_formulas(client, db, office):
    make_certificate(product=make_product(name_vi='=HYPERLINK("http://x")'))
    db.session.commit()
    text = client.get("/office/certificates.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text

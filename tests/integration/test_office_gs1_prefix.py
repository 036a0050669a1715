"""The office records each producer's GS1 company prefix from its licence; GTINs must lie under it."""

import pytest
from sqlalchemy import select

from storefront.audit.models import AuditLogEntry
from tests.factories import make_producer, make_product
from tests.factories_office import office, request_context  # noqa: F401
from tests.factories_producer import make_producer_account

pytestmark = pytest.mark.usefixtures("request_context")


def record(client, producer, prefix):
    return client.post(
        f"/office/producers/{producer.id}/gs1-prefix", data={"gs1_prefix": prefix}, follow_redirects=True
    )


def test_the_office_records_a_prefix_which_is_logged_and_shown(client, db, office):
    producer = make_producer(name="HTX Chè Tân Cương")
    db.session.commit()
    page = record(client, producer, " 893 6012 ").get_data(as_text=True)
    assert "Đã ghi mã doanh nghiệp GS1." in page
    assert '<dd data-testid="gs1-prefix">8936012</dd>' in page
    db.session.refresh(producer)
    assert producer.gs1_prefix == "8936012"
    entry = db.session.scalars(select(AuditLogEntry)).one()
    assert (entry.action, entry.before, entry.after) == (
        "producer.gs1_prefix",
        {"gs1_prefix": ""},
        {"gs1_prefix": "8936012"},
    )
    cleared = record(client, producer, "").get_data(as_text=True)
    assert "Đã xoá mã doanh nghiệp GS1." in cleared and "chưa ghi nhận" in cleared


@pytest.mark.parametrize(
    "bad",
    # too short, too long, full-width, letters, signs, huge; then no company's ranges (GTIN-8s, in-store
    # numbers 02/2, coupons 99) and another GS1 member's (Germany's 400): GS1 Vietnam's begin with 893.
    [
        "89360",
        "8936012345678",
        "89360１２",
        "893601A",
        "-8936012",
        "x" * 5000,
        "000000",
        "0200000",
        "200000",
        "9900000",
        "4000001",
    ],
)
def test_what_is_no_prefix_is_refused_with_a_message(client, db, office, bad):
    producer = make_producer()
    db.session.commit()
    response = record(client, producer, bad)
    assert response.status_code == 200
    assert "Mã doanh nghiệp GS1 gồm 6 đến 12 chữ số" in response.get_data(as_text=True)
    db.session.refresh(producer)
    assert producer.gs1_prefix == ""
    assert db.session.scalars(select(AuditLogEntry)).all() == []


def test_one_licence_one_company_overlapping_prefixes_are_refused(client, db, office):
    make_producer(name="HTX Hảo Đạt", gs1_prefix="8936012")
    producer = make_producer()
    db.session.commit()
    for prefix in ("8936012", "89360123", "893601"):
        page = record(client, producer, prefix).get_data(as_text=True)
        assert "trùng với mã 8936012 của HTX Hảo Đạt" in page
    db.session.refresh(producer)
    assert producer.gs1_prefix == ""


def test_a_prefix_with_another_producers_gtin_under_it_is_refused(client, db, office):
    make_product(name_vi="Miến dong", gtin="08936012345674")  # another producer's product
    producer = make_producer()
    db.session.commit()
    page = record(client, producer, "8936012").get_data(as_text=True)
    assert "Sản phẩm Miến dong" in page and "08936012345674" in page
    db.session.refresh(producer)
    assert producer.gs1_prefix == ""


def test_gtins_entered_before_the_prefix_and_not_under_it_are_listed(client, db, office):
    producer = make_producer()
    make_product(producer=producer, name_vi="Chè cũ", gtin="08934567890120")
    make_product(producer=producer, name_vi="Chè mới", gtin="08936012345674")
    db.session.commit()
    page = record(client, producer, "8936012").get_data(as_text=True)
    listed = page.split('data-testid="gtins-outside-prefix"')[1].split("</p>")[0]
    assert "Chè cũ (08934567890120)" in listed and "Chè mới" not in listed


def test_only_the_office_records_a_prefix(client, db, login):
    user, producer = make_producer_account()
    db.session.commit()
    login(user)
    assert client.post(f"/office/producers/{producer.id}/gs1-prefix", data={"gs1_prefix": "8936012"}).status_code == 403
    db.session.refresh(producer)
    assert producer.gs1_prefix == ""


def test_the_form_needs_its_csrf_token(client, db, office):
    producer = make_producer()
    db.session.commit()
    client.post(f"/office/producers/{producer.id}/gs1-prefix", data={"gs1_prefix": "8936012"}, csrf=False)
    db.session.refresh(producer)
    assert producer.gs1_prefix == ""


def test_recording_the_prefix_already_recorded_changes_and_logs_nothing(client, db, office):
    producer = make_producer(gs1_prefix="8936012")
    db.session.commit()
    page = record(client, producer, "893 6012").get_data(as_text=True)
    assert "Mã doanh nghiệp GS1 không thay đổi." in page
    assert db.session.scalars(select(AuditLogEntry)).all() == []

"""The audit log: every office action kept with before/after, viewable, filterable, never editable."""

import pytest
from sqlalchemy import select

from storefront.audit.models import AuditLogEntry, AuditLogImmutable
from storefront.catalog.models import ProducerStatus
from storefront.office import approvals, moderation, register
from tests.factories import make_certificate, make_producer, make_product
from tests.factories_office import make_office_user, request_context  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_context")


def logged_entry(db):
    actor = make_office_user(email="can.bo@ocop.vn")
    producer = make_producer(status=ProducerStatus.PENDING)
    approvals.reject_producer(producer, reason="Hồ sơ thiếu", actor=actor)
    db.session.commit()
    return db.session.scalars(select(AuditLogEntry)).one()


def test_an_entry_cannot_be_changed_through_the_orm(db):
    entry = logged_entry(db)
    entry.reason = "sửa lại"
    with pytest.raises(AuditLogImmutable):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditLogEntry, entry.id).reason == "Hồ sơ thiếu"


def test_an_entry_cannot_be_deleted_through_the_orm(db):
    entry = logged_entry(db)
    db.session.delete(entry)
    with pytest.raises(AuditLogImmutable):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditLogEntry, entry.id) is not None


def test_no_office_route_offers_to_change_the_log(app):
    audit_rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/office/audit")]
    assert audit_rules and all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in audit_rules)


def test_every_kind_of_office_action_is_logged(db):
    actor = make_office_user()
    producer = make_producer(status=ProducerStatus.PENDING, story_md="Chuyện")
    product = make_product(producer=producer)
    approvals.approve_producer(producer, actor=actor)
    approvals.suspend_producer(producer, reason="Kiểm tra", actor=actor)
    approvals.reinstate_producer(producer, actor=actor)
    moderation.hide_product(product, reason="Ảnh sai", actor=actor)
    moderation.unhide_product(product, actor=actor)
    moderation.hide_story(producer, reason="Sai sự thật", actor=actor)
    moderation.unhide_story(producer, actor=actor)
    register.revoke_certificate(make_certificate(product=product), reason="Hậu kiểm", actor=actor)
    actions = db.session.scalars(select(AuditLogEntry.action).order_by(AuditLogEntry.id)).all()
    assert actions == [
        "producer.approve",
        "producer.suspend",
        "producer.reinstate",
        "product.hide",
        "product.unhide",
        "producer.hide_story",
        "producer.unhide_story",
        "certificate.revoke",
    ]


def test_the_log_page_shows_and_filters_entries(client, db, login):
    entry = logged_entry(db)
    product = make_product(name_vi="Chè móc câu")
    moderation.hide_product(product, reason="Ảnh không đúng", actor=entry.actor)
    viewer = make_office_user()
    db.session.commit()
    login(viewer)

    page = client.get("/office/audit").get_data(as_text=True)
    assert "producer.reject" in page and "product.hide" in page and "can.bo@ocop.vn" in page

    # Object types in the office's language, in the table and the filter (which still sends the type).
    assert f"Sản phẩm #{product.id}" in page and f"Cơ sở sản xuất #{entry.object_id}" in page
    assert '<option value="CounterfeitReport">Báo cáo tem giả</option>' in page and ">CounterfeitReport<" not in page
    english = client.get("/office/audit?lang=en").get_data(as_text=True)
    assert f"Product #{product.id}" in english and '<option value="Batch">Batch</option>' in english

    filtered = client.get("/office/audit?object_type=Product").get_data(as_text=True)
    assert "product.hide" in filtered and "producer.reject" not in filtered
    by_action = client.get("/office/audit?action=producer.").get_data(as_text=True)
    assert "producer.reject" in by_action and "product.hide" not in by_action
    assert "Hồ sơ thiếu" in client.get("/office/audit?actor=can.bo").get_data(as_text=True)
    assert "producer.reject" not in client.get("/office/audit?from=2000-01-01&to=2000-01-02").get_data(as_text=True)
    assert client.get("/office/audit?from=not-a-date").status_code == 200

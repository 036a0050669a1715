"""The audit log: every office action kept with before/after, viewable, filterable, never editable."""

import pytest
from sqlalchemy import select

from storefront.audit.actions import ACTION_LABELS
from storefront.audit.models import AuditLogEntry, AuditLogImmutable
from storefront.audit.services import log_action
from storefront.catalog.models import ProducerStatus
from storefront.office import approvals, moderation, register
from tests.factories import make_certificate, make_producer, make_product
from tests.factories_office import make_office_user, request_context  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_context")


def log_table(response) -> str:
    """The page's table of entries (the action filter above it names every action)."""
    return response.get_data(as_text=True).split('<table class="audit">')[1]


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
    assert set(actions) <= ACTION_LABELS.keys()  # each one is offered in the log's action filter
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

    whole = client.get("/office/audit").get_data(as_text=True)
    page = whole.split('<table class="audit">')[1]
    assert "producer.reject" in page and "product.hide" in page and "can.bo@ocop.vn" in page

    # Object types in the office's language, in the table and the filter (which still sends the type).
    assert f"Sản phẩm #{product.id}" in page and f"Cơ sở sản xuất #{entry.object_id}" in page
    assert '<option value="CounterfeitReport">Báo cáo tem giả</option>' in whole and ">CounterfeitReport<" not in whole
    english = client.get("/office/audit?lang=en").get_data(as_text=True)
    assert f"Product #{product.id}" in english and '<option value="Batch">Batch</option>' in english

    filtered = log_table(client.get("/office/audit?object_type=Product"))
    assert "product.hide" in filtered and "producer.reject" not in filtered
    by_action = log_table(client.get("/office/audit?action=producer."))
    assert "producer.reject" in by_action and "product.hide" not in by_action
    assert "Hồ sơ thiếu" in client.get("/office/audit?actor=can.bo").get_data(as_text=True)
    assert "producer.reject" not in log_table(client.get("/office/audit?from=2000-01-01&to=2000-01-02"))
    assert client.get("/office/audit?from=not-a-date").status_code == 200


def test_the_action_filter_is_a_pick_list_in_the_page_language(client, db, login):
    logged_entry(db)
    viewer = make_office_user()
    db.session.commit()
    login(viewer)

    page = client.get("/office/audit?action=producer.reject").get_data(as_text=True)
    assert '<select name="action">' in page and 'name="action" value=' not in page
    assert '<option value="producer.reject" selected>Từ chối cơ sở</option>' in page
    assert '<option value="producer.">Mọi thao tác: Cơ sở sản xuất</option>' in page
    assert (
        '<optgroup label="Chứng nhận">' in page
        and '<option value="certificate.revoke">Thu hồi chứng nhận</option>' in page
    )
    # The entry reads in words too, its code under it.
    assert "Từ chối cơ sở<br><code>producer.reject</code>" in log_table(client.get("/office/audit"))
    english = client.get("/office/audit?lang=en&action=certificate.").get_data(as_text=True)
    assert '<option value="certificate." selected>All actions: Certificate</option>' in english
    assert '<option value="producer.reject">Reject a producer</option>' in english
    assert "producer.reject" not in english.split('<table class="audit">')[1]
    # A code the list does not offer, typed into the address, filters nothing and selects nothing.
    typed = client.get("/office/audit?action=produ")
    assert typed.status_code == 200 and "producer.reject" in log_table(typed)
    assert " selected>" not in typed.get_data(as_text=True).split('name="object_type"')[0]


def test_an_action_the_office_could_not_name_is_refused(db):
    product = make_product()
    with pytest.raises(ValueError, match="product.delete"):
        log_action(None, "product.delete", product)
    assert db.session.scalars(select(AuditLogEntry)).all() == []

"""Producer queue and moderation: approval, rejection, suspension and their effect on the shop."""

import pytest
from sqlalchemy import select

from storefront.audit.models import AuditLogEntry
from storefront.catalog.models import ProducerStatus
from storefront.checkout.models import Order, OrderStatus
from storefront.office import approvals, moderation, rules
from storefront.outbox.models import OutboxMessage
from tests.factories import make_producer, make_product, make_user
from tests.factories_office import make_office_user, make_order, office, request_context  # noqa: F401
from traceability.models import CounterfeitReport, ReportStatus

pytestmark = pytest.mark.usefixtures("request_context")


def mails_to(db, address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)).all()


def test_the_queue_lists_pending_registrations_with_their_legal_details(client, db, office):
    make_producer(name="HTX Chè Chờ Duyệt", status=ProducerStatus.PENDING, business_reg_no="4600123456")
    make_producer(name="HTX Đã Duyệt")
    db.session.commit()
    page = client.get("/office/producers").get_data(as_text=True)
    assert "HTX Chè Chờ Duyệt" in page and "4600123456" in page
    assert "HTX Đã Duyệt" not in page


def test_approving_a_producer_puts_its_products_in_the_shop_and_mails_it(client, db, office):
    producer = make_producer(status=ProducerStatus.PENDING, email="htx@example.vn")
    product = make_product(producer=producer)
    db.session.commit()
    assert client.get(f"/products/{product.slug}").status_code == 404

    client.post(f"/office/producers/{producer.id}/approve")

    db.session.refresh(producer)
    assert producer.status is ProducerStatus.APPROVED and producer.approved_at is not None
    assert client.get(f"/products/{product.slug}").status_code == 200
    assert "đã được duyệt" in mails_to(db, "htx@example.vn")[0].subject


def test_rejecting_needs_a_reason_that_the_producer_is_told(client, db, office):
    producer = make_producer(status=ProducerStatus.PENDING, email="htx@example.vn")
    db.session.commit()

    client.post(f"/office/producers/{producer.id}/reject", data={"reason": ""})
    db.session.refresh(producer)
    assert producer.status is ProducerStatus.PENDING

    client.post(f"/office/producers/{producer.id}/reject", data={"reason": "Thiếu giấy đăng ký kinh doanh"})
    db.session.refresh(producer)
    assert producer.status is ProducerStatus.REJECTED
    assert producer.status_reason == "Thiếu giấy đăng ký kinh doanh"
    assert "Thiếu giấy đăng ký kinh doanh" in mails_to(db, "htx@example.vn")[0].body_text


def test_suspending_takes_products_off_the_shop_but_keeps_orders_in_flight(client, db, office):
    owner = make_user(email="chu@example.vn")
    producer = make_producer(owner=owner)
    product = make_product(producer=producer)
    order = make_order(product=product, status=OrderStatus.CONFIRMED)
    db.session.commit()
    assert client.get(f"/products/{product.slug}").status_code == 200

    client.post(f"/office/producers/{producer.id}/suspend", data={"reason": "Vi phạm an toàn thực phẩm"})

    db.session.refresh(producer)
    assert producer.status is ProducerStatus.SUSPENDED
    assert client.get(f"/products/{product.slug}").status_code == 404
    assert db.session.get(Order, order.id).status is OrderStatus.CONFIRMED
    assert "tạm ngừng" in mails_to(db, "chu@example.vn")[0].subject

    client.post(f"/office/producers/{producer.id}/reinstate")
    db.session.refresh(producer)
    assert producer.status is ProducerStatus.APPROVED
    assert client.get(f"/products/{product.slug}").status_code == 200


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (ProducerStatus.APPROVED, approvals.reject_producer),
        (ProducerStatus.PENDING, approvals.suspend_producer),
        (ProducerStatus.APPROVED, approvals.reinstate_producer),
        (ProducerStatus.SUSPENDED, approvals.approve_producer),
    ],
)
def test_illegal_status_moves_are_refused(db, status, action):
    producer = make_producer(status=status)
    kwargs = {"reason": "x"} if action in (approvals.reject_producer, approvals.suspend_producer) else {}
    with pytest.raises(approvals.IllegalProducerTransition):
        action(producer, actor=make_office_user(), **kwargs)
    assert producer.status is status
    assert db.session.scalars(select(AuditLogEntry)).all() == []


def test_an_illegal_move_through_the_page_changes_nothing(client, db, office):
    producer = make_producer(status=ProducerStatus.APPROVED)
    db.session.commit()
    response = client.post(f"/office/producers/{producer.id}/reinstate")
    assert response.status_code == 302
    db.session.refresh(producer)
    assert producer.status is ProducerStatus.APPROVED


def test_approval_is_logged_with_before_and_after(db):
    actor = make_office_user()
    producer = make_producer(status=ProducerStatus.PENDING)
    approvals.approve_producer(producer, actor=actor)
    entry = db.session.scalars(select(AuditLogEntry)).one()
    assert (entry.action, entry.object_type, entry.object_id) == ("producer.approve", "Producer", producer.id)
    assert entry.before["status"] == "pending" and entry.after["status"] == "approved"
    assert entry.actor_email == actor.email


def test_hiding_a_product_removes_it_from_the_shop_with_a_reason_for_its_owner(client, db, office):
    producer = make_producer(email="htx@example.vn")
    product = make_product(producer=producer)
    db.session.commit()

    client.post(f"/office/products/{product.id}/hide", data={"reason": "Ảnh sai sản phẩm"})

    db.session.refresh(product)
    assert product.is_hidden and product.hidden_reason == "Ảnh sai sản phẩm"
    assert client.get(f"/products/{product.slug}").status_code == 404
    assert "Ảnh sai sản phẩm" in mails_to(db, "htx@example.vn")[0].body_text

    client.post(f"/office/products/{product.id}/unhide")
    db.session.refresh(product)
    assert not product.is_hidden and product.hidden_reason == ""
    assert client.get(f"/products/{product.slug}").status_code == 200


def test_hiding_a_story_keeps_the_reason_for_the_producer(client, db, office):
    producer = make_producer(story_md="Câu chuyện về đồi chè", email="htx@example.vn")
    db.session.commit()

    client.post(f"/office/producers/{producer.id}/story/hide", data={"reason": "Nội dung quảng cáo sai sự thật"})

    db.session.refresh(producer)
    assert producer.is_story_hidden and producer.hidden_reason == "Nội dung quảng cáo sai sự thật"
    actions = db.session.scalars(select(AuditLogEntry.action)).all()
    assert actions == ["producer.hide_story"]

    client.post(f"/office/producers/{producer.id}/story/unhide")
    db.session.refresh(producer)
    assert not producer.is_story_hidden


@pytest.mark.parametrize(
    ("hidden_first", "move"),
    [
        (False, lambda product, actor: moderation.unhide_product(product, actor=actor)),
        (False, lambda product, actor: moderation.unhide_story(product.producer, actor=actor)),
        (True, lambda product, actor: moderation.hide_product(product, reason="Lại", actor=actor)),
        (True, lambda product, actor: moderation.hide_story(product.producer, reason="Lại", actor=actor)),
    ],
    ids=["unhide visible product", "unhide visible story", "hide hidden product", "hide hidden story"],
)
def test_moderation_that_would_change_nothing_is_refused_and_not_logged(db, hidden_first, move):
    actor = make_office_user()
    product = make_product(producer=make_producer(story_md="Chuyện"))
    if hidden_first:
        moderation.hide_product(product, reason="Lần đầu", actor=actor)
        moderation.hide_story(product.producer, reason="Lần đầu", actor=actor)
    logged = len(db.session.scalars(select(AuditLogEntry)).all())

    with pytest.raises(moderation.ModerationError):
        move(product, actor)

    assert len(db.session.scalars(select(AuditLogEntry)).all()) == logged
    expected_reason = "Lần đầu" if hidden_first else ""
    assert (product.is_hidden, product.producer.is_story_hidden) == (hidden_first, hidden_first)
    assert product.hidden_reason == product.producer.hidden_reason == expected_reason


def test_hiding_without_a_reason_is_refused(db):
    product = make_product()
    with pytest.raises(rules.ReasonRequired):
        moderation.hide_product(product, reason="  ", actor=make_office_user())
    assert not product.is_hidden and db.session.scalars(select(AuditLogEntry)).all() == []


def test_a_counterfeit_report_is_closed_once_with_a_resolution(client, db, office):
    report = CounterfeitReport(scanned_code="https://shop.test/01/08930000000012/21/ABC", message="Tem mờ")
    db.session.add(report)
    db.session.commit()
    assert "Tem mờ" in client.get("/office/reports").get_data(as_text=True)

    client.post(f"/office/reports/{report.id}", data={"status": "confirmed", "resolution": "Báo quản lý thị trường"})
    client.post(f"/office/reports/{report.id}", data={"status": "dismissed", "resolution": "Đổi ý"})

    db.session.refresh(report)
    assert report.status is ReportStatus.CONFIRMED
    assert (report.resolution, report.handled_by_id) == ("Báo quản lý thị trường", office.id)
    assert len(db.session.scalars(select(AuditLogEntry)).all()) == 1

"""A visit (OCOP group 6) in the producer's pages: bookings where goods show stock, and no lots offered (walk9)."""

from sqlalchemy import func, select

from storefront.inventory.models import Stock
from tests.factories import make_product
from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on
from tests.factories_producer import owner  # noqa: F401  (fixture)
from traceability.models import Batch


def test_a_visit_row_shows_its_bookings_ahead_and_goods_keep_their_stock(client, db, owner):
    experience = make_experience(producer=owner, capacity=20)
    make_booking(session_on(experience, next_saturday()), adults=3, children=1)
    undescribed = make_product(producer=owner, ocop_group=6, on_hand=None, name_vi="Tham quan đồi chè (chưa khai báo)")
    make_product(producer=owner, name_vi="Chè búp", on_hand=37)
    db.session.commit()

    page = client.get("/producer/products").get_data(as_text=True)
    assert "Tham quan: 1 đặt chỗ sắp tới (4 khách)" in page
    assert f'href="/producer/experiences/{experience.id}/sessions"' in page
    assert f"/producer/tourism/{undescribed.id}/experience" in page and "Tham quan: khai báo để nhận đặt chỗ" in page
    assert '<td data-label="Tồn kho">37</td>' in page and '<td data-label="Tồn kho">0</td>' not in page
    english = client.get("/producer/products?lang=en").get_data(as_text=True)
    assert "Visit: 1 upcoming booking (4 guests)" in english and "Stock / bookings" in english


def test_a_visit_offers_its_calendar_not_a_lot_and_a_typed_lot_address_creates_nothing(client, db, owner):
    experience = make_experience(producer=owner)
    tea = make_product(producer=owner, name_vi="Chè búp")
    db.session.commit()
    visit = experience.product

    edit = client.get(f"/producer/products/{visit.id}/edit").get_data(as_text=True)
    assert f"/producer/products/{visit.id}/batches/new" not in edit
    assert "Lịch tham quan và đặt chỗ" in edit and f"/producer/tourism/{visit.id}/experience" in edit
    assert f"/producer/products/{tea.id}/batches/new" in client.get(f"/producer/products/{tea.id}/edit").get_data(
        as_text=True
    )
    batches = client.get("/producer/batches").get_data(as_text=True)
    assert f"/producer/products/{tea.id}/batches/new" in batches
    assert f"/producer/products/{visit.id}/batches/new" not in batches

    response = client.post(
        f"/producer/products/{visit.id}/batches/new", data={"lot_code": "TQ-01", "quantity": "5"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Sản phẩm tham quan không có lô hàng hay tồn kho" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Batch.id)).where(Batch.product_id == visit.id)) == 0


def test_a_visit_is_never_listed_as_running_low(client, db, owner):
    # A product made in the producer's form gets a stock row at 0 (catalog/editing.py), a visit too.
    db.session.add(Stock(product_id=make_experience(producer=owner).product_id, on_hand=0, reserved=0))
    make_product(producer=owner, name_vi="Chè sắp hết", on_hand=2)
    db.session.commit()
    page = client.get("/producer/").get_data(as_text=True)
    low = page.split('class="low-stock"')[1].split("</ul>")[0]
    assert "Chè sắp hết" in low and "Du lịch văn hóa dân tộc Tày" not in low

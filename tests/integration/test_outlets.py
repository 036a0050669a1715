"""Points of sale: the office and producers register them; shoppers list them by ward and kind, see
"Mua tại cửa hàng" on a product page, a Store JSON-LD page and GeoJSON; nobody edits another's point."""

import json
import re

import pytest
from sqlalchemy import func, select

from storefront.outlets.models import Outlet, OutletKind
from storefront.outlets.services import OutletInput, create_outlet
from tests.factories import TAN_CUONG_WARD, make_product, make_user
from tests.factories_office import make_office_user
from tests.factories_producer import make_producer_account

PHAN_DINH_PHUNG = 5443  # Phường Phan Đình Phùng, Tỉnh Thái Nguyên
HANOI_WARD = 4  # a ward of Hà Nội


def outlet_count(db) -> int:
    return db.session.scalar(select(func.count(Outlet.id)))


def form(**changes) -> dict:
    data = {
        "name": "Trung tâm OCOP tỉnh",
        "kind": "provincial_centre",
        "ward_code": str(PHAN_DINH_PHUNG),
        "street": "Đường Hoàng Văn Thụ",
        "latitude": "21.5928",
        "longitude": "105.8442",
        "opening_hours": "7:30–21:00 hằng ngày",
        "phone": "0208 3600 001",
        "is_active": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def make_outlet(*, producer=None, products=(), **kw) -> Outlet:
    values = {
        "name": kw.pop("name", "Cửa hàng OCOP chợ Thái"),
        "kind": kw.pop("kind", "market_stall"),
        "ward_code": kw.pop("ward_code", PHAN_DINH_PHUNG),
        "latitude": kw.pop("latitude", 21.59),
        "longitude": kw.pop("longitude", 105.84),
        "product_ids": tuple(p.id for p in products),
        **kw,
    }
    return create_outlet(OutletInput(**values), producer=producer)


def jsonld_of(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


def test_the_office_registers_the_provincial_centre_and_shoppers_find_it_everywhere(client, db, login):
    tea = make_product(name_vi="Chè tôm nõn")
    office = make_office_user()
    db.session.commit()
    login(office)
    response = client.post("/office/outlets/new", data={**form(), "product_ids": [str(tea.id)]})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    outlet = db.session.scalar(select(Outlet))
    assert (outlet.kind, outlet.producer_id, outlet.phone, outlet.products) == (
        OutletKind.PROVINCIAL_CENTRE,
        None,
        "+842083600001",
        [tea],
    )
    login.logout()

    listing = client.get("/points-of-sale").get_data(as_text=True)
    assert "Trung tâm OCOP tỉnh" in listing and 'id="centre-h"' in listing
    product_page = client.get(f"/products/{tea.slug}").get_data(as_text=True)
    assert "Mua tại cửa hàng" in product_page and f"/points-of-sale/{outlet.slug}" in product_page

    page = client.get(f"/points-of-sale/{outlet.slug}").get_data(as_text=True)
    assert "Chè tôm nõn" in page and 'href="tel:+842083600001"' in page and "0208 3600 001" in page
    assert "Phường Phan Đình Phùng" in page and 'href="geo:21.5928,105.8442' in page
    data = jsonld_of(page)
    assert data["@type"] == "Store" and data["telephone"] == "+842083600001"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 21.5928, "longitude": 105.8442}
    assert data["address"]["addressLocality"] == "Phường Phan Đình Phùng" and data["address"]["addressCountry"] == "VN"
    assert data["makesOffer"][0]["itemOffered"]["name"] == "Chè tôm nõn"


def test_a_product_page_without_points_says_nothing_about_stores(client, db):
    tea = make_product()
    db.session.commit()
    assert "Mua tại cửa hàng" not in client.get(f"/products/{tea.slug}").get_data(as_text=True)


def test_a_cached_product_page_shows_a_point_registered_after_it_was_cached(app, client, db):
    tea = make_product()
    db.session.commit()
    assert "Mua tại cửa hàng" not in client.get(f"/products/{tea.slug}").get_data(as_text=True)
    make_outlet(products=[tea])
    db.session.commit()
    assert "Mua tại cửa hàng" in client.get(f"/products/{tea.slug}").get_data(as_text=True)


def test_a_producer_registers_its_showroom_with_only_its_own_products(client, db, login):
    user, producer = make_producer_account()
    own = make_product(producer=producer)
    other = make_product()
    db.session.commit()
    login(user)
    page = client.get("/producer/outlets/new").get_data(as_text=True)
    assert own.name_vi in page and other.name_vi not in page and 'value="provincial_centre"' not in page

    refused = client.post("/producer/outlets/new", data={**form(kind="showroom"), "product_ids": [str(other.id)]})
    assert refused.status_code == 200 and outlet_count(db) == 0
    centre = client.post("/producer/outlets/new", data=form(kind="provincial_centre"))
    assert centre.status_code == 200 and outlet_count(db) == 0

    response = client.post(
        "/producer/outlets/new",
        data={**form(name="Phòng trưng bày chè", kind="showroom"), "product_ids": [str(own.id)]},
    )
    assert response.status_code == 302
    outlet = db.session.scalar(select(Outlet))
    assert outlet.producer_id == producer.id and outlet.products == [own]
    assert "Phòng trưng bày chè" in client.get("/producer/outlets").get_data(as_text=True)


def test_a_producer_cannot_edit_another_producers_point_nor_the_offices(client, db, login):
    user, _producer = make_producer_account()
    _other_user, other_producer = make_producer_account()
    theirs = make_outlet(producer=other_producer, name="Cửa hàng của cơ sở khác", kind="showroom")
    offices = make_outlet(name="Trung tâm", kind="provincial_centre")
    db.session.commit()
    login(user)
    for outlet in (theirs, offices):
        assert client.get(f"/producer/outlets/{outlet.id}/edit").status_code == 404
        assert (
            client.post(f"/producer/outlets/{outlet.id}/edit", data=form(name="Chiếm", kind="showroom")).status_code
            == 404
        )
    assert "Cửa hàng của cơ sở khác" not in client.get("/producer/outlets").get_data(as_text=True)
    assert sorted(db.session.scalars(select(Outlet.name))) == ["Cửa hàng của cơ sở khác", "Trung tâm"]


def test_the_office_edits_a_producers_point_within_that_producers_products(client, db, login):
    _user, producer = make_producer_account()
    own = make_product(producer=producer)
    stranger = make_product()
    outlet = make_outlet(producer=producer, kind="showroom", products=[own])
    office = make_office_user()
    db.session.commit()
    login(office)
    bad = client.post(
        f"/office/outlets/{outlet.id}/edit", data={**form(kind="showroom"), "product_ids": [str(stranger.id)]}
    )
    assert bad.status_code == 200
    ok = client.post(
        f"/office/outlets/{outlet.id}/edit",
        data={**form(name="Phòng trưng bày mới", kind="showroom"), "product_ids": [str(own.id)]},
    )
    assert ok.status_code == 302
    db.session.refresh(outlet)
    assert outlet.name == "Phòng trưng bày mới" and outlet.products == [own] and outlet.producer_id == producer.id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"kind": "castle"}, "kind"),
        ({"ward_code": str(HANOI_WARD)}, "ward_code"),
        ({"ward_code": "0"}, "ward_code"),
        ({"latitude": "10.77", "longitude": "106.70"}, "latitude"),  # Hồ Chí Minh City
        ({"latitude": "105.8442", "longitude": "21.5928"}, "latitude"),  # swapped
        ({"longitude": ""}, "latitude"),
        ({"latitude": "abc"}, "latitude"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_bad_input_is_a_form_error_and_stores_nothing(client, db, login, changes, field):
    office = make_office_user()
    db.session.commit()
    login(office)
    response = client.post("/office/outlets/new", data=form(**changes))
    assert response.status_code == 200
    assert f'id="{field}-err"' in response.get_data(as_text=True) or 'class="error"' in response.get_data(as_text=True)
    assert outlet_count(db) == 0


def test_shoppers_cannot_open_the_dashboards_outlet_pages(client, db, login):
    outlet = make_outlet()
    shopper = make_user()
    db.session.commit()
    login(shopper)
    for url in ("/producer/outlets", "/producer/outlets/new", "/office/outlets", f"/office/outlets/{outlet.id}/edit"):
        assert client.get(url).status_code == 403
    assert client.post("/office/outlets/new", data=form()).status_code == 403
    assert outlet_count(db) == 1


def test_the_list_groups_by_ward_and_filters_by_kind_and_ward_without_script(client, db):
    make_outlet(name="Trung tâm OCOP", kind="provincial_centre")
    make_outlet(name="Quầy chợ Thái", kind="market_stall")
    make_outlet(
        name="Phòng trưng bày Tân Cương", kind="showroom", ward_code=TAN_CUONG_WARD, latitude=21.558, longitude=105.759
    )
    make_outlet(name="Cửa hàng đã đóng", kind="showroom", is_active=False)
    _user, suspended = make_producer_account()
    make_outlet(producer=suspended, name="Cửa hàng của cơ sở bị đình chỉ", kind="showroom")
    from storefront.catalog.models import ProducerStatus

    suspended.status = ProducerStatus.SUSPENDED
    db.session.commit()

    page = client.get("/points-of-sale").get_data(as_text=True)
    assert page.count('data-testid="outlet"') == 3 and "<script" not in page.split("<main")[-1].split("</main>")[0]
    assert "Cửa hàng đã đóng" not in page and "bị đình chỉ" not in page
    assert page.index("Trung tâm OCOP") < page.index("Phường Phan Đình Phùng") < page.index("Xã Tân Cương")
    by_kind = client.get("/points-of-sale?kind=showroom").get_data(as_text=True)
    assert "Phòng trưng bày Tân Cương" in by_kind and "Quầy chợ Thái" not in by_kind
    by_ward = client.get(f"/points-of-sale?ward={PHAN_DINH_PHUNG}").get_data(as_text=True)
    assert "Quầy chợ Thái" in by_ward and "Phòng trưng bày Tân Cương" not in by_ward
    assert client.get("/points-of-sale?kind=castle&ward=%00x").status_code == 200
    closed = db.session.scalar(select(Outlet).where(Outlet.name == "Cửa hàng đã đóng"))
    assert client.get(f"/points-of-sale/{closed.slug}").status_code == 404
    assert client.get("/points-of-sale/khong-co").status_code == 404


def test_site_search_finds_points_by_name_place_and_stocked_product_without_diacritics(client, db):
    tea = make_product(name_vi="Chè Tân Cương đặc biệt")
    make_outlet(name="Phòng trưng bày Tân Cương", kind="showroom", ward_code=TAN_CUONG_WARD, products=(tea,))
    make_outlet(name="Quầy chợ Thái", kind="market_stall")
    make_outlet(name="Cửa hàng Tân Cương đã đóng", kind="showroom", is_active=False, products=(tea,))
    db.session.commit()

    def section(q):
        page = client.get(f"/products?q={q}").get_data(as_text=True)
        found = re.search(r'data-testid="search-outlets">(.*?)</section>', page, re.S)
        return found.group(1) if found else ""

    by_product = section("che+tan+cuong+dac+biet")
    assert "Phòng trưng bày Tân Cương" in by_product and "đã đóng" not in by_product
    assert "Quầy chợ Thái" in section("quay+cho") and "Quầy chợ Thái" not in by_product
    assert section("khongcodiemnao") == ""


def test_geojson_lists_points_with_coordinates_as_longitude_latitude(client, db):
    tea = make_product()
    make_outlet(name="Có toạ độ", products=[tea])
    make_outlet(name="Không toạ độ", latitude=None, longitude=None)
    db.session.commit()
    response = client.get("/points-of-sale.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = response.get_json(force=True)
    assert data["type"] == "FeatureCollection"
    [feature] = data["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [105.84, 21.59]}
    assert feature["properties"]["name"] == "Có toạ độ" and feature["properties"]["products"] == [tea.slug]
    assert feature["properties"]["url"].endswith(f"/points-of-sale/{feature['id']}")


def test_the_points_pages_speak_english(client, db):
    outlet = make_outlet(kind="supermarket")
    db.session.commit()
    page = client.get("/points-of-sale?lang=en").get_data(as_text=True)
    assert "Points of sale" in page and "Supermarket" in page
    assert jsonld_of(client.get(f"/points-of-sale/{outlet.slug}").get_data(as_text=True))["@type"] == [
        "Store",
        "GroceryStore",
    ]

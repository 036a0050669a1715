"""Authorization matrix: every /producer route, as owner, other producer, shopper and anonymous."""

import pytest
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.articles.services import ArticleInput, create_article
from storefront.catalog.models import Marketplace, ProducerImage, ProductImage, ProductListing
from storefront.catalog.videos import add_video
from storefront.extensions import db as _db
from storefront.outlets.services import OutletInput, create_outlet
from tests.factories import make_batch, make_certificate, make_product, make_user
from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on
from tests.factories_producer import make_order, make_producer_account
from tests.factories_reviews import make_review
from traceability.stamps.services import issue_stamps, issue_stamps_list

#: Routes anyone may open; everything else under /producer needs the producer role.
PUBLIC_ENDPOINTS = {"producer.register"}
#: URL arguments that name a record owned by one producer (others must get 404).
OBJECT_ARGUMENTS = {
    "product_id",
    "batch_id",
    "issue_id",
    "stamp_id",
    "fulfilment_id",
    "image_id",
    "producer_image_id",
    "review_id",
    "outlet_id",
    "listing_id",
    "article_id",
    "tourism_product_id",
    "experience_id",
    "session_id",
    "booking_id",
    "video_id",
}


def producer_routes(app):
    """Return (endpoint, rule, methods) for every /producer route the app registers."""
    return [
        (rule.endpoint, rule, sorted(rule.methods & {"GET", "POST"}))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("producer.") and rule.endpoint not in PUBLIC_ENDPOINTS
    ]


def snapshot():
    """Return every row of every table, to prove a request changed nothing."""
    _db.session.expire_all()
    with _db.engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(select(t)).all())) for t in _db.metadata.sorted_tables}


@pytest.fixture
def world(db):
    owner, producer = make_producer_account()
    other, _other_producer = make_producer_account()
    shopper = make_user(role=Role.SHOPPER)
    office = make_user(role=Role.OFFICE)
    product = make_product(producer=producer, ingredients="Chè")
    batch = make_batch(product=product)
    issue, _pins = issue_stamps(batch, count=2, actor=owner)
    order = make_order(lines=[(product, 1)])
    photo = ProductImage(product=product, filename="photo.jpg", alt="Chè")
    cover = ProducerImage(producer=producer, filename="cover.jpg", alt="Đồi chè", is_cover=True)
    listing = ProductListing(product=product, marketplace=Marketplace.SHOPEE, url="https://shopee.vn/che")
    db.session.add_all([photo, cover, listing])
    review = make_review(product)
    outlet = create_outlet(OutletInput(name="Phòng trưng bày", kind="showroom", ward_code=5503), producer=producer)
    story = create_article(ArticleInput(title="Câu chuyện", body="…"), actor=owner, producer=producer)
    make_certificate(product=product)  # a 3–5★ product may carry video links
    clip = add_video(product, url="https://youtu.be/dQw4w9WgXcQ")
    tour = make_experience(producer=producer)  # a tourism product (group 6) taking bookings
    booking = make_booking(session_on(tour, next_saturday()))
    db.session.commit()
    args = {
        "product_id": product.id,
        "batch_id": batch.id,
        "issue_id": issue.id,
        "stamp_id": issue_stamps_list(issue)[0].id,
        "fulfilment_id": order.fulfilments[0].id,
        "name": "sales",
        "image_id": photo.id,
        "producer_image_id": cover.id,
        "review_id": review.id,
        "outlet_id": outlet.id,
        "listing_id": listing.id,
        "article_id": story.id,
        "tourism_product_id": tour.product_id,
        "experience_id": tour.id,
        "session_id": booking.session_id,
        "booking_id": booking.id,
        "video_id": clip.id,
    }
    return {"owner": owner, "other": other, "shopper": shopper, "office": office, "args": args}


def url_for_rule(rule, args):
    """The rule's URL with the matrix's records; a rule's defaults (one view behind several URLs) fill themselves."""
    fixed = rule.defaults or {}
    needed = rule.arguments - set(fixed)
    assert needed <= set(args), f"add a value for {needed - set(args)} to the matrix"
    return rule.build({**fixed, **{key: args[key] for key in needed}}, append_unknown=False)[1]


def call_every_route(client, app, args):
    """Yield (endpoint, method, response) for each route and method."""
    for endpoint, rule, methods in producer_routes(app):
        url = url_for_rule(rule, args)
        for method in methods:
            yield endpoint, rule, method, client.open(url, method=method, data={} if method == "POST" else None)


def test_the_matrix_covers_every_dashboard_feature(app):
    endpoints = {endpoint for endpoint, _rule, _methods in producer_routes(app)}
    assert len(endpoints) >= 25
    assert {
        "producer.index",
        "producer.product_edit",
        "producer.batch",
        "producer.stamp_sheet",
        "producer.fulfilment",
        "producer.analytics_csv",
        "producer.experience_rule_add",
        "producer.experience_session_add",
        "producer.experience_blackout_add",
    } <= endpoints


def test_anonymous_visitors_are_sent_to_login_and_change_nothing(client, app, world):
    before = snapshot()
    wrong = [
        (e, m, r.status_code, r.headers.get("Location"))
        for e, _rule, m, r in call_every_route(client, app, world["args"])
        if r.status_code != 302 or "/account/login" not in r.headers.get("Location", "")
    ]
    assert wrong == []
    assert snapshot() == before


@pytest.mark.parametrize("role", ["shopper", "office"])
def test_other_roles_get_403_everywhere_and_change_nothing(client, app, world, login, role):
    login(world[role])
    before = snapshot()
    wrong = [
        (e, m, r.status_code) for e, _rule, m, r in call_every_route(client, app, world["args"]) if r.status_code != 403
    ]
    assert wrong == []
    assert snapshot() == before


def test_another_producer_gets_404_for_every_object_and_changes_nothing(client, app, world, login):
    login(world["other"])
    before = snapshot()
    wrong = []
    for endpoint, rule, method, response in call_every_route(client, app, world["args"]):
        expected = {404} if rule.arguments & OBJECT_ARGUMENTS else {200, 302}
        if response.status_code not in expected:
            wrong.append((endpoint, method, response.status_code))
    assert wrong == []
    assert snapshot() == before


def test_the_owner_can_open_every_route(client, app, world, login):
    login(world["owner"])
    wrong = [
        (e, m, r.status_code)
        for e, _rule, m, r in call_every_route(client, app, world["args"])
        if r.status_code not in ({200} if m == "GET" else {200, 302})
    ]
    assert wrong == []


def test_a_producer_account_without_a_producer_gets_404(client, db, login):
    user = make_user(role=Role.PRODUCER)
    db.session.commit()
    login(user)
    assert client.get("/producer/").status_code == 404


def test_posting_without_a_csrf_token_is_refused(client, world, login):
    login(world["owner"])
    response = client.post(f"/producer/products/{world['args']['product_id']}/unpublish", data={}, csrf=False)
    assert response.status_code == 400


def test_registration_is_open_to_visitors_and_shoppers_but_not_the_office(client, world, login):
    assert client.get("/producer/register").status_code == 200
    login(world["shopper"])
    assert client.get("/producer/register").status_code == 200
    login.logout()
    login(world["office"])
    before = snapshot()
    assert client.get("/producer/register").status_code == 403
    assert client.post("/producer/register", data={}).status_code == 403
    assert snapshot() == before

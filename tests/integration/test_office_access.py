"""Only office users reach /office: every route, with every role."""

import pytest

from storefront.accounts.models import Role
from tests.factories import make_user


def office_routes(app):
    """Return (method, url) for every /office route, ids filled with 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/office"):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "x")
        routes.append((method, url))
    return routes


def test_the_office_has_routes_to_check(app):
    assert len(office_routes(app)) >= 20


def test_anonymous_visitors_are_sent_to_sign_in_from_every_office_route(app, client):
    for method, url in office_routes(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/account/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.PRODUCER])
def test_shoppers_and_producers_are_refused_every_office_route(app, client, db, login, role):
    user = make_user(role=role)
    db.session.commit()
    login(user)
    for method, url in office_routes(app):
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_office_users_reach_every_office_route(app, client, db, login):
    user = make_user(role=Role.OFFICE)
    db.session.commit()
    login(user)
    for method, url in office_routes(app):
        status = client.open(url, method=method).status_code
        # Ids that do not exist answer 404; actions redirect back; nothing is refused or breaks.
        assert status in {200, 302, 404}, (method, url, status)

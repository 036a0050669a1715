"""The resolver against the GS1-Conformant resolver standard (1.x), one test per SHALL/SHOULD we claim.

The linkset schema below is written here from the standard's text and RFC 9264 (GS1's own
schema file is the yardstick, not copied): a linkset is an object whose only member is
`linkset`, an array of link context objects; each has an absolute `anchor`, an
`itemDescription` (required by GS1), and link-type members whose names are registered relation
names or absolute URIs, each an array of target objects with an absolute `href` and a `title`
(SHALL), optionally `hreflang` (SHOULD), `type` (an IANA media type), `context`, `fwqs`, `public`,
and nothing else. GS1's suite is run against a server by hand (README "GS1 Digital Link resolver").
"""

import re
from urllib.parse import urlsplit

import jsonschema
import pytest
from sqlalchemy import func, select

from storefront.accounts.models import Role
from tests.factories import make_producer, make_user
from tests.factories_traceability import GTIN, make_traced_batch, scan
from traceability.models import Scan, Stamp, UnknownCodeScan
from traceability.stamps.services import issue_stamps, issue_stamps_list

BASE = "http://shop.test"
VOC = "https://gs1.org/voc/"
LINKSET_TYPE = "application/linkset+json"
JSONLD_CONTEXT_REL = 'rel="http://www.w3.org/ns/json-ld#context"'
ABSOLUTE_HTTP_URI = r"^https?://[^\s/?#]+[^\s]*$"

#: Link types of the GS1 Web Vocabulary (ref.gs1.org/voc, link types) this test accepts: the ones a
#: shop of food products could use. A link type outside it under the GS1 namespace fails the test.
GS1_LINK_TYPES = {
    "defaultLink",
    "defaultLinkMulti",
    "pip",
    "certificationInfo",
    "homepage",
    "traceability",
    "epcis",
    "recallStatus",
    "review",
    "leaveReview",
    "ingredientsInfo",
    "nutritionalInfo",
    "allergenInfo",
    "recipeInfo",
    "instructions",
    "productSustainabilityInfo",
    "masterData",
    "locationInfo",
    "promotion",
    "socialMedia",
    "faqs",
    "support",
}

TARGET_SCHEMA = {
    "type": "object",
    "required": ["href", "title"],
    "additionalProperties": False,
    "properties": {
        "href": {"type": "string", "pattern": ABSOLUTE_HTTP_URI},
        "title": {"type": "string", "minLength": 1},
        "hreflang": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
        },
        "type": {"type": "string", "pattern": r"^[a-z]+/[-+.\w]+$"},
        "context": {"type": "array"},
        "fwqs": {"type": "boolean"},
        "public": {"type": "boolean"},
    },
}

LINKSET_SCHEMA = {
    "type": "object",
    "required": ["linkset"],
    "additionalProperties": False,
    "properties": {
        "linkset": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["anchor", "itemDescription"],
                "properties": {
                    "anchor": {"type": "string", "pattern": ABSOLUTE_HTTP_URI},
                    "itemDescription": {"type": "string", "minLength": 1},
                },
                # Link types: a registered relation name (lower case) or an absolute URI.
                "patternProperties": {
                    r"^(?!anchor$)[a-z][a-z0-9.-]*$": {"type": "array", "minItems": 1, "items": TARGET_SCHEMA},
                    r"^https?://[^\s]+$": {"type": "array", "minItems": 1, "items": TARGET_SCHEMA},
                },
                "additionalProperties": False,
            },
        }
    },
}


@pytest.fixture
def codes(db):
    """A published certified lot with one serialized stamp: the GTIN, lot and serial URIs (paths)."""
    batch = make_traced_batch(lot_code="CTN2611-01")
    issue, _ = issue_stamps(batch, count=1, actor=None)
    stamp = issue_stamps_list(issue)[0]
    db.session.commit()
    lot = f"/01/{GTIN}/10/CTN2611-01"
    return {"gtin": f"/01/{GTIN}", "lot": lot, "serial": f"{lot}/21/{stamp.serial}", "batch": batch}


LEVELS = ["gtin", "lot", "serial"]


def _linkset(client, path):
    response = client.get(path, headers={"Accept": LINKSET_TYPE})
    assert response.status_code == 200 and response.mimetype == LINKSET_TYPE
    return response, response.get_json()


def _links(entry):
    return {key: value for key, value in entry.items() if key not in ("anchor", "itemDescription")}


# --- the linkset: RFC 9264, GS1's required members, GS1 link types -----------------------------


def test_the_schema_refuses_what_the_standard_forbids():
    """The schema written here is not a tautology: it rejects the linkset of issue 22."""
    old = {"linkset": [{"anchor": f"{BASE}/01/{GTIN}", VOC + "pip": [{"href": "/products/x", "title": "x"}]}]}
    with pytest.raises(jsonschema.ValidationError, match="itemDescription"):
        jsonschema.validate(old, LINKSET_SCHEMA)
    old["linkset"][0]["itemDescription"] = "Chè"
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        jsonschema.validate(old, LINKSET_SCHEMA)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("how", ["accept", "linkType"])
def test_the_linkset_is_valid_against_the_linkset_schema(client, codes, level, how):
    path = codes[level]
    if how == "accept":
        _response, linkset = _linkset(client, path)
    else:
        response = client.get(path + "?linkType=linkset")
        assert response.status_code == 200 and response.mimetype == LINKSET_TYPE  # SHALL NOT redirect
        linkset = response.get_json()
    jsonschema.validate(linkset, LINKSET_SCHEMA)
    (entry,) = linkset["linkset"]
    assert entry["anchor"] == BASE + path  # the subject is the uncompressed request URI
    assert "Chè Tân Cương đặc biệt" in entry["itemDescription"]


@pytest.mark.parametrize("level", LEVELS)
def test_link_types_are_from_the_gs1_web_vocabulary(client, codes, level):
    _response, linkset = _linkset(client, codes[level])
    for entry in linkset["linkset"]:
        for link_type in _links(entry):
            assert link_type.startswith(VOC), f"{link_type} is not a GS1 link type"
            assert link_type.removeprefix(VOC) in GS1_LINK_TYPES, link_type
    assert "brandHomepageClient" not in str(linkset)


@pytest.mark.parametrize("level", LEVELS)
def test_one_default_link_with_a_title_and_no_other_attribute(client, codes, level):
    _response, linkset = _linkset(client, codes[level])
    (entry,) = linkset["linkset"]
    (default,) = entry[VOC + "defaultLink"]
    assert set(default) == {"href", "title"} and default["title"]
    # "also described using a descriptive link type": the default is one of the typed links.
    assert any(default["href"] == t["href"] for k, ts in _links(entry).items() if k != VOC + "defaultLink" for t in ts)


def test_links_of_the_gtin_level_are_included_in_a_lot_linkset(client, codes):
    _r, gtin_set = _linkset(client, codes["gtin"])
    _r, lot_set = _linkset(client, codes["lot"])
    (gtin_entry,), (lot_entry,) = gtin_set["linkset"], lot_set["linkset"]
    for link_type, targets in _links(gtin_entry).items():
        if link_type != VOC + "defaultLink":
            assert lot_entry[link_type] == targets
    assert VOC + "traceability" in lot_entry and VOC + "traceability" not in gtin_entry


@pytest.mark.parametrize("level", LEVELS)
def test_the_linkset_answer_links_its_json_ld_context_which_is_served_as_json_ld(client, codes, level):
    response, _linkset_ = _linkset(client, codes[level])
    links = [part.strip() for part in response.headers["Link"].split(",")]
    (context_link,) = [part for part in links if JSONLD_CONTEXT_REL in part]
    assert 'type="application/ld+json"' in context_link
    url = re.match(r"<([^>]+)>", context_link).group(1)
    assert url.startswith(BASE + "/")
    context = client.get(urlsplit(url).path)
    assert context.status_code == 200 and context.mimetype == "application/ld+json"
    body = context.get_json()["@context"]
    assert body["gs1"] == VOC and body["anchor"] == "@id" and body["href"] == "@id"


def test_the_resolver_description_declares_the_linkset_context(client):
    data = client.get("/.well-known/gs1resolver").get_json()
    assert data["jsonLdContextLocation"] == BASE + "/gs1/linkset-context.jsonld"
    assert {t["profile"].removeprefix(VOC) for t in data["supportedLinkType"]} <= GS1_LINK_TYPES


# --- redirects: every link type, absolute Location, 404 for a link type not available ----------


@pytest.mark.parametrize("level", LEVELS)
def test_each_link_type_redirects_to_its_href_with_an_absolute_location(client, codes, level):
    path = codes[level]
    _response, linkset = _linkset(client, path)
    (entry,) = linkset["linkset"]
    for link_type, (target, *_more) in _links(entry).items():
        curie = "gs1:" + link_type.removeprefix(VOC)
        response = client.get(f"{path}?linkType={curie}")
        assert response.status_code == 307, curie
        assert response.headers["Location"] == target["href"], curie
        assert response.headers["Location"].startswith(BASE + "/")


def test_a_gtin_redirects_to_its_default_link_and_passes_the_query_on(client, codes):
    _response, linkset = _linkset(client, codes["gtin"])
    (default,) = linkset["linkset"][0][VOC + "defaultLink"]
    response = client.get(codes["gtin"])
    assert response.status_code == 307 and response.headers["Location"] == default["href"]
    response = client.get(codes["gtin"] + "?foo=bar")
    assert response.headers["Location"] == default["href"] + "?foo=bar"


def test_the_traceability_link_is_the_origin_page_and_gets_the_query_once(client, codes):
    response = client.get(codes["lot"] + "?linkType=gs1:traceability&17=271231&utm=x")
    location = urlsplit(response.headers["Location"])
    assert response.status_code == 307 and location.path == "/origin" + codes["lot"]
    assert sorted(location.query.split("&")) == ["17=271231", "utm=x"]


# --- the default link of a lot or serial: its origin page, redirected to ---------------------------


def _stored_scans(db):
    from flask import current_app

    buffer = current_app.extensions.get("scan_buffer")
    if buffer is not None:
        buffer.flush()
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Scan))


@pytest.mark.parametrize("level", ["lot", "serial"])
def test_a_lot_or_serial_redirects_to_its_default_link_the_origin_page(client, db, codes, level):
    """Resolver standard: one link is the default, and the resolver SHALL redirect to it (307, absolute)."""
    path = codes[level]
    _response, linkset = _linkset(client, path)
    (default,) = linkset["linkset"][0][VOC + "defaultLink"]
    assert default["href"] == f"{BASE}/origin{path}"
    for method in ("get", "head"):
        response = getattr(client, method)(path)
        assert response.status_code == 307 and response.headers["Location"] == default["href"], method
        assert response.headers["Link"] == f'<{BASE}{path}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert _stored_scans(db) == 0  # the redirect counts nothing: only the page's GET does
    page = client.get(urlsplit(default["href"]).path)
    assert page.status_code == 200 and 'data-testid="origin"' in page.get_data(as_text=True)
    assert page.headers["Link"] == f'<{BASE}{path}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
    assert f'<link rel="canonical" href="{BASE}/origin{codes["lot"]}">' in page.get_data(as_text=True)
    assert _stored_scans(db) == 1


@pytest.mark.parametrize("level", ["lot", "serial"])
def test_the_query_string_is_passed_on_to_the_origin_page(client, db, codes, level):
    """Resolver standard: by default, SHALL pass on all key=value pairs of the query string when redirecting."""
    path = codes[level]
    response = client.get(path + "?foo=bar&17=271231&utm_source=tem")
    assert response.status_code == 307
    assert response.headers["Location"] == f"{BASE}/origin{path}?foo=bar&17=271231&utm_source=tem"
    page = scan(client, path + "?foo=bar")
    assert page.status_code == 200 and 'data-testid="origin"' in page.get_data(as_text=True)


def test_a_stamp_printed_with_the_old_in_place_url_still_opens_its_page(client, db, codes):
    """Stamps already printed carry /01/…: they keep working, one redirect away, and count one scan."""
    stamp_path = codes["serial"] + f"?17={codes['batch'].expiry_date:%y%m%d}"
    assert scan(client, stamp_path).status_code == 200
    _stored_scans(db)
    serial = codes["serial"].rsplit("/", 1)[1]
    assert db.session.scalar(select(Stamp.scan_count).where(Stamp.serial == serial)) == 1


def test_the_origin_page_redirects_a_non_canonical_form_to_its_canonical_url(client, codes):
    lot, serial = codes["serial"].rsplit("/21/", 1)
    response = client.get(f"/origin{lot}/21/{serial.lower()}")  # Crockford base32: the same serial
    assert response.status_code == 301 and response.headers["Location"] == f"{BASE}/origin{codes['serial']}"
    response = client.get(f"/origin/01/{GTIN}")
    assert response.status_code == 307 and response.headers["Location"] == f"{BASE}/01/{GTIN}"
    assert client.get(f"/origin/01/{GTIN}/99/X").status_code == 400


@pytest.mark.parametrize("level", [*LEVELS, "walk_up"])
def test_a_link_type_not_available_is_a_404_page_in_the_visitors_language(client, codes, level):
    path = codes.get(level, f"/01/{GTIN}/10/KL8G")
    response = client.get(path + "?linkType=gs1:nosuchlt")
    assert response.status_code == 404 and "Location" not in response.headers
    page = response.get_data(as_text=True)
    assert 'lang="vi"' in page and "Không tìm thấy trang" in page and "gs1:nosuchlt" in page
    english = client.get(path + "?linkType=gs1:nosuchlt&lang=en")
    assert english.status_code == 404 and 'lang="en"' in english.get_data(as_text=True)
    assert 'rel="linkset"' in response.headers["Link"]


def test_a_link_type_only_a_lot_has_is_a_404_on_the_gtin(client, codes):
    assert client.get(codes["gtin"] + "?linkType=gs1:traceability").status_code == 404
    assert client.get(codes["gtin"] + "?linkType=gs1:epcis").status_code == 404


def test_a_link_type_given_as_a_full_gs1_uri_is_the_same_link_type(client, codes):
    response = client.get(codes["lot"], query_string={"linkType": "https://ref.gs1.org/voc/pip"})
    assert response.status_code == 307 and "/products/" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/gtin/08934567890120/lot/CTN2611-01", "/01/8934567890120/10/CTN2611-01"])
def test_a_redirect_to_the_canonical_uri_is_absolute_and_links_the_linkset(client, codes, path):
    response = client.get(path)
    assert response.status_code == 301 and response.headers["Location"] == BASE + codes["lot"]
    assert response.headers["Link"].startswith(f"<{BASE}{codes['lot']}?linkType=linkset>")


# --- the Link header: on OPTIONS, on redirects -----------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_options_and_redirects_expose_the_link_to_the_linkset(client, codes, level):
    path = codes[level]
    expected = f'<{BASE}{path}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
    options = client.options(path, headers={"Origin": "https://ref.gs1.org", "Access-Control-Request-Method": "GET"})
    assert options.status_code == 204 and options.headers["Link"] == expected
    assert {"GET", "HEAD", "OPTIONS"} <= set(
        options.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")
    )
    redirect = client.get(path + "?linkType=gs1:pip")
    assert redirect.status_code == 307 and redirect.headers["Link"] == expected


# --- trailing slash --------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_a_trailing_slash_is_answered_as_without_it(client, db, codes, level):
    path = codes[level]
    for query in ("", "?linkType=gs1:pip", "?linkType=linkset"):
        plain, slashed = client.get(path + query), client.get(path + "/" + query)
        assert slashed.status_code == plain.status_code != 301, (query, slashed.status_code)
        assert slashed.headers.get("Location") == plain.headers.get("Location")
        assert slashed.headers.get("Link") == plain.headers.get("Link")
        if plain.mimetype == LINKSET_TYPE:
            assert slashed.get_json() == plain.get_json()


# --- walk-up: unknown lot or serial of a known GTIN -------------------------------------------


@pytest.mark.parametrize(
    "suffix, warning",
    [
        ("/10/KL8G", "Lô KL8G không được cơ sở sản xuất đăng ký"),
        ("/10/CTN2611-01/21/ZZZZZZZZZZ", "Số sê-ri ZZZZZZZZZZ không được cơ sở sản xuất đăng ký cho lô CTN2611-01"),
        ("/10/KL8G/21/ZZZZZZZZZZ", "Lô KL8G không được cơ sở sản xuất đăng ký"),
        ("/21/ZZZZZZZZZZ", "Số sê-ri ZZZZZZZZZZ không được cơ sở sản xuất đăng ký: sản phẩm"),  # no lot at all
    ],
)
def test_an_unknown_lot_or_serial_walks_up_to_the_gtin_with_a_plain_warning(client, db, codes, suffix, warning):
    path = f"/01/{GTIN}{suffix}"
    response = scan(client, path, headers={"User-Agent": "Zalo"})  # the resolver's 307, then the page
    assert response.status_code == 200  # not 404: every key qualifier is supported
    page = response.get_data(as_text=True)
    assert warning in page and "sản phẩm có thể không chính hãng" in page
    assert 'action="/trace/report"' in page and path in page  # the report form, with the code
    assert f'href="{BASE}/products/' in page  # the GTIN's links
    assert 'data-testid="origin"' not in page  # never the origin page of a lot it is not
    assert response.headers["Link"] == f'<{BASE}{path}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
    (row,) = db.session.scalars(select(UnknownCodeScan)).all()
    assert (row.scanned_code, row.product_id, row.user_agent) == (path, codes["batch"].product_id, "Zalo")
    assert row.batch_id == (codes["batch"].id if "/10/CTN2611-01/" in suffix else None)
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 0


def test_the_walk_up_page_follows_the_visitors_language(client, codes):
    page = scan(client, f"/01/{GTIN}/10/KL8G?lang=en").get_data(as_text=True)
    assert 'lang="en"' in page and "is not registered by the producer" in page


def test_walk_up_gives_the_gtins_links_and_its_own_page_as_the_default(client, db, codes):
    # GS1's resolver test suite (defaultTarget): a person is redirected to the linkset's default link.
    path = f"/01/{GTIN}/10/KL8G"
    _response, linkset = _linkset(client, path)
    jsonschema.validate(linkset, LINKSET_SCHEMA)
    _response, gtin_set = _linkset(client, codes["gtin"])
    (entry,), (gtin_entry,) = linkset["linkset"], gtin_set["linkset"]
    assert entry["anchor"] == BASE + path
    (default,) = entry.pop(VOC + "defaultLink")
    assert default == {"href": f"{BASE}/origin{path}", "title": "Mã chưa được cơ sở sản xuất đăng ký"}
    person = client.get(path)
    assert person.status_code == 307 and person.headers["Location"] == default["href"]
    gtin_entry.pop(VOC + "defaultLink"), gtin_entry.pop("anchor"), entry.pop("anchor")
    assert entry == gtin_entry  # the GTIN's links, walked up
    pip = client.get(path + "?linkType=gs1:pip")
    assert pip.status_code == 307 and pip.headers["Location"] == gtin_entry[VOC + "pip"][0]["href"]
    asked = client.get(path + "?linkType=gs1:defaultLink")
    assert asked.status_code == 307 and asked.headers["Location"] == default["href"]
    assert client.get(path + "?linkType=gs1:traceability").status_code == 404  # no lot to trace
    # Only a person's page view is a scan: no linkset, redirect or HEAD counts.
    scan(client, path, method="head")
    assert db.session.scalar(select(func.count()).select_from(UnknownCodeScan)) == 0


def test_the_producer_sees_the_unknown_code_scans_of_its_products_and_the_office_sees_all(client, db, codes, login):
    scan(client, f"/01/{GTIN}/10/KL8G")
    scan(client, f"/01/{GTIN}/10/KL8G")
    owner = make_user(email="htx@example.com", role=Role.PRODUCER)
    codes["batch"].product.producer.owner = owner
    stranger = make_user(email="other@example.com", role=Role.PRODUCER)
    make_producer(owner=stranger, name="HTX Khác")
    office = make_user(email="office@example.com", role=Role.OFFICE)
    db.session.commit()
    login(owner)
    section = client.get("/producer/analytics").get_data(as_text=True).split('id="unknown_codes"')[1]
    assert f"/01/{GTIN}/10/KL8G" in section.split("</section>")[0]
    assert f"/01/{GTIN}/10/KL8G" in client.get("/producer/analytics/unknown_codes.csv").get_data(as_text=True)
    login.logout()
    login(stranger)
    assert f"/01/{GTIN}/10/KL8G" not in client.get("/producer/analytics").get_data(as_text=True)
    login.logout()
    login(office)
    page = client.get("/office/reports").get_data(as_text=True)
    section = page.split('data-testid="unknown-codes"')[1]
    assert f"/01/{GTIN}/10/KL8G" in section and "<td>2</td>" in section


def test_an_unknown_gtin_and_an_unpublished_lot_stay_404_and_record_nothing(client, db, codes):
    assert scan(client, "/01/08934567890137/10/KL8G").status_code == 404
    hidden = make_traced_batch(lot_code="CTN2612-01", is_published=False, product=codes["batch"].product)
    db.session.commit()
    response = scan(client, f"/01/{GTIN}/10/{hidden.lot_code}")
    assert response.status_code == 404 and 'data-testid="unpublished"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(UnknownCodeScan)) == 0

"""Property: no request to any route, by any role, with any query, form or path value, gets a 5xx.

Walks every rule in app.url_map; path values, query strings and form bodies come from
Hypothesis, mixing real ids and slugs (so requests reach the database) with hostile values:
NUL and other controls, numbers past bigint, unicode, keys that clash with url_for's own.
Deterministic (derandomize) and bounded: FUZZ_EXAMPLES examples per rule and role.
"""

import os
import re
import time
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from storefront.accounts.models import Role
from tests.factories import make_batch, make_certificate, make_user
from tests.factories_checkout import make_order
from tests.factories_office import make_evaluation, make_office_user
from tests.factories_producer import make_producer_account
from tests.factories_traceability import GTIN, make_traced_product
from traceability.stamps.services import issue_stamps

#: Examples per rule and role (the explicit hostile ones come on top).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
ROLES = ("anonymous", "shopper", "producer", "office")
#: Routes a role skips: signing out would make the rest of the walk anonymous.
SKIP = {"static", "accounts.logout"}

HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "\x01\x1f",
    "\x7f",
    "%00",
    "\ud7ff",
    "\u200bChè",
    "Chè Tân Cương",
    "ﷺ",
    "𝔘𝔫𝔦",
    "x" * 5000,
    "99999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "１２",
    "1e309",
    "NaN",
    " ",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{7*7}}",
    "%(n)s",
    "TN-",
    "01/",
    "",
]
#: Keys url_for takes for itself, plus the app's own query parameters.
RESERVED_KEYS = ["endpoint", "_method", "_external", "_anchor", "_scheme", "values", "slug", "code", "filename"]
QUERY_KEYS = RESERVED_KEYS + [
    "q",
    "page",
    "per_page",
    "group",
    "stars",
    "ward",
    "district",
    "price_min",
    "price_max",
    "in_stock",
    "sort",
    "lang",
    "status",
    "actor",
    "action",
    "from",
    "to",
    "size",
    "fmt",
    "province",
    "product_id",
    "next",
    "session_id",
    "linkType",
    "limit",
    "format",
    "days",
]
HUGE_INTS = [0, 1, 2**31, 2**63, 10**30]


def form_field_names() -> list[str]:
    """Every field name of every form class the app defines (the names its views read)."""
    from flask_wtf import FlaskForm

    names, stack = set(), list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names.update(name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField))
    return sorted(names)


def build_world(db):
    """One of everything a route can name: users of each role, a traced product, an order, a stamp."""
    shopper = make_user(role=Role.SHOPPER)
    producer_user, producer = make_producer_account()
    office = make_office_user()
    product = make_traced_product(producer=producer)
    batch = make_batch(product=product, lot_code="L2026")
    certificate = make_certificate(product=product)
    order = make_order([(product, 1)], user=shopper)
    evaluation = make_evaluation(product=product, chair=office)
    db.session.flush()
    issue, _pins = issue_stamps(batch, count=2, serialized=True, with_pin=True)
    db.session.commit()
    ids = [
        1,
        product.id,
        batch.id,
        certificate.id,
        order.id,
        evaluation.id,
        issue.id,
        producer.id,
        order.fulfilments[0].id,
        order.payments[0].id,
    ]
    texts = [
        product.slug,
        producer.slug,
        order.code,
        batch.lot_code,
        "about",
        "vi",
        "en",
        "products",
        GTIN,
        f"{GTIN}/10/{batch.lot_code}",
        f"{GTIN}/10/{batch.lot_code}/21/1",
    ]
    users = {"shopper": shopper, "producer": producer_user, "office": office}
    return ids, texts, users


def path_template(rule) -> tuple[str, list[tuple[str, str]]]:
    """Return the rule as a format string and its (converter kind, name) pairs, in order."""
    parts = []

    def placeholder(match):
        converter, _, name = match.group(1).rpartition(":")
        parts.append((converter.split("(")[0] or "default", name))
        return "{}"

    return re.sub(r"<([^>]+)>", placeholder, rule.rule.replace("{", "{{").replace("}", "}}")), parts


HOSTILE_QUERY = [(key, "x\x00") for key in RESERVED_KEYS] + [
    ("page", "99999999999999999999"),
    ("q", "a\x00\u200b"),
    ("per_page", "10" * 20),
    ("lang", "\x00"),
]


def real_values(parts, ids, texts) -> list[str]:
    """Path values that name real rows: the first id, or a text that fits the parameter's name."""
    by_name = {
        "slug": texts[0],
        "code": texts[2],
        "name": "about",
        "rest": texts[9],
        "filename": "x.jpg",
        "serial": "1",
    }
    return [
        str(ids[1]) if kind == "int" else quote(by_name.get(name, texts[0]), safe="/" if kind == "path" else "")
        for kind, name in parts
    ]


def hostile_values(parts) -> list[str]:
    return [str(10**30) if kind == "int" else quote("a\x00b\u200b", safe="") for kind, _name in parts]


def text_values():
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30))


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_a_server_error(app, db, client, login, role):
    ids, texts, users = build_world(db)
    if role != "anonymous":
        login(users[role])
    fields = form_field_names()
    path_text = st.one_of(st.sampled_from(texts), text_values())
    path_int = st.one_of(st.sampled_from(ids), st.sampled_from(HUGE_INTS), st.integers(min_value=0))
    query = st.lists(
        st.tuples(
            st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=8)),
            st.one_of(text_values(), st.sampled_from([str(i) for i in ids + HUGE_INTS])),
        ),
        max_size=5,
    )
    form = st.dictionaries(
        st.sampled_from(fields + RESERVED_KEYS),
        st.one_of(text_values(), st.sampled_from([str(i) for i in ids + HUGE_INTS] + texts)),
        max_size=8,
    )
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint not in SKIP), key=lambda r: r.rule)
    tried = 0
    timings = []

    for rule in rules:
        template, parts = path_template(rule)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def request_once(data):
            nonlocal tried
            values = []
            for kind, _name in parts:
                if kind == "int":
                    values.append(str(data.draw(path_int)))
                else:
                    values.append(quote(data.draw(path_text), safe="/" if kind == "path" else ""))
            url = template.format(*values)
            pairs = data.draw(query)
            if pairs:
                url += "?" + urlencode(pairs)
            method = data.draw(st.sampled_from(methods))
            body = data.draw(form) if method == "POST" else None
            response = client.open(url, method=method, data=body)
            tried += 1
            assert response.status_code < 500, f"{role}: {method} {url} {body!r} -> {response.status_code}"

        started = time.perf_counter()
        # Then the same hostile request every time: each path value real and hostile, every
        # reserved key and a page past bigint in the query, every form field with a NUL.
        for path_values in (real_values(parts, ids, texts), hostile_values(parts)):
            url = template.format(*path_values) + "?" + urlencode(HOSTILE_QUERY)
            for method in methods:
                body = dict.fromkeys(fields, "x\x00\x01y") if method == "POST" else None
                response = client.open(url, method=method, data=body)
                tried += 1
                assert response.status_code < 500, f"{role}: {method} {url} (all fields NUL) -> {response.status_code}"
        request_once()
        timings.append((time.perf_counter() - started, rule.rule))

    print(f"{role}: {len(rules)} routes, {tried} requests; slowest: {sorted(timings)[-5:]}")

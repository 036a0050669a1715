"""Property: no header, cookie or uploaded file gets a 5xx, whatever its value (issue 15).

test_no_server_errors.py fuzzes path values, queries and form bodies; this file fuzzes the rest
of a request. Every rule of app.url_map, as each role, gets generated common headers:
Accept-Language, Accept, Cookie (junk, tampered and validly signed junk session, remember and
lang values, beside the role's real session), Host, X-Forwarded-* (behind one trusted proxy),
Range, If-None-Match, If-Modified-Since, a region header, and POST bodies sent with odd
Content-Types and charsets. Every upload (product and producer photos, office decision scans,
both CSV imports) gets generated files: random bytes, truncated and mislabelled images,
PDF headers over junk, CSV in other encodings with NUL bytes, huge cells and odd filenames.
Deterministic (derandomize) and bounded: FUZZ_HEADER_EXAMPLES per rule and role,
FUZZ_UPLOAD_EXAMPLES per upload, each plus fixed hostile requests.
"""

import io
import os
import re
import struct
import time
import zlib
from datetime import date
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer

from tests.factories_producer import image_bytes
from tests.fuzz.test_no_server_errors import ROLES, SKIP, build_world, path_template, real_values

HEADER_EXAMPLES = int(os.environ.get("FUZZ_HEADER_EXAMPLES", "2"))
UPLOAD_EXAMPLES = int(os.environ.get("FUZZ_UPLOAD_EXAMPLES", "8"))

#: What a server hands on of a header's bytes (latin-1; gunicorn refuses controls, NUL and CR/LF).
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=40)
utf8_header = st.text(st.characters(min_codepoint=0x20, blacklist_categories=("Cc", "Cs")), max_size=12).map(
    lambda s: s.encode("utf-8").decode("latin-1")  # UTF-8 bytes as a server hands them on
)


def _junk(samples: list[str]):
    return st.one_of(st.sampled_from(samples), header_text, utf8_header)


ACCEPT_LANGUAGE = ["vi", "en", "en-US,en;q=0.9", "*", "vi;q=abc", "xx-YY", ",,,", "en;q=2", "q=0.5", "vi-VN;q=-1"]
ACCEPT = ["application/linkset+json", "*/*", "text/html;q=0", "application/json", "*/*;q=x", "text/*, */*;q=", "/"]
HOSTS = ["shop.test", "localhost", "evil.example", "shop.test:99999", "[::1]", "a..b", "shop.test:abc", "xn--", "_"]
FORWARDED_FOR = ["1.2.3.4", "1.2.3.4, 5.6.7.8", "junk", "::1", "999.999.999.999", "", ",", "[::1]:80"]
FORWARDED_PROTO = ["https", "http", "ftp", "", "HTTPS, http", "https,https,https"]
RANGES = ["bytes=0-", "bytes=-1", "bytes=0-0,5-6", "bytes=99999999999999999999-", "bytes=5-1", "bytes=", "items=0-1"]
ETAGS = ['"abc"', 'W/"x"', "*", '"', "junk", '"a", W/"b", *', 'W/""']
DATES = ["Thu, 01 Jan 1970 00:00:00 GMT", "yesterday", "Sat, 99 Foo 99999 99:99:99 GMT", "0", "-1"]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded; charset=utf-7",
    "application/x-www-form-urlencoded; charset=nonsense",
    "application/x-www-form-urlencoded; charset=utf-16",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=x",
    "text/plain; charset=latin-1",
    "application/json; charset=latin-1",
    "application/json",
    "application/x-www-form-urlencoded;;;",
    "",
]
COOKIE_NAMES = ["session", "remember_token", "lang", "csrf_token", "session "]


def header_sets():
    return st.fixed_dictionaries(
        {},
        optional={
            "Accept-Language": _junk(ACCEPT_LANGUAGE),
            "Accept": _junk(ACCEPT),
            "Host": _junk(HOSTS),
            "X-Forwarded-For": _junk(FORWARDED_FOR),
            "X-Forwarded-Proto": _junk(FORWARDED_PROTO),
            "X-Forwarded-Host": _junk(HOSTS),
            "X-Forwarded-Port": _junk(["443", "abc", "99999999", "-1"]),
            "X-Forwarded-Prefix": _junk(["/shop", "//evil.example", "../", "/%00"]),
            "Range": _junk(RANGES),
            "If-Range": _junk(ETAGS + DATES),
            "If-None-Match": _junk(ETAGS),
            "If-Modified-Since": _junk(DATES),
            "X-Region": _junk(["VN-19", "VN-01", "", "x" * 300]),
            "Referer": _junk(["https://shop.test/", "javascript:alert(1)", "//evil.example"]),
            "User-Agent": _junk(["", "Mozilla/5.0", "x" * 2000]),
            "Origin": _junk(["https://evil.example", "null"]),
            "X-CSRFToken": _junk(["", "a.b.c"]),
        },
    )


class Cookies:
    """The role's real cookies and signed junk to send beside (or instead of) them."""

    def __init__(self, app, client):
        self.real = {name: client.get_cookie(name).value for name in COOKIE_NAMES if client.get_cookie(name)}
        session = app.session_interface.get_signing_serializer(app)
        with app.test_request_context():
            from flask_login.utils import encode_cookie

            self.signed = [
                session.dumps({"lang": "\x00"}),
                session.dumps({"lang": "xx", "_user_id": "99999999999999999999:x", "_fresh": True}),
                # Values of the kinds the app writes, in shapes it does not (an older release's cookie).
                session.dumps({"_user_id": "1:", "csrf_token": "x", "_fresh": "x"}),
                session.dumps({"checkout": "x", "cart": ["x"], "_id": None}),
                session.dumps(
                    {"checkout": {"step": 99}, "cart": {"1": [1], "x": [1, 2], "99999999999999999999": [1, 1]}}
                ),
                encode_cookie("99999999999999999999:token"),
                encode_cookie("1:" + "x" * 500),
                encode_cookie("\x00:\x00"),
                encode_cookie(""),
                URLSafeTimedSerializer("not the key").dumps({"_user_id": "1"}),
            ]
        values = [*self.real.values(), *self.signed, "", "x", "a|b", "." * 10, "e30.AAAA.BBBB"]
        self.values = _junk(values)

    def header(self, keep_real: bool, pairs: list[tuple[str, str]]) -> str:
        sent = list(self.real.items()) if keep_real else []
        sent += pairs
        return "; ".join(f"{name}={value}" for name, value in sent)


def _send(raw, method, url, headers, body):
    response = raw.open(url, method=method, headers=headers, data=body, csrf=False)  # the body carries its token
    response.close()
    return response.status_code


@pytest.fixture
def app_config(app_config):
    # Behind one trusted proxy: X-Forwarded-* are read, as in production; a trusted region header.
    app_config.update(TRUSTED_PROXIES=1, SCAN_REGION_HEADER="X-Region")
    return app_config


@pytest.mark.parametrize("role", ROLES)
def test_no_header_or_cookie_gets_a_server_error(app, db, client, login, role):
    ids, texts, users = build_world(db)
    if role != "anonymous":
        login(users[role])
    csrf = client.csrf_token()
    cookies = Cookies(app, client)
    raw = app.test_client(use_cookies=False)
    cookie_pairs = st.lists(
        st.tuples(st.one_of(st.sampled_from(COOKIE_NAMES), header_text), cookies.values), max_size=4
    )
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint not in SKIP | {"static"}), key=lambda r: r.rule)
    tried, started = 0, time.perf_counter()

    for rule in rules:
        template, parts = path_template(rule)
        url = template.format(*real_values(parts, ids, texts))
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})

        @settings(
            max_examples=HEADER_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            headers=header_sets(),
            keep_real=st.booleans(),
            pairs=cookie_pairs,
            method=st.sampled_from(methods),
            content_type=st.one_of(st.none(), _junk(CONTENT_TYPES)),
            charset_body=st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1258"]),
        )
        def request_once(headers, keep_real, pairs, method, content_type, charset_body):
            nonlocal tried
            headers = {**headers, "Cookie": cookies.header(keep_real, pairs)}
            body = None
            if method == "POST":
                form = urlencode({"csrf_token": csrf, "q": "Chè Tân Cương", "email": "lan@example.vn"})
                body = form.encode(charset_body, "replace")
                if content_type is not None:
                    headers["Content-Type"] = content_type
                else:
                    headers["Content-Type"] = f"application/x-www-form-urlencoded; charset={charset_body}"
            status = _send(raw, method, url, headers, body)
            tried += 1
            assert status < 500, f"{role}: {method} {url} {headers!r} -> {status}"

        request_once()
    # A hostile set on every rule: each header at its worst; each cookie name carries one signed junk
    # value in turn (a server reads the first of a name, so one at a time).
    hostile = {
        "Accept-Language": "vi;q=abc,,,*;q=2",
        "Accept": "application/linkset+json;q=x",
        "Host": "shop.test:abc",
        "X-Forwarded-For": "999.999.999.999, junk",
        "X-Forwarded-Proto": "ftp",
        "X-Forwarded-Host": "[::1",
        "X-Forwarded-Port": "99999999",
        "X-Forwarded-Prefix": "//evil.example",
        "Range": "bytes=99999999999999999999-",
        "If-Range": '"',
        "If-None-Match": '"a", W/"b", *',
        "If-Modified-Since": "Sat, 99 Foo 99999 99:99:99 GMT",
        "X-Region": "x" * 300,
    }
    for n, rule in enumerate(rules):
        template, parts = path_template(rule)
        url = template.format(*real_values(parts, ids, texts))
        signed = cookies.signed[n % len(cookies.signed)]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            headers = {**hostile, "Cookie": cookies.header(n % 2 == 0, [(name, signed) for name in COOKIE_NAMES])}
            body = None
            if method == "POST":
                headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-7"
                body = urlencode({"csrf_token": csrf, "q": "x"}).encode()
            status = _send(raw, method, url, headers, body)
            tried += 1
            assert status < 500, f"{role}: {method} {url} (hostile headers) -> {status}"
    print(f"{role}: {len(rules)} routes, {tried} requests in {time.perf_counter() - started:.1f} s")


# --- uploads -----------------------------------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims any size: signature, IHDR, one tiny IDAT and IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
WEBP = image_bytes("WEBP")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
IMAGE_SAMPLES = [
    PNG,
    JPEG,
    WEBP,
    PNG[: len(PNG) // 2],
    JPEG[:40],
    _png_header(20000, 20000),
    _png_header(0, 0),
    _png_header(2**31 - 1, 1),
    b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>",
    b"GIF89a" + b"\0" * 20,
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    PDF,
    b"",
]
PDF_SAMPLES = [PDF, PDF[:30], b"%PDF-1.4\n<html><script>alert(1)</script>", b"%PDF-9.9\n" + b"\xff" * 100, PNG, b""]
CSV_TEXT = [
    "product,stars,score,valid_until\n",
    "name_vi,price_vnd,unit,ocop_group\n",
    "\ufeffname_vi,price_vnd\nChè\x00,12\n",
    "a,b\n" + "x" * 200_000 + ",1\n",
    'name_vi,price_vnd\n"unclosed,1\n',
    "name_vi,price_vnd,unit,ocop_group\n=cmd|' /C calc'!A0,99999999999999999999,hộp,1\n",
    "product,stars,score,valid_until\n\x00,\x00,\x00,\x00\n",
    "product,stars,score,valid_until\n1,5,101,2026-02-30\n1,9999999999999999999,-1,0000-00-00\n",
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n" * 50,
]
FILENAMES = [
    "a.png",
    "",
    "../../etc/passwd",
    "a\x00.png",
    "ảnh sản phẩm.jpg",
    "x" * 300 + ".png",
    ".png",
    "a.PDF",
    "a.csv",
]
FILE_TYPES = ["image/png", "image/jpeg", "application/pdf", "text/csv", "application/octet-stream", "text/html", ""]


def image_files():
    return st.one_of(st.sampled_from(IMAGE_SAMPLES), st.binary(max_size=300))


def pdf_files():
    return st.one_of(st.sampled_from(PDF_SAMPLES), st.sampled_from(IMAGE_SAMPLES), st.binary(max_size=300))


def csv_files():
    encoded = st.tuples(
        st.one_of(st.sampled_from(CSV_TEXT), st.text(max_size=200)),
        st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258", "latin-1"]),
    ).map(lambda t: t[0].encode(t[1], "replace"))
    return st.one_of(encoded, st.binary(max_size=300))


def _decision_fields(product_id: int) -> dict:
    return {
        "product_id": str(product_id),
        "stars": "4",
        "criteria_set": "148/2023",
        "issuing_level": "province",
        "issuing_body": "UBND tỉnh Thái Nguyên",
        "decision_number": "123/QĐ-UBND",
        "decision_date": date(2026, 5, 4).isoformat(),
    }


def _uploads(ids_by_name: dict) -> list[tuple[str, str, dict, str, object]]:
    """(role, url, other fields, file field, file strategy) for every upload the app takes."""
    product_id, evaluation_id = ids_by_name["product"], ids_by_name["evaluation"]
    product = {"name_vi": "Chè búp", "ocop_group": "1", "price_vnd": "120000", "unit": "hộp"}
    return [
        ("producer", f"/producer/products/{product_id}/images", {"photo-alt": "Ảnh"}, "photo-image", image_files()),
        ("producer", "/producer/profile/images?cover=1", {"cover-alt": "Ảnh"}, "cover-image", image_files()),
        ("producer", "/producer/profile/images", {}, "photo-image", image_files()),
        ("producer", "/producer/products/new", product, "image", image_files()),
        ("producer", f"/producer/products/{product_id}/edit", product, "image", image_files()),
        ("producer", "/producer/products/import", {"mode": "valid"}, "file", csv_files()),
        ("office", "/office/certificates/new", _decision_fields(product_id), "document", pdf_files()),
        (
            "office",
            f"/office/evaluations/{evaluation_id}/certify",
            _decision_fields(product_id),
            "document",
            pdf_files(),
        ),
        ("office", "/office/certificates/import", _decision_fields(product_id), "file", csv_files()),
        # An article's cover (the producer's story form stores it through the same articles.set_cover).
        ("office", "/office/articles/new", {"title": "Tin OCOP", "body": "Nội dung."}, "cover", image_files()),
    ]


def test_no_upload_gets_a_server_error(app, db, client, login):
    ids, _texts, users = build_world(db)
    ids_by_name = {"product": ids[1], "evaluation": ids[5]}
    targets = _uploads(ids_by_name)
    tried, started, signed_in = 0, time.perf_counter(), None
    for role, url, fields, file_field, contents in targets:
        if signed_in != role:
            if signed_in is not None:
                login.logout()
            login(users[role])
            signed_in = role

        @settings(
            max_examples=UPLOAD_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            content=contents,
            filename=st.one_of(st.sampled_from(FILENAMES), st.text(max_size=20)),
            mimetype=st.one_of(st.sampled_from(FILE_TYPES), header_text),
            twice=st.booleans(),
        )
        def upload_once(content, filename, mimetype, twice):
            nonlocal tried
            files = [(io.BytesIO(content), filename, mimetype)]
            if twice:  # the same field twice: a form reads the first
                files.append((io.BytesIO(content[::-1]), filename, mimetype))
            response = client.post(url, data={**fields, file_field: files}, content_type="multipart/form-data")
            tried += 1
            assert response.status_code < 500, (
                f"{role}: POST {url} {file_field}={content[:60]!r} -> {response.status_code}"
            )

        upload_once()
        # Every fixed sample for the field, each with a hostile name and type.
        samples = CSV_TEXT if file_field == "file" else (PDF_SAMPLES if file_field == "document" else IMAGE_SAMPLES)
        for sample in samples:
            content = sample.encode("utf-8") if isinstance(sample, str) else sample
            for filename in ("a\x00.png", "../../x" + ".png"):
                data = {**fields, file_field: (io.BytesIO(content), filename, "text/html")}
                response = client.post(url, data=data, content_type="multipart/form-data")
                tried += 1
                assert response.status_code < 500, f"{role}: POST {url} {content[:60]!r} -> {response.status_code}"
    print(f"uploads: {len(targets)} upload routes, {tried} requests in {time.perf_counter() - started:.1f} s")


def test_the_fuzzed_uploads_are_every_file_field_the_app_has(app):
    """A new upload field must be added to _uploads: every FileField name of every form is covered."""
    from flask_wtf import FlaskForm
    from flask_wtf.file import FileField

    fields, stack = set(), list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        fields |= {
            (cls.__name__, name) for name in dir(cls) if getattr(getattr(cls, name), "field_class", None) is FileField
        }
    covered = {re.sub(r"^(photo|cover)-", "", target[3]) for target in _uploads({"product": 1, "evaluation": 1})}
    assert {name for _cls, name in fields} <= covered, fields

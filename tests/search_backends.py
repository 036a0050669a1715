"""The search backends a test run can exercise: PostgreSQL's only on the PostgreSQL leg (it needs the database)."""

import os

BACKENDS = ["whoosh", "postgres"] if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql") else ["whoosh"]


def make_doc(id, name, **kw):
    """Return a search document as catalog/indexing.py builds one, with plain defaults."""
    doc = {
        "id": id,
        "name": name,
        "name_en": "",
        "producer": "HTX Nông nghiệp",
        "group": "1",
        "group_name": "Thực phẩm",
        "commune": "",
        "district_legacy": "",
        "description": "",
        "ward_code": "05500",
        "stars": 3,
        "price_vnd": 100_000,
        "in_stock": True,
    }
    doc.update(kw)
    return doc


DOCS = [
    make_doc(1, "Chè Tân Cương búp", commune="Tân Cương", stars=5, price_vnd=300_000),
    make_doc(2, "Miến dong Việt Cường", district_legacy="Đại Từ", stars=4, price_vnd=60_000),
    make_doc(3, "Chè đậu xanh", group="2", group_name="Đồ uống", stars=0, in_stock=False),
    make_doc(4, "Mật ong hoa rừng Võ Nhai", producer="HTX Mật ong Tràng Xá", ward_code="05700"),
    make_doc(5, "Gạo nếp vải", description="Gạo nếp thơm trồng hữu cơ ở La Bằng", stars=4),
    make_doc(6, "Trà xanh túi lọc", name_en="Green tea bags", description="Làm từ chè búp"),
]

"""OCOP product groups of Decision 148/QĐ-TTg (2023) and the 2019 seed's five groups."""

from flask_babel import lazy_gettext as _l

#: code -> (Vietnamese name via gettext)
GROUPS = {
    1: _l("Thực phẩm"),
    2: _l("Đồ uống"),
    3: _l("Thảo dược"),
    4: _l("Thủ công mỹ nghệ"),
    5: _l("Sinh vật cảnh"),
    6: _l("Dịch vụ du lịch cộng đồng"),
}

#: The 2019 Thái Nguyên seed used five groups; map them onto the 148/2023 codes.
LEGACY_2019_GROUPS = {
    "thực phẩm": 1,
    "đồ uống": 2,
    "thảo dược": 3,
    "vải và may mặc": 4,
    "lưu niệm - nội thất - trang trí": 4,
    "dịch vụ du lịch nông thôn": 6,
}

#: Community tourism services: a visit booked by session, with no stock, lots or stamps.
VISIT_GROUP = 6

#: Groups whose product page shows ingredients, usage and storage.
GROUPS_WITH_CONSUMER_INFO = {1, 2, 3}


def group_name(code: int) -> str:
    return str(GROUPS.get(int(code), ""))

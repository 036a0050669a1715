"""Demo fairs: one coming up, one past, both `is_demo`, named "(minh hoạ)" and dated from the seeding day.

They look like the province's real tea festival and a commune fair, but their dates, venues and the
producers taking part are made up; they go through the real service, so every rule the office meets applies.
"""

from datetime import date, timedelta

from storefront.events.models import EventLevel
from storefront.events.services import EventInput, create_event, showable_products

#: (name, level, days from the seeding day, length in days, venue, ward, lat, lon, description, products shown:
#: names starting with these words).
DEMO_EVENTS = (
    (
        "Festival Trà Thái Nguyên (minh hoạ)",
        EventLevel.PROVINCE,
        25,
        4,
        "Quảng trường Võ Nguyên Giáp (địa điểm minh hoạ)",
        5443,
        21.5925,
        105.8447,
        "Sự kiện minh hoạ (demo) theo mẫu Festival Trà của tỉnh: gian hàng chè Tân Cương, trình diễn sao chè "
        "bằng tay, thi pha trà.\n\nNgày, địa điểm và các cơ sở tham gia là dữ liệu mẫu, không phải lịch chính thức.",
        ("Chè", "Trà"),
    ),
    (
        "Hội chợ sản phẩm OCOP xã Tân Cương (minh hoạ)",
        EventLevel.COMMUNE,
        -45,
        3,
        "Sân vận động xã (địa điểm minh hoạ)",
        5503,
        21.5600,
        105.7650,
        "Sự kiện minh hoạ (demo): hội chợ cấp xã giới thiệu chè và đặc sản địa phương.",
        ("Chè", "Mật ong"),
    ),
)
#: At most this many products per demo fair, so the page stays readable.
MAX_PRODUCTS = 8


def seed_events(today: date) -> int:
    """Record the demo fairs through the events service; flush only. Return how many."""
    products = showable_products()
    count = 0
    for name, level, offset, days, venue, ward, lat, lon, text, prefixes in DEMO_EVENTS:
        shown = [p for p in products if p.name_vi.startswith(prefixes)][:MAX_PRODUCTS]
        start = today + timedelta(days=offset)
        data = EventInput(
            name=name,
            level=level.value,
            starts_on=start,
            ends_on=start + timedelta(days=days - 1),
            ward_code=ward,
            venue=venue,
            latitude=lat,
            longitude=lon,
            description=text,
            product_ids=tuple(p.id for p in shown),
        )
        create_event(data, is_demo=True)
        count += 1
    return count

"""Demo points of sale: eight in Thái Nguyên, the provincial OCOP centre among them, all `is_demo`.

Names, street lines, hours, phone numbers and coordinates are made up (near the named ward); they go
through the real service, so every rule a producer or the office meets applies to them too.
"""

from sqlalchemy import select

from storefront.catalog.models import Producer
from storefront.extensions import db
from storefront.outlets.models import OutletKind
from storefront.outlets.services import OutletInput, create_outlet, stockable_products

#: (name, kind, ward code, street, lat, lon, hours, phone, run by (producer name or None), what it stocks).
DEMO_OUTLETS = (
    (
        "Trung tâm Giới thiệu và Bán sản phẩm OCOP tỉnh Thái Nguyên",
        OutletKind.PROVINCIAL_CENTRE,
        5443,
        "Đường Hoàng Văn Thụ (địa chỉ minh hoạ)",
        21.5928,
        105.8442,
        "7:30–21:00 hằng ngày",
        "0208 3600 001",
        None,
        "all",
    ),
    (
        "Phòng trưng bày chè HTX Chè Hảo Đạt",
        OutletKind.SHOWROOM,
        5503,
        "Xóm Nam Tiến (địa chỉ minh hoạ)",
        21.5580,
        105.7590,
        "7:00–18:00, cả Chủ nhật",
        "0912 000 101",
        "HTX Chè Hảo Đạt",
        "own",
    ),
    (
        "Cửa hàng OCOP Khu du lịch Hồ Núi Cốc",
        OutletKind.TOURIST_SHOP,
        5830,
        "Cổng khu du lịch (địa chỉ minh hoạ)",
        21.6060,
        105.7050,
        "8:00–18:00 hằng ngày",
        "0208 3600 002",
        None,
        "Chè",
    ),
    (
        "Cửa hàng OCOP Khu di tích ATK Định Hóa",
        OutletKind.TOURIST_SHOP,
        5569,
        "Khu di tích ATK (địa chỉ minh hoạ)",
        21.9070,
        105.6370,
        "7:30–17:30 hằng ngày",
        "0208 3600 003",
        None,
        "Miến",
    ),
    (
        "Quầy sản phẩm OCOP – Siêu thị Quyết Thắng",
        OutletKind.SUPERMARKET,
        5455,
        "Đường Quang Trung (địa chỉ minh hoạ)",
        21.5860,
        105.8100,
        "8:00–22:00 hằng ngày",
        "0208 3600 004",
        None,
        "all",
    ),
    (
        "Cửa hàng tiện lợi OCOP Sông Công",
        OutletKind.CONVENIENCE_STORE,
        5518,
        "Đường Thắng Lợi (địa chỉ minh hoạ)",
        21.4880,
        105.8470,
        "6:00–23:00 hằng ngày",
        "0208 3600 005",
        None,
        "Chè",
    ),
    (
        "Quầy hàng OCOP chợ Thái",
        OutletKind.MARKET_STALL,
        5443,
        "Chợ Thái, quầy số 12 (địa chỉ minh hoạ)",
        21.5935,
        105.8465,
        "6:00–18:00 hằng ngày",
        "0912 000 102",
        None,
        "Miến",
    ),
    (
        "Cửa hàng OCOP Hồ Ba Bể",
        OutletKind.TOURIST_SHOP,
        1906,
        "Bến thuyền Hồ Ba Bể (địa chỉ minh hoạ)",
        22.4100,
        105.6200,
        "7:00–17:00 hằng ngày",
        "0209 3600 006",
        None,
        "all",
    ),
)


def seed_outlets() -> int:
    """Register the demo points through the outlets service; flush only. Return how many."""
    producers = {p.name: p for p in db.session.scalars(select(Producer))}
    count = 0
    for name, kind, ward, street, lat, lon, hours, phone, run_by, stocks in DEMO_OUTLETS:
        producer = producers.get(run_by) if run_by else None
        if run_by and producer is None:
            continue
        candidates = stockable_products(producer)
        if stocks not in ("all", "own"):
            candidates = [p for p in candidates if p.name_vi.startswith(stocks)]
        data = OutletInput(
            name=name,
            kind=kind.value,
            ward_code=ward,
            street=street,
            latitude=lat,
            longitude=lon,
            opening_hours=hours,
            phone=phone,
            product_ids=tuple(p.id for p in candidates),
        )
        create_outlet(data, producer=producer, is_demo=True)
        count += 1
    return count

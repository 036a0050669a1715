"""The demo catalogue: real Thái Nguyên OCOP products from data/demo, with demo-only details.

Facts (names, groups, stars, producers, communes, years) come from
data/demo/ocop-products-thai-nguyen.csv, which keeps each row's source; per-producer facts
derived from it (new ward, legal type, legacy address) are in data/demo/producers.csv. Every
other value made up here (prices, GTINs, decision numbers, registration numbers, phones, lots,
events) is demo data, seeded from random.Random(2026) so that runs are repeatable.
"""

import csv
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, null, select

from storefront.accounts.models import Role, User
from storefront.addresses import THAI_NGUYEN, format_address, ward_name
from storefront.catalog.images import store_image
from storefront.catalog.models import (
    Certificate,
    CriteriaSet,
    IssuingLevel,
    LegalType,
    Producer,
    ProducerImage,
    ProducerStatus,
    Product,
    ProductImage,
)
from storefront.clock import VIETNAM_TZ, add_months
from storefront.extensions import db
from storefront.inventory.models import Stock
from storefront.main import illustrations
from storefront.office.scoring import ensure_criteria_sets
from storefront.text import slugify
from traceability.digital_link import CODE_ALPHABET
from traceability.models import Batch, EventAction, EventType, TraceEvent

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data" / "demo"
SEED = 2026
DEMO_PASSWORD = "demo1234"
#: Demo illustrations (storefront/main/illustrations.py): square product art, wide producer covers.
IMAGE_SIZE = (1000, 1000)
COVER_SIZE = (1200, 450)
#: One product illustration per composition, in gallery order: (what it shows, vi and en).
ILLUSTRATION_SUBJECTS = (
    ("bao bì và nguyên liệu", "package and ingredients"),
    ("nguyên liệu", "ingredients"),
    ("vùng sản xuất", "where it is grown or made"),
)

#: (email, role, full name); the producer account owns HTX Chè Hảo Đạt.
DEMO_ACCOUNTS = (
    ("khach@example.com", Role.SHOPPER, "Khách hàng (tài khoản demo)"),
    ("hoptacxa@example.com", Role.PRODUCER, "HTX Chè Hảo Đạt (tài khoản demo)"),
    ("vanphong@example.com", Role.OFFICE, "Văn phòng OCOP (tài khoản demo)"),
)
OWNED_PRODUCER = "HTX Chè Hảo Đạt"

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
#: Decision 148/QĐ-TTg (24/02/2023) replaced 1048/QĐ-TTg (2019).
CRITERIA_148_FROM = date(2023, 2, 24)
#: Decision 1489/QĐ-TTg: from 07/2025 the province certifies 3–4★ (districts were abolished).
PROVINCE_CERTIFIES_FROM = date(2025, 7, 1)
#: The Ministry of Agriculture and Environment exists since 03/2025 (merger of MARD and MONRE).
MAE_FROM = date(2025, 3, 1)
#: OCOP certificates are valid 36 months from the decision.
VALIDITY_MONTHS = 36
#: Appended to every invented decision number, so no page passes one off as a real decision.
DEMO_MARK = "(số minh hoạ)"

#: Demo GTIN-13 stem: GS1 Vietnam prefix 893 + an invented company number; not a real
#: licence. Products get "0" + stem + 5-digit item + check digit = GTIN-14.
DEMO_GTIN_STEM = "8938000"


class DemoAlreadySeeded(RuntimeError):
    """The database already has producers; the demo only fills an empty catalogue."""


@dataclass
class DemoSummary:
    producers: int = 0
    products: int = 0
    groups: list[int] = field(default_factory=list)
    certificates_valid: int = 0
    certificates_expired: int = 0
    certificates_revoked: int = 0
    batches: int = 0
    events: int = 0
    images: int = 0
    skipped: list[str] = field(default_factory=list)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Kind:
    """What a kind of product is like: shelf life, first trace step and consumer texts."""

    sentence: str
    ingredients: str = ""
    usage: str = ""
    storage: str = ""
    #: None: no expiry printed (spirits, services).
    shelf_days: int | None = 365
    #: "harvesting" (from a growing area), "receiving" (raw materials) or "" (no batches).
    first_step: str = "harvesting"
    standards: str = ""
    colour: tuple[int, int, int] = (46, 125, 50)


DRY_STORAGE = "Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp; đóng kín bao bì sau khi mở."
TEA_USAGE = (
    "Tráng ấm bằng nước sôi, cho 5–7 g chè vào ấm 150–200 ml, hãm với nước khoảng 80–90 °C "
    "trong 2–3 phút; có thể pha 3–4 nước."
)
TEA_STORAGE = "Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng và mùi lạ; buộc kín túi sau khi mở."
VIETGAP = "VietGAP (TCVN 11892-1:2017) – dữ liệu minh hoạ"
TCCS = "Tiêu chuẩn cơ sở (TCCS) – dữ liệu minh hoạ"
SUPPLEMENT_NOTE = "Thực phẩm này không phải là thuốc và không có tác dụng thay thế thuốc chữa bệnh."

KINDS = {
    "tea": Kind(
        "Chè xanh Thái Nguyên làm từ búp chè hái trong vùng, sao và vò theo cách chế biến của địa phương.",
        ingredients="Búp chè xanh (Camellia sinensis).",
        usage=TEA_USAGE,
        storage=TEA_STORAGE,
        shelf_days=365,
        standards=VIETGAP,
    ),
    "tea_bag": Kind(
        "Chè xanh Thái Nguyên đóng túi lọc, tiện pha nhanh tại nhà hoặc văn phòng.",
        ingredients="Chè xanh (Camellia sinensis).",
        usage="Cho 1 túi lọc vào cốc 150–200 ml, rót nước khoảng 85–90 °C, đợi 2–3 phút rồi nhấc túi ra.",
        storage=TEA_STORAGE,
        shelf_days=540,
        standards=VIETGAP,
    ),
    "herbal_tea": Kind(
        "Sản phẩm trà từ thực vật khác ngoài cây chè (nhóm I.5.b), dùng pha uống hằng ngày.",
        usage="Hãm một lượng vừa đủ với nước sôi trong 5–10 phút; dùng trong ngày.",
        storage=DRY_STORAGE,
        shelf_days=540,
        standards=TCCS,
        colour=(104, 159, 56),
    ),
    "noodle": Kind(
        "Miến dong làm từ tinh bột củ dong riềng, sợi dai, nấu không nát.",
        ingredients="Tinh bột dong riềng (xem nhãn sản phẩm để biết đầy đủ thành phần).",
        usage="Ngâm miến trong nước ấm 5–10 phút cho mềm, để ráo rồi nấu canh, xào hoặc trộn.",
        storage=DRY_STORAGE,
        shelf_days=365,
        first_step="receiving",
        standards=TCCS,
        colour=(121, 85, 72),
    ),
    "vermicelli": Kind(
        "Bún khô làm từ gạo bao thai của huyện Định Hóa (cũ).",
        ingredients="Gạo bao thai Định Hóa và nguyên liệu tạo màu (xem nhãn sản phẩm để biết đầy đủ thành phần).",
        usage="Luộc bún trong nước sôi 3–5 phút, xả lại nước nguội cho sợi tơi rồi dùng.",
        storage=DRY_STORAGE,
        shelf_days=270,
        first_step="receiving",
        standards=TCCS,
        colour=(255, 143, 0),
    ),
    "rice": Kind(
        "Gạo nếp vải trồng ở xã Ôn Lương (cũ), huyện Phú Lương.",
        ingredients="Gạo nếp vải Ôn Lương.",
        usage="Vo nhẹ, ngâm 4–6 giờ rồi đồ xôi hoặc nấu theo món.",
        storage=DRY_STORAGE,
        shelf_days=270,
        colour=(251, 192, 45),
    ),
    "honey": Kind(
        "Mật ong do hợp tác xã nuôi ong ở huyện Đồng Hỷ (cũ) khai thác.",
        ingredients="Mật ong.",
        usage="Dùng trực tiếp hoặc pha với nước ấm (dưới 60 °C). Không dùng cho trẻ dưới 1 tuổi.",
        storage="Đậy kín nắp, để nơi khô mát, tránh ánh nắng; không cần để tủ lạnh.",
        shelf_days=730,
        standards=TCCS,
        colour=(255, 179, 0),
    ),
    "bamboo_fresh": Kind(
        "Măng lục trúc tươi thu hái trong ngày.",
        ingredients="Măng lục trúc tươi.",
        usage="Bóc vỏ, luộc kỹ và bỏ nước luộc đầu trước khi chế biến.",
        storage="Bảo quản mát 2–8 °C và dùng trong vài ngày.",
        shelf_days=7,
        standards=TCCS,
        colour=(124, 179, 66),
    ),
    "bamboo_dried": Kind(
        "Măng lục trúc thái và phơi khô.",
        ingredients="Măng lục trúc.",
        usage="Ngâm nước 1–2 ngày, luộc kỹ và thay nước vài lần trước khi chế biến.",
        storage=DRY_STORAGE,
        shelf_days=365,
        standards=TCCS,
        colour=(141, 110, 99),
    ),
    "mushroom": Kind(
        "Nấm hương trồng và sơ chế tại huyện Đại Từ (cũ).",
        ingredients="Nấm hương.",
        usage="Rửa sạch; nấm khô ngâm nước ấm 20–30 phút trước khi nấu.",
        storage=DRY_STORAGE,
        shelf_days=365,
        standards=TCCS,
        colour=(93, 64, 55),
    ),
    "supplement": Kind(
        "Thực phẩm bảo vệ sức khỏe chứa nano curcumin từ củ nghệ.",
        ingredients="Nano curcumin từ nghệ (xem nhãn sản phẩm để biết đầy đủ thành phần và hàm lượng).",
        usage=f"Dùng theo hướng dẫn trên nhãn sản phẩm. {SUPPLEMENT_NOTE}",
        storage=DRY_STORAGE,
        shelf_days=730,
        first_step="receiving",
        standards=TCCS,
        colour=(230, 81, 0),
    ),
    "liquor": Kind(
        "Rượu trắng nấu thủ công, lên men bằng men lá theo cách làm truyền thống ở Chợ Đồn (Bắc Kạn cũ).",
        ingredients="Gạo, men lá (xem nhãn sản phẩm).",
        usage="Uống có trách nhiệm. Không bán cho người dưới 18 tuổi.",
        storage="Đậy kín nắp, để nơi thoáng mát, tránh ánh nắng.",
        shelf_days=None,
        first_step="receiving",
        standards=TCCS,
        colour=(21, 101, 192),
    ),
    "liqueur": Kind(
        "Rượu mơ ngâm, đồ uống có cồn.",
        ingredients="Quả mơ, rượu (xem nhãn sản phẩm).",
        usage="Uống có trách nhiệm. Không bán cho người dưới 18 tuổi.",
        storage="Đậy kín nắp, để nơi thoáng mát, tránh ánh nắng.",
        shelf_days=None,
        first_step="receiving",
        standards=TCCS,
        colour=(173, 20, 87),
    ),
    "tourism": Kind(
        "Dịch vụ du lịch cộng đồng: tham quan bản làng, tìm hiểu văn hóa dân tộc Tày.",
        shelf_days=None,
        first_step="",
        colour=(239, 108, 0),
    ),
}

#: name_vi -> (kind, unit, net quantity, price in VND, assumed decision year or None).
#: Prices and pack sizes are demo values; an assumed year stands in where the CSV has none.
PRODUCT_FACTS = {
    "Chè tôm nõn": ("tea", "túi", "200 g", 550_000, None),
    "Chè đinh Tân Cương": ("tea", "hộp", "200 g", 600_000, None),
    "Miến Việt Cường": ("noodle", "gói", "500 g", 85_000, None),
    "Du lịch văn hóa dân tộc Tày bản làng Thái Hải": ("tourism", "khách", "1 ngày trải nghiệm", 250_000, None),
    "Trà tôm nõn hương quê": ("tea", "hộp", "200 g", 480_000, None),
    "Nấm hương Phú Gia": ("mushroom", "túi", "200 g", 140_000, None),
    "Trà mầm sương sớm hương quê": ("tea", "hộp", "200 g", 380_000, None),
    "Trà móc câu hương quê": ("tea", "túi", "200 g", 260_000, None),
    "Trà đinh Đạt Phát": ("tea", "hộp", "200 g", 400_000, None),
    "Trà móc câu Đạt Phát": ("tea", "túi", "200 g", 250_000, None),
    "Trà móc câu Minh Đức": ("tea", "túi", "200 g", 240_000, None),
    "Độc đáo trà ướp hoa": ("tea", "hộp", "200 g", 320_000, None),
    "Nõn tâm trà": ("tea", "hộp", "200 g", 350_000, 2023),
    "Chè xanh Hoan Xuyến": ("tea", "túi", "200 g", 150_000, 2023),
    "Trà xanh túi lọc Nguyên Việt": ("tea_bag", "hộp", "25 túi × 2 g", 75_000, None),
    "Nõn chè xanh Trại Cài": ("tea", "túi", "200 g", 180_000, None),
    "Trà Hích": ("tea", "túi", "200 g", 160_000, None),
    "Hồng Đỉnh trà": ("tea", "hộp", "200 g", 200_000, None),
    "Trà TN GABA": ("tea", "hộp", "100 g", 220_000, None),
    "Măng tươi lục trúc MTQ": ("bamboo_fresh", "kg", "1 kg", 35_000, None),
    "Măng khô lục trúc MTQ": ("bamboo_dried", "túi", "500 g", 190_000, None),
    "Mật ong Phúc Thành": ("honey", "chai", "500 ml", 250_000, None),
    "Bún ngũ sắc (từ gạo bao thai Định Hóa)": ("vermicelli", "gói", "500 g", 45_000, 2024),
    "Gạo nếp vải Ôn Lương": ("rice", "túi", "2 kg", 90_000, None),
    "Miến dong Tài Hoan": ("noodle", "gói", "500 g", 75_000, None),
    "Vicumax Nano Curcumin": ("supplement", "hộp", "30 viên", 450_000, None),
    "Vicumax Limited Nano Curcumin": ("supplement", "hộp", "60 viên", 850_000, None),
    "Vicumax Mật ong Nano Curcumin": ("supplement", "chai", "250 ml", 380_000, None),
    "Trà giảo cổ lam núi đá": ("herbal_tea", "túi", "200 g", 150_000, 2024),
    "Trà hoa vàng Bắc Kạn": ("herbal_tea", "hộp", "50 g", 450_000, None),
    "Trà nụ vối": ("herbal_tea", "túi", "200 g", 110_000, 2024),
    "Tinh bột nghệ nếp đỏ Bắc Kạn": None,  # the CSV gives no OCOP group: not seeded
    "Rượu men lá Thanh Tâm": ("liquor", "chai", "500 ml", 130_000, 2024),
    "Rượu men lá Bằng Phúc": ("liquor", "chai", "500 ml", 120_000, 2024),
    "Rượu mơ Asuka": ("liqueur", "chai", "500 ml", 280_000, 2024),
}
#: CSV rows without a producer: name_vi -> the demo household standing in for it.
HOUSEHOLD_FOR = {
    "Bún ngũ sắc (từ gạo bao thai Định Hóa)": "Hộ kinh doanh Bún gạo Định Hóa (minh hoạ)",
    "Gạo nếp vải Ôn Lương": "Hộ kinh doanh Nếp vải Ôn Lương (minh hoạ)",
}
#: The one revoked certificate; it belongs to a demo household, so it says nothing about a real firm.
REVOKED_DEMO_PRODUCT = "Bún ngũ sắc (từ gạo bao thai Định Hóa)"
#: Invented producers (marked "hư cấu" in their names) whose products carry valid demo
#: certificates, so the demo shows a live programme without crediting a real co-op with a
#: rating no council gave it: (name, legal type, ward code, sentence for the story).
FICTIONAL_PRODUCERS = (
    (
        "HTX Demo Chè Bình Minh (hư cấu)",
        LegalType.COOPERATIVE,
        5503,
        "Hợp tác xã hư cấu, dựng lên để trình diễn sàn; không có cơ sở nào tên này.",
    ),
    (
        "HTX Demo Mật ong Suối Reo (hư cấu)",
        LegalType.COOPERATIVE,
        5692,
        "Hợp tác xã hư cấu nuôi ong, dựng lên để trình diễn sàn; không có cơ sở nào tên này.",
    ),
    (
        "Công ty Demo Dược liệu Núi Cốc (hư cấu)",
        LegalType.ENTERPRISE,
        5632,
        "Doanh nghiệp hư cấu, dựng lên để trình diễn sàn; không có cơ sở nào tên này.",
    ),
)
#: (name_vi, name_en, producer, kind, sub-group, unit, net quantity, price, stars, days since the demo decision).
#: One certificate ends within 90 days, so the expiry warning can be seen too.
FICTIONAL_PRODUCTS = (
    (
        "Chè búp Bình Minh (hư cấu)",
        "Binh Minh bud green tea (fictional)",
        0,
        "tea",
        "I.5.a",
        "hộp",
        "200 g",
        320_000,
        4,
        200,
    ),
    (
        "Trà móc câu Bình Minh (hư cấu)",
        "Binh Minh hook-leaf green tea (fictional)",
        0,
        "tea",
        "I.5.a",
        "túi",
        "200 g",
        210_000,
        3,
        1040,
    ),
    (
        "Mật ong hoa nhãn Suối Reo (hư cấu)",
        "Suoi Reo longan-flower honey (fictional)",
        1,
        "honey",
        "I.2.b",
        "chai",
        "500 ml",
        230_000,
        4,
        320,
    ),
    (
        "Trà túi lọc thảo mộc Núi Cốc (hư cấu)",
        "Nui Coc herbal tea bags (fictional)",
        2,
        "herbal_tea",
        "I.5.b",
        "hộp",
        "20 túi × 2 g",
        95_000,
        3,
        150,
    ),
    (
        "Trà hoa vàng Núi Cốc (hư cấu)",
        "Nui Coc golden camellia tea (fictional)",
        2,
        "herbal_tea",
        "I.5.b",
        "hộp",
        "50 g",
        390_000,
        5,
        90,
    ),
)
SPECIFIC_SENTENCES = {
    "Độc đáo trà ướp hoa": "Chè xanh được ướp hương hoa.",
    "Trà TN GABA": "Chè được chế biến theo quy trình trà GABA.",
    "Trà giảo cổ lam núi đá": "Làm từ cây giảo cổ lam.",
    "Trà hoa vàng Bắc Kạn": "Làm từ hoa chè hoa vàng.",
    "Trà nụ vối": "Làm từ nụ vối.",
    "Vicumax Mật ong Nano Curcumin": "Sản phẩm kết hợp mật ong với nano curcumin.",
}
SPECIFIC_INGREDIENTS = {
    "Trà giảo cổ lam núi đá": "Giảo cổ lam (Gynostemma pentaphyllum).",
    "Trà hoa vàng Bắc Kạn": "Hoa chè hoa vàng.",
    "Trà nụ vối": "Nụ vối.",
    "Vicumax Mật ong Nano Curcumin": "Mật ong, nano curcumin từ nghệ (xem nhãn sản phẩm để biết đầy đủ thành phần).",
}


def seed_demo(*, today: date, image_dir: Path) -> DemoSummary:
    """Add the demo catalogue, accounts and traceability data to an empty database; flush only.

    :raises DemoAlreadySeeded: if any producer or demo account already exists.
    """
    if db.session.scalar(select(func.count(Producer.id))):
        raise DemoAlreadySeeded("the database already has producers; seed-demo only fills an empty catalogue")
    emails = [email for email, _, _ in DEMO_ACCOUNTS]
    if db.session.scalar(select(func.count(User.id)).where(User.email.in_(emails))):
        raise DemoAlreadySeeded("a demo account already exists; seed-demo only fills an empty database")

    rng = random.Random(SEED)
    image_dir = Path(image_dir)
    image_dir.mkdir(parents=True, exist_ok=True)
    summary = DemoSummary()

    users = _create_accounts(summary)
    producers = _create_producers(rng, today, summary)
    producers[OWNED_PRODUCER].owner = users[Role.PRODUCER]

    slugs: set[str] = set()
    products_by_producer: dict[str, list[tuple[Product, dict]]] = {}
    for index, row in enumerate(_read_csv(DATA_DIR / "ocop-products-thai-nguyen.csv")):
        facts = PRODUCT_FACTS.get(row["name_vi"])
        if facts is None:
            summary.skipped.append(row["name_vi"])
            continue
        producer_name = row["producer"] or HOUSEHOLD_FOR[row["name_vi"]]
        producer = producers[producer_name]
        product = _create_product(rng, today, index, row, facts, producer, slugs, image_dir, summary)
        products_by_producer.setdefault(producer_name, []).append((product, row))

    for name, producer in producers.items():
        producer.story_md = _story(producer, products_by_producer.get(name, []))
        if products_by_producer.get(name):
            _draw_cover(producer, PRODUCT_FACTS[products_by_producer[name][0][1]["name_vi"]][0], image_dir, summary)
    _create_fictional(rng, today, slugs, image_dir, summary)

    # The office's scoresheet needs the criteria sets (148/2023, 1048/2019) as data.
    ensure_criteria_sets()
    db.session.flush()
    summary.producers = len(producers) + len(FICTIONAL_PRODUCERS)
    summary.groups = sorted({p.ocop_group for p in db.session.scalars(select(Product))})
    return summary


def _create_accounts(summary: DemoSummary) -> dict[Role, User]:
    users = {}
    for email, role, full_name in DEMO_ACCOUNTS:
        user = User(email=email, role=role, full_name=full_name)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[role] = user
        summary.accounts.append((email, DEMO_PASSWORD, role.value))
    return users


def _create_producers(rng: random.Random, today: date, summary: DemoSummary) -> dict[str, Producer]:
    producers = {}
    slugs: set[str] = set()
    for row in _read_csv(DATA_DIR / "producers.csv"):
        status = ProducerStatus(row["status"])
        ward_code = int(row["ward_code"]) if row["ward_code"] else None
        producer = Producer(
            slug=_unique_slug(row["name"], slugs),
            name=row["name"],
            legal_type=LegalType(row["legal_type"]),
            business_reg_no=row["business_reg_no"],
            business_reg_place="Dữ liệu minh hoạ",
            phone=row["phone"],
            province_code=THAI_NGUYEN,
            ward_code=ward_code,
            legacy_address=row["legacy_address"],
            legacy_district=row["old_district"].removeprefix("Huyện ").strip(),
            status=status,
            status_reason="" if status is ProducerStatus.APPROVED else "Hồ sơ demo đang chờ văn phòng duyệt.",
            approved_at=_vn_moment(today - timedelta(days=rng.randint(150, 400)), 9)
            if status is ProducerStatus.APPROVED
            else None,
        )
        db.session.add(producer)
        producers[producer.name] = producer
    return producers


def _create_product(rng, today, index, row, facts, producer, slugs, image_dir, summary) -> Product:
    kind_name, unit, net_quantity, price_vnd, assumed_year = facts
    kind = KINDS[kind_name]
    group, subgroup = _group(row["group"])
    stars = int(row["stars"]) if row["stars"] else None
    year = int(row["year"]) if row["year"] else assumed_year
    product = Product(
        producer=producer,
        slug=_unique_slug(row["name_vi"], slugs),
        name_vi=row["name_vi"],
        name_en=row["name_en"],
        description_vi=_description_vi(row, kind, producer),
        description_en=_description_en(row),
        ingredients=SPECIFIC_INGREDIENTS.get(row["name_vi"], kind.ingredients),
        usage=kind.usage,
        storage=kind.storage,
        ocop_group=group,
        ocop_subgroup=subgroup,
        unit=unit,
        net_quantity=net_quantity,
        price_vnd=price_vnd,
        # About half the goods get a demo GTIN; services and the rest stay without one.
        gtin=_demo_gtin(index + 1) if index % 2 == 0 and kind.first_step else None,
        # The pending producer's product is published too: listings also require an approved producer.
        is_published=True,
        published_at=_vn_moment(today - timedelta(days=rng.randint(5, 120)), 9),
    )
    db.session.add(product)
    db.session.add(Stock(product=product, on_hand=rng.randint(20, 200)))
    summary.products += 1

    if stars and year:
        certificate = _certificate(
            rng, today, product, producer, stars, year, revoke=row["name_vi"] == REVOKED_DEMO_PRODUCT
        )
        db.session.add(certificate)
        if certificate.is_revoked:
            summary.certificates_revoked += 1
        elif certificate.is_valid_on(today):
            summary.certificates_valid += 1
        elif certificate.valid_until < today:
            summary.certificates_expired += 1

    if kind.first_step:
        batch_count = 1 if kind_name == "bamboo_fresh" else 2
        for number in range(1, batch_count + 1):
            batch = _batch(rng, today, product, producer, kind, number, newest=number == batch_count)
            db.session.add(batch)
            summary.batches += 1
            summary.events += len(batch.events)

    _draw_images(product, kind_name, image_dir, summary)
    return product


def _certificate(rng, today, product, producer, stars, year, *, revoke) -> Certificate:
    # Demo date in the CSV's year; 2023 ratings fall after 148/QĐ-TTg took effect.
    earliest = CRITERIA_148_FROM + timedelta(days=30) if year == CRITERIA_148_FROM.year else date(year, 1, 5)
    decision_date = earliest + timedelta(days=rng.randint(0, (date(year, 12, 20) - earliest).days))
    decision_date = min(decision_date, today - timedelta(days=30))
    criteria = CriteriaSet.QD_148_2023 if decision_date >= CRITERIA_148_FROM else CriteriaSet.QD_1048_2019
    level, body, suffix = _issuer(producer, stars, decision_date, criteria)
    after_reform = decision_date >= PROVINCE_CERTIFIES_FROM
    certificate = Certificate(
        product=product,
        stars=stars,
        criteria_set=criteria,
        issuing_level=level,
        issuing_body=body,
        # Demo decision number, marked as such: the real numbers are not in our sources.
        decision_number=f"{rng.randint(1000, 4999)}/{suffix} {DEMO_MARK}",
        decision_date=decision_date,
        valid_until=add_months(decision_date, VALIDITY_MONTHS),
        producer_name=producer.name,
        producer_address=(
            format_address(producer.street, producer.ward_code, producer.province_code)
            if after_reform and producer.ward_code
            else producer.legacy_address
        ),
    )
    if revoke:
        certificate.is_revoked = True
        certificate.revoked_reason = (
            "Dữ liệu minh hoạ: chứng nhận bị thu hồi để trình diễn giao diện, không phải quyết định thật."
        )
        certificate.revoked_at = _vn_moment(today - timedelta(days=20), 10)
    return certificate


def _create_fictional(rng, today, slugs, image_dir, summary) -> None:
    """Add the invented producers and their products, each with a valid demo certificate."""
    producers = []
    for index, (name, legal_type, ward_code, sentence) in enumerate(FICTIONAL_PRODUCERS):
        producer = Producer(
            slug=_unique_slug(name, slugs),
            name=name,
            legal_type=legal_type,
            business_reg_no=f"DEMO-HUCAU-{index + 1:03d}",
            business_reg_place="Dữ liệu minh hoạ",
            phone=f"+8490000000{index + 1}",
            province_code=THAI_NGUYEN,
            ward_code=ward_code,
            street="Địa chỉ hư cấu",
            legacy_address="",
            legacy_district="",
            status=ProducerStatus.APPROVED,
            approved_at=_vn_moment(today - timedelta(days=400), 9),
        )
        db.session.add(producer)
        producers.append((producer, sentence, []))
    for name_vi, name_en, owner, kind_name, subgroup, unit, net_quantity, price_vnd, stars, age in FICTIONAL_PRODUCTS:
        producer, sentence, names = producers[owner]
        kind = KINDS[kind_name]
        product = Product(
            producer=producer,
            slug=_unique_slug(name_vi, slugs),
            name_vi=name_vi,
            name_en=name_en,
            description_vi=f"{name_vi} là sản phẩm hư cấu của {producer.name}, dùng để trình diễn sàn. {kind.sentence}",
            description_en=f"{name_en}: an invented product of an invented producer, shown to demonstrate the shop.",
            ingredients=kind.ingredients,
            usage=kind.usage,
            storage=kind.storage,
            ocop_group=ROMAN[subgroup.split(".")[0]],
            ocop_subgroup=subgroup,
            unit=unit,
            net_quantity=net_quantity,
            price_vnd=price_vnd,
            is_published=True,
            published_at=_vn_moment(today - timedelta(days=30), 9),
        )
        db.session.add(product)
        db.session.add(Stock(product=product, on_hand=rng.randint(20, 200)))
        decision_date = today - timedelta(days=age)
        level = IssuingLevel.CENTRAL if stars == 5 else IssuingLevel.PROVINCE
        db.session.add(
            Certificate(
                product=product,
                stars=stars,
                criteria_set=CriteriaSet.QD_148_2023,
                issuing_level=level,
                issuing_body="Hội đồng OCOP hư cấu (dữ liệu minh hoạ)",
                decision_number=f"DEMO-{len(names) + 1:02d}{owner}/HƯ CẤU",
                decision_date=decision_date,
                valid_until=add_months(decision_date, VALIDITY_MONTHS),
                producer_name=producer.name,
                producer_address=format_address(producer.street, ward_code, THAI_NGUYEN),
            )
        )
        summary.products += 1
        summary.certificates_valid += 1
        batch = _batch(rng, today, product, producer, kind, 1, newest=True)
        db.session.add(batch)
        summary.batches += 1
        summary.events += len(batch.events)
        _draw_images(product, kind_name, image_dir, summary)
        names.append(name_vi)
    for owner, (producer, sentence, names) in enumerate(producers):
        _draw_cover(producer, next(p[3] for p in FICTIONAL_PRODUCTS if p[2] == owner), image_dir, summary)
        items = "\n".join(f"- **{name}**" for name in names)
        producer.story_md = (
            f"## {producer.name}\n\n{sentence}\n\nSản phẩm trên sàn:\n\n{items}\n\n"
            "_Cơ sở, sản phẩm và chứng nhận OCOP ở đây đều là dữ liệu hư cấu để trình diễn._"
        )


def _issuer(producer: Producer, stars: int, decided: date, criteria: CriteriaSet):
    """Return (level, body, decision-number suffix) by the OCOP rules in force on that day."""
    old_province = "Bắc Kạn" if producer.legacy_address.endswith("Bắc Kạn") else "Thái Nguyên"
    if decided >= PROVINCE_CERTIFIES_FROM:
        old_province = "Thái Nguyên"
    if stars == 5:
        if decided >= MAE_FROM:
            return IssuingLevel.CENTRAL, "Bộ Nông nghiệp và Môi trường", "QĐ-BNNMT"
        return IssuingLevel.CENTRAL, "Bộ Nông nghiệp và Phát triển nông thôn", "QĐ-BNN-KTHT"
    # Under 148/QĐ-TTg districts certified 3★ until 07/2025; 1048 left 3★ to the province.
    if (
        stars == 3
        and criteria is CriteriaSet.QD_148_2023
        and decided < PROVINCE_CERTIFIES_FROM
        and producer.legacy_district
    ):
        district = producer.legacy_district
        body = f"UBND {'thành phố ' + district[3:] if district.startswith('TP ') else 'huyện ' + district}"
        return IssuingLevel.DISTRICT, body, "QĐ-UBND"
    return IssuingLevel.PROVINCE, f"UBND tỉnh {old_province}", "QĐ-UBND"


def _batch(rng, today, product, producer, kind, number, *, newest) -> Batch:
    if kind.shelf_days == 7:
        packing = today - timedelta(days=rng.randint(1, 2))
    elif newest:
        packing = today - timedelta(days=rng.randint(4, 12))
    else:
        packing = today - timedelta(days=rng.randint(35, 60))
    if kind.first_step == "harvesting":
        # Fresh tea leaf is processed the day it is picked; fresh shoots are packed that day too.
        harvest = packing if kind.shelf_days == 7 else packing - timedelta(days=rng.randint(1, 4))
        production = harvest
    else:
        harvest = None
        production = packing - timedelta(days=rng.randint(1, 3))
    expiry = packing + timedelta(days=kind.shelf_days) if kind.shelf_days else None
    initials = "".join(word[0] for word in product.slug.split("-")[:3]).upper()
    lot_code = f"{initials}{packing:%y%m}-{number:02d}"
    ward = producer.ward_code or 0
    is_tea = product.ocop_subgroup.startswith("I.5")
    # Demo planting-area code (mã số vùng trồng) in the shape VT-<province>-<ward>-<n>.
    area_code = f"VT-19-{ward:04d}-{rng.randint(1, 40):03d}" if is_tea else ""
    batch = Batch(
        product=product,
        lot_code=lot_code,
        short_code="".join(rng.choice(CODE_ALPHABET) for _ in range(10)),
        harvest_date=harvest,
        production_date=production,
        packing_date=packing,
        expiry_date=expiry,
        quantity=rng.randint(50, 500),
        growing_area_code=area_code,
        standards=kind.standards,
        is_published=True,
    )
    batch.events = _events(batch, producer, kind, today, ward, area_code)
    return batch


def _events(batch, producer, kind, today, ward, area_code) -> list[TraceEvent]:
    """Return the batch's EPCIS-shaped stages: source → processing → packing → check → shipping."""
    place = ward_name(producer.ward_code) or producer.legacy_address
    site = f"LOC-19-{ward:04d}"
    events = []
    if kind.first_step == "harvesting":
        events.append(
            TraceEvent(
                event_type=EventType.OBJECT,
                action=EventAction.ADD,
                biz_step="harvesting",
                disposition="active",
                event_time=_vn_moment(batch.harvest_date, 6),
                read_point=area_code or f"{site}-VT01",
                biz_location=area_code or f"{site}-VT01",
                location_name=f"Vùng nguyên liệu của {producer.name}, {place}",
                description="Thu hái nguyên liệu (dữ liệu minh hoạ).",
                ilmd={"harvestDate": batch.harvest_date.isoformat(), "growingAreaCode": area_code or None},
            )
        )
    else:
        events.append(
            TraceEvent(
                event_type=EventType.OBJECT,
                action=EventAction.OBSERVE,
                biz_step="receiving",
                disposition="in_progress",
                event_time=_vn_moment(batch.production_date - timedelta(days=1), 8),
                read_point=f"{site}-KHO01",
                biz_location=f"{site}-KHO01",
                location_name=f"Kho nguyên liệu – {producer.name}, {place}",
                description="Nhận nguyên liệu đầu vào (dữ liệu minh hoạ).",
            )
        )
    events.append(
        TraceEvent(
            # EPCIS transformation events carry no action; null() beats the column's OBSERVE default.
            event_type=EventType.TRANSFORMATION,
            action=null(),
            biz_step="commissioning",
            disposition="active",
            event_time=_vn_moment(batch.production_date, 10),
            read_point=f"{site}-CB01",
            biz_location=f"{site}-CB01",
            location_name=f"Xưởng chế biến – {producer.name}, {place}",
            description="Chế biến, tạo lô thành phẩm.",
            ilmd={
                "lotNumber": batch.lot_code,
                "productionDate": batch.production_date.isoformat(),
                "itemExpirationDate": batch.expiry_date.isoformat() if batch.expiry_date else None,
            },
        )
    )
    events.append(
        TraceEvent(
            event_type=EventType.OBJECT,
            action=EventAction.OBSERVE,
            biz_step="packing",
            disposition="in_progress",
            event_time=_vn_moment(batch.packing_date, 14),
            read_point=f"{site}-DG01",
            biz_location=f"{site}-DG01",
            location_name=f"Khu đóng gói – {producer.name}, {place}",
            description="Đóng gói, dán nhãn.",
        )
    )
    events.append(
        TraceEvent(
            event_type=EventType.OBJECT,
            action=EventAction.OBSERVE,
            biz_step="inspecting",
            disposition="conformant",
            event_time=_vn_moment(batch.packing_date, 16),
            read_point=f"{site}-QC01",
            biz_location=f"{site}-QC01",
            location_name=f"Kiểm tra chất lượng – {producer.name}, {place}",
            description="Kiểm tra cảm quan và hồ sơ lô trước khi xuất (dữ liệu minh hoạ).",
        )
    )
    shipped = batch.packing_date + timedelta(days=2)
    if shipped < today:
        events.append(
            TraceEvent(
                event_type=EventType.OBJECT,
                action=EventAction.OBSERVE,
                biz_step="shipping",
                disposition="in_transit",
                event_time=_vn_moment(shipped, 8),
                read_point=f"{site}-KHO02",
                biz_location=f"{site}-KHO02",
                location_name=f"Kho thành phẩm – {producer.name}, {place}",
                description="Xuất kho giao cho sàn OCOP.",
            )
        )
    return events


def _description_vi(row, kind, producer) -> str:
    # No stars in free text: the badge states them from the certificate register, and a lapse shows as a lapse.
    new_place = ward_name(producer.ward_code)
    now = f"; nay thuộc {new_place}, tỉnh Thái Nguyên" if new_place else ""
    parts = [f"{row['name_vi']} là sản phẩm của {producer.name} ({producer.legacy_address}{now})."]
    parts.append(kind.sentence)
    if row["name_vi"] in SPECIFIC_SENTENCES:
        parts.append(SPECIFIC_SENTENCES[row["name_vi"]])
    if row["producer"] == "":
        parts.append("Chủ thể hiển thị ở đây là hộ kinh doanh minh hoạ; nguồn tin không nêu tên chủ thể.")
    return " ".join(parts)


def _description_en(row) -> str:
    origin = ", ".join(part for part in (row["commune"], row["district"]) if part)
    by = f" by {row['producer']}" if row["producer"] else ""
    return f"{row['name_en']}, an OCOP programme product{by}{' (' + origin + ')' if origin else ''}."


def _story(producer: Producer, items: list[tuple[Product, dict]]) -> str:
    """Return a short Markdown story built only from the CSV facts."""
    new_place = ward_name(producer.ward_code)
    lines = [f"## {producer.name}", ""]
    where = producer.legacy_address
    if new_place:
        where += f" — nay là {new_place}, tỉnh Thái Nguyên"
    lines.append(f"Địa chỉ trên giấy tờ cũ: {where}.")
    lines.append("")
    if items:
        lines.append("Sản phẩm OCOP trên sàn:")
        lines.append("")
        for product, row in items:
            # The year of recognition is history; the stars and their validity are the badge's to state.
            year = f" (công nhận OCOP năm {row['year']})" if row["year"] else ""
            lines.append(f"- **{product.name_vi}**{year}")
        lines.append("")
    lines.append(
        "_Giới thiệu soạn từ danh sách sản phẩm OCOP công khai; số đăng ký kinh doanh, "
        "điện thoại, giá và mã lô là dữ liệu minh hoạ._"
    )
    return "\n".join(lines)


def _group(text: str) -> tuple[int, str]:
    """Return (group number, sub-group code) from '… (I.5.a)'."""
    code = text.rsplit("(", 1)[1].rstrip(")").strip()
    return ROMAN[code.split(".")[0]], code


def _demo_gtin(item: int) -> str:
    body = f"{DEMO_GTIN_STEM}{item:05d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return "0" + body + str((10 - total % 10) % 10)


def _draw_images(product: Product, kind_name: str, image_dir: Path, summary: DemoSummary) -> None:
    """Attach demo illustrations (package, ingredients, origin), stored through the upload pipeline."""
    for variant, (what_vi, what_en) in enumerate(ILLUSTRATION_SUBJECTS):
        art = illustrations.illustrate(kind_name, product.slug, variant, size=IMAGE_SIZE)
        stored = store_image(art, image_dir, filename=f"{product.slug}-{variant + 1}.jpg")
        product.images.append(
            ProductImage(
                filename=stored.filename,
                position=variant,
                width=stored.width,
                height=stored.height,
                alt=f"Ảnh minh hoạ, không phải ảnh chụp sản phẩm: {what_vi} – {product.name_vi}"[:200],
                alt_en=f"Illustration, not a photo of the product: {what_en} – {product.name_en or product.name_vi}"[
                    :200
                ],
            )
        )
        summary.images += 1


def _draw_cover(producer: Producer, kind_name: str, image_dir: Path, summary: DemoSummary) -> None:
    art = illustrations.illustrate(kind_name, f"cover-{producer.slug}", illustrations.LANDSCAPE, size=COVER_SIZE)
    stored = store_image(art, image_dir, filename=f"cover-{producer.slug}.jpg")
    producer.images.append(
        ProducerImage(
            filename=stored.filename,
            is_cover=True,
            width=stored.width,
            height=stored.height,
            alt=f"Ảnh minh hoạ vùng sản xuất của {producer.name}"[:200],
            alt_en=f"Illustration of the area where {producer.name} works"[:200],
        )
    )
    summary.images += 1


def _vn_moment(day: date, hour: int) -> datetime:
    """Return an aware UTC datetime for a local hour in Vietnam (UTC+7)."""
    return datetime.combine(day, time(hour), tzinfo=VIETNAM_TZ).astimezone(UTC)


def _unique_slug(text: str, taken: set[str]) -> str:
    base = slugify(text)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))

"""The real products of the demo: facts from data/demo, demo prices and packs, honest texts.

Facts (names, groups, stars, producers, communes, years) come from
data/demo/ocop-products-thai-nguyen.csv, which keeps each row's source. A product gets a
certificate only when its row gives both stars and year (storefront/demo/certificates.py);
a row without a year shows no star badge and says why, never an invented decision date.
"""

import csv
from datetime import timedelta
from pathlib import Path

from storefront.addresses import ward_name
from storefront.catalog.models import Producer, Product
from storefront.demo.artwork import draw_images
from storefront.demo.batches import make_batch, vn_moment
from storefront.demo.certificates import count_certificate, real_certificate
from storefront.demo.kinds import KINDS, SPECIFIC_INGREDIENTS, SPECIFIC_SENTENCES
from storefront.extensions import db
from storefront.inventory.models import Stock
from storefront.text import slugify

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data" / "demo"
PRODUCTS_CSV = DATA_DIR / "ocop-products-thai-nguyen.csv"

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}

#: Demo GTIN-13 stem: GS1 Vietnam prefix 893 + an invented company number; not a real
#: licence. Products get "0" + stem + 5-digit item + check digit = GTIN-14.
DEMO_GTIN_STEM = "8938000"

#: name_vi -> (kind, unit, net quantity, price in VND). Prices and pack sizes are demo values.
PRODUCT_FACTS = {
    "Chè tôm nõn": ("tea", "túi", "200 g", 550_000),
    "Chè đinh Tân Cương": ("tea", "hộp", "200 g", 600_000),
    "Miến Việt Cường": ("noodle", "gói", "500 g", 85_000),
    "Du lịch văn hóa dân tộc Tày bản làng Thái Hải": ("tourism", "khách", "1 ngày trải nghiệm", 250_000),
    "Trà tôm nõn hương quê": ("tea", "hộp", "200 g", 480_000),
    "Nấm hương Phú Gia": ("mushroom", "túi", "200 g", 140_000),
    "Trà mầm sương sớm hương quê": ("tea", "hộp", "200 g", 380_000),
    "Trà móc câu hương quê": ("tea", "túi", "200 g", 260_000),
    "Trà đinh Đạt Phát": ("tea", "hộp", "200 g", 400_000),
    "Trà móc câu Đạt Phát": ("tea", "túi", "200 g", 250_000),
    "Trà móc câu Minh Đức": ("tea", "túi", "200 g", 240_000),
    "Độc đáo trà ướp hoa": ("tea", "hộp", "200 g", 320_000),
    "Nõn tâm trà": ("tea", "hộp", "200 g", 350_000),
    "Chè xanh Hoan Xuyến": ("tea", "túi", "200 g", 150_000),
    "Trà xanh túi lọc Nguyên Việt": ("tea_bag", "hộp", "25 túi × 2 g", 75_000),
    "Nõn chè xanh Trại Cài": ("tea", "túi", "200 g", 180_000),
    "Trà Hích": ("tea", "túi", "200 g", 160_000),
    "Hồng Đỉnh trà": ("tea", "hộp", "200 g", 200_000),
    "Trà TN GABA": ("tea", "hộp", "100 g", 220_000),
    "Măng tươi lục trúc MTQ": ("bamboo_fresh", "kg", "1 kg", 35_000),
    "Măng khô lục trúc MTQ": ("bamboo_dried", "túi", "500 g", 190_000),
    "Mật ong Phúc Thành": ("honey", "chai", "500 ml", 250_000),
    "Bún ngũ sắc (từ gạo bao thai Định Hóa)": ("vermicelli", "gói", "500 g", 45_000),
    "Gạo nếp vải Ôn Lương": ("rice", "túi", "2 kg", 90_000),
    "Miến dong Tài Hoan": ("noodle", "gói", "500 g", 75_000),
    "Vicumax Nano Curcumin": ("supplement", "hộp", "30 viên", 450_000),
    "Vicumax Limited Nano Curcumin": ("supplement", "hộp", "60 viên", 850_000),
    "Vicumax Mật ong Nano Curcumin": ("supplement", "chai", "250 ml", 380_000),
    "Trà giảo cổ lam núi đá": ("herbal_tea", "túi", "200 g", 150_000),
    "Trà hoa vàng Bắc Kạn": ("herbal_tea", "hộp", "50 g", 450_000),
    "Trà nụ vối": ("herbal_tea", "túi", "200 g", 110_000),
    "Tinh bột nghệ nếp đỏ Bắc Kạn": None,  # the CSV gives no OCOP group: not seeded
    "Rượu men lá Thanh Tâm": ("liquor", "chai", "500 ml", 130_000),
    "Rượu men lá Bằng Phúc": ("liquor", "chai", "500 ml", 120_000),
    "Rượu mơ Asuka": ("liqueur", "chai", "500 ml", 280_000),
}
#: CSV rows without a producer: name_vi -> the demo household standing in for it.
HOUSEHOLD_FOR = {
    "Bún ngũ sắc (từ gạo bao thai Định Hóa)": "Hộ kinh doanh Bún gạo Định Hóa (minh hoạ)",
    "Gạo nếp vải Ôn Lương": "Hộ kinh doanh Nếp vải Ôn Lương (minh hoạ)",
}
#: Added to the description of a real product whose source gives no year of recognition.
UNDATED_NOTE_VI = (
    "Sản phẩm có tên trong danh sách sản phẩm OCOP mà nguồn tin công bố, nhưng nguồn tin không nêu "
    "quyết định công nhận (số, ngày, thời hạn); vì vậy sàn không ghi chứng nhận và không hiện sao OCOP."
)
UNDATED_NOTE_EN = (
    "Listed as an OCOP product by a public source that gives no recognition decision (number, date, "
    "validity), so the shop records no certificate and shows no OCOP stars."
)


def is_dated(row: dict) -> bool:
    """Say whether a CSV row gives what a certificate needs: stars and the year of recognition."""
    return bool(row["stars"] and row["year"])


def create_product(rng, today, index, row, facts, producer, slugs, image_dir, summary) -> Product:
    kind_name, unit, net_quantity, price_vnd = facts
    kind = KINDS[kind_name]
    group, subgroup = parse_group(row["group"])
    product = Product(
        producer=producer,
        slug=unique_slug(row["name_vi"], slugs),
        name_vi=row["name_vi"],
        name_en=row["name_en"],
        description_vi=description_vi(row, kind, producer),
        description_en=description_en(row),
        ingredients=SPECIFIC_INGREDIENTS.get(row["name_vi"], kind.ingredients),
        usage=kind.usage,
        storage=kind.storage,
        ocop_group=group,
        ocop_subgroup=subgroup,
        unit=unit,
        net_quantity=net_quantity,
        price_vnd=price_vnd,
        # About half the goods get a demo GTIN; services and the rest stay without one.
        gtin=demo_gtin(index + 1) if index % 2 == 0 and kind.first_step else None,
        # The pending producer's product is published too: listings also require an approved producer.
        is_published=True,
        published_at=vn_moment(today - timedelta(days=rng.randint(5, 120)), 9),
    )
    db.session.add(product)
    if group != 6:  # tourism services are booked by session (storefront/demo/experiences.py), not stocked
        db.session.add(Stock(product=product, on_hand=rng.randint(20, 200)))
    summary.products += 1

    if is_dated(row):
        certificate = real_certificate(product, producer, int(row["stars"]), int(row["year"]))
        db.session.add(certificate)
        count_certificate(certificate, today, summary)
    else:
        summary.undated.append(row["name_vi"])

    if kind.first_step:
        batch_count = 1 if kind_name == "bamboo_fresh" else 2
        for number in range(1, batch_count + 1):
            batch = make_batch(rng, today, product, producer, kind, number, newest=number == batch_count)
            db.session.add(batch)
            summary.batches += 1
            summary.events += len(batch.events)

    draw_images(product, kind_name, image_dir, summary)
    return product


def description_vi(row, kind, producer) -> str:
    # No stars in free text: the badge states them from the certificate register, and a lapse shows as a lapse.
    new_place = ward_name(producer.ward_code)
    now = f"; nay thuộc {new_place}, tỉnh Thái Nguyên" if new_place else ""
    parts = [f"{row['name_vi']} là sản phẩm của {producer.name} ({producer.legacy_address}{now})."]
    parts.append(kind.sentence)
    if row["name_vi"] in SPECIFIC_SENTENCES:
        parts.append(SPECIFIC_SENTENCES[row["name_vi"]])
    if row["producer"] == "":
        parts.append("Chủ thể hiển thị ở đây là hộ kinh doanh minh hoạ; nguồn tin không nêu tên chủ thể.")
    if not is_dated(row):
        parts.append(UNDATED_NOTE_VI)
    return " ".join(parts)


def description_en(row) -> str:
    origin = ", ".join(part for part in (row["commune"], row["district"]) if part)
    by = f" by {row['producer']}" if row["producer"] else ""
    text = f"{row['name_en']}, an OCOP programme product{by}{' (' + origin + ')' if origin else ''}."
    return f"{text} {UNDATED_NOTE_EN}" if not is_dated(row) else text


def story(producer: Producer, items: list[tuple[Product, dict]]) -> str:
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
            if is_dated(row):
                year = f" (công nhận OCOP năm {row['year']})"
            else:
                year = " (có tên trong danh sách OCOP công bố; nguồn tin không nêu quyết định công nhận)"
            lines.append(f"- **{product.name_vi}**{year}")
        lines.append("")
    lines.append(
        "_Giới thiệu soạn từ danh sách sản phẩm OCOP công khai; số đăng ký kinh doanh, "
        "điện thoại, giá và mã lô là dữ liệu minh hoạ._"
    )
    return "\n".join(lines)


def parse_group(text: str) -> tuple[int, str]:
    """Return (group number, sub-group code) from '… (I.5.a)'."""
    code = text.rsplit("(", 1)[1].rstrip(")").strip()
    return ROMAN[code.split(".")[0]], code


def demo_gtin(item: int) -> str:
    body = f"{DEMO_GTIN_STEM}{item:05d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return "0" + body + str((10 - total % 10) % 10)


def unique_slug(text: str, taken: set[str]) -> str:
    base = slugify(text)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))

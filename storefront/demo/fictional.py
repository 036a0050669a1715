"""Fictional producers and products, marked "(hư cấu)", that show a live OCOP programme.

Their certificates come from a fictional council: valid ones (3–5★, one ending within 90
days for the producer's expiry warning), plus the lapsed and the revoked certificate the demo
shows. Real products never carry an invented lapse or revocation.
"""

from datetime import timedelta

from storefront.addresses import THAI_NGUYEN
from storefront.catalog.models import LegalType, Producer, ProducerStatus, Product
from storefront.demo.artwork import draw_cover, draw_images
from storefront.demo.batches import make_batch, vn_moment
from storefront.demo.catalogue import DEMO_GTIN_STEM, ROMAN, demo_gtin, unique_slug
from storefront.demo.certificates import count_certificate, fictional_certificate
from storefront.demo.kinds import KINDS
from storefront.extensions import db
from storefront.inventory.models import Stock

#: Invented producers (marked "hư cấu" in their names) whose products carry demo
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
#: Websites of the invented producers: example.com names (RFC 2606), so no real site is credited.
FICTIONAL_WEBSITES = (
    "https://che-binh-minh.example.com/",
    "https://mat-ong-suoi-reo.example.com/",
    "https://duoc-lieu-nui-coc.example.com/",
)
#: (name_vi, name_en, producer, kind, sub-group, unit, net quantity, price, stars, days since the demo decision).
#: One certificate ends within 90 days, so the expiry warning can be seen too; one is past its
#: 36 months (a lapse) and one is revoked (FICTIONAL_REVOKED).
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
    (
        "Trà xanh túi lọc Bình Minh (hư cấu)",
        "Binh Minh green tea bags (fictional)",
        0,
        "tea_bag",
        "I.5.a",
        "hộp",
        "25 túi × 2 g",
        70_000,
        4,
        1200,
    ),
    (
        "Miến dong Suối Reo (hư cấu)",
        "Suoi Reo canna-starch glass noodles (fictional)",
        1,
        "noodle",
        "I.3",
        "gói",
        "500 g",
        65_000,
        3,
        400,
    ),
)
#: The fictional product whose demo certificate is revoked.
FICTIONAL_REVOKED = "Miến dong Suối Reo (hư cấu)"
#: The fictional product with a demo GTIN and serialized stamps (storefront/demo/stamps.py).
FICTIONAL_STAMPED = "Chè búp Bình Minh (hư cấu)"
#: Its demo GTIN: a number under the demo stem no real product of the demo gets (those take 1 to 99).
FICTIONAL_STAMPED_GTIN_ITEM = 900
#: Its producer's demo GS1 company prefix: the GTIN lies under it, the real products' GTINs do not.
FICTIONAL_GS1_PREFIX = DEMO_GTIN_STEM + "009"


def create_fictional(rng, today, slugs, image_dir, summary) -> None:
    """Add the invented producers and their products, each with a demo certificate."""
    producers = []
    for index, (name, legal_type, ward_code, sentence) in enumerate(FICTIONAL_PRODUCERS):
        producer = Producer(
            slug=unique_slug(name, slugs),
            name=name,
            legal_type=legal_type,
            business_reg_no=f"DEMO-HUCAU-{index + 1:03d}",
            business_reg_place="Dữ liệu minh hoạ",
            phone=f"+8490000000{index + 1}",
            province_code=THAI_NGUYEN,
            ward_code=ward_code,
            street="Địa chỉ hư cấu",
            website=FICTIONAL_WEBSITES[index],
            legacy_address="",
            legacy_district="",
            status=ProducerStatus.APPROVED,
            approved_at=vn_moment(today - timedelta(days=400), 9),
        )
        db.session.add(producer)
        producers.append((producer, sentence, []))
    for name_vi, name_en, owner, kind_name, subgroup, unit, net_quantity, price_vnd, stars, age in FICTIONAL_PRODUCTS:
        producer, sentence, names = producers[owner]
        kind = KINDS[kind_name]
        if name_vi == FICTIONAL_STAMPED:
            producer.gs1_prefix = FICTIONAL_GS1_PREFIX
        product = Product(
            producer=producer,
            slug=unique_slug(name_vi, slugs),
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
            published_at=vn_moment(today - timedelta(days=30), 9),
            gtin=demo_gtin(FICTIONAL_STAMPED_GTIN_ITEM) if name_vi == FICTIONAL_STAMPED else None,
        )
        db.session.add(product)
        db.session.add(Stock(product=product, on_hand=rng.randint(20, 200)))
        number = f"DEMO-{len(names) + 1:02d}{owner}/HƯ CẤU"
        certificate = fictional_certificate(
            today, product, producer, stars, age, number, revoked=name_vi == FICTIONAL_REVOKED
        )
        db.session.add(certificate)
        count_certificate(certificate, today, summary)
        summary.products += 1
        batch = make_batch(rng, today, product, producer, kind, 1, newest=True)
        db.session.add(batch)
        summary.batches += 1
        summary.events += len(batch.events)
        draw_images(product, kind_name, image_dir, summary)
        names.append(name_vi)
    for owner, (producer, sentence, names) in enumerate(producers):
        draw_cover(producer, next(p[3] for p in FICTIONAL_PRODUCTS if p[2] == owner), image_dir, summary)
        items = "\n".join(f"- **{name}**" for name in names)
        producer.story_md = (
            f"## {producer.name}\n\n{sentence}\n\nSản phẩm trên sàn:\n\n{items}\n\n"
            "_Cơ sở, sản phẩm và chứng nhận OCOP ở đây đều là dữ liệu hư cấu để trình diễn._"
        )

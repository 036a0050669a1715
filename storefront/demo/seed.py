"""`seed_demo`: the demo catalogue, accounts and traceability data for an empty database.

Real Thái Nguyên OCOP products come from data/demo (storefront/demo/catalogue.py), fictional
producers show a live programme (fictional.py). Every value made up (prices, GTINs, decision
numbers, registration numbers, phones, lots, events) is demo data, seeded from
random.Random(SEED) so that runs are repeatable.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from storefront.accounts.models import Role, User
from storefront.addresses import THAI_NGUYEN
from storefront.catalog.models import LegalType, Producer, ProducerStatus, Product
from storefront.demo.articles import seed_articles
from storefront.demo.artwork import draw_cover
from storefront.demo.batches import vn_moment
from storefront.demo.catalogue import (
    DATA_DIR,
    HOUSEHOLD_FOR,
    PRODUCT_FACTS,
    PRODUCTS_CSV,
    create_product,
    read_csv,
    story,
    unique_slug,
)
from storefront.demo.events import seed_events
from storefront.demo.experiences import seed_experiences
from storefront.demo.fictional import FICTIONAL_PRODUCERS, create_fictional
from storefront.demo.outlets import seed_outlets
from storefront.demo.reviews import seed_reviews
from storefront.demo.stamps import demo_stamp_paths, seed_stamps
from storefront.demo.videos import seed_videos
from storefront.extensions import db
from storefront.office.scoring import ensure_criteria_sets
from storefront.storage import Storage, as_storage

SEED = 2026
DEMO_PASSWORD = "demo1234"
#: (email, role, full name); the producer account owns HTX Chè Hảo Đạt.
DEMO_ACCOUNTS = (
    ("khach@example.com", Role.SHOPPER, "Khách hàng (tài khoản demo)"),
    ("hoptacxa@example.com", Role.PRODUCER, "HTX Chè Hảo Đạt (tài khoản demo)"),
    ("vanphong@example.com", Role.OFFICE, "Văn phòng OCOP (tài khoản demo)"),
)
OWNED_PRODUCER = "HTX Chè Hảo Đạt"


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
    #: Demo reviews written on delivered demo orders (storefront/demo/reviews.py).
    reviews: int = 0
    #: Demo points of sale (storefront/demo/outlets.py).
    outlets: int = 0
    #: Demo fairs (storefront/demo/events.py).
    fairs: int = 0
    #: Demo video links (storefront/demo/videos.py).
    videos: int = 0
    #: Demo news and stories (storefront/demo/articles.py), the story waiting for review included.
    articles: int = 0
    #: Real tourism products made experiences with weekly sessions (storefront/demo/experiences.py).
    experiences: int = 0
    skipped: list[str] = field(default_factory=list)
    #: Real products whose source gives no year of recognition: no certificate, no stars.
    undated: list[str] = field(default_factory=list)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    stamps: int = 0
    #: The demo stamps' GS1 Digital Link paths, by the case each shows (README "Scan a demo stamp").
    stamp_paths: list[tuple[str, str]] = field(default_factory=list)


def seed_demo(*, today: date, image_dir: Storage | Path) -> DemoSummary:
    """Add the demo catalogue, accounts and traceability data to an empty database; flush only.

    :raises DemoAlreadySeeded: if any producer or demo account already exists.
    """
    if db.session.scalar(select(func.count(Producer.id))):
        raise DemoAlreadySeeded("the database already has producers; seed-demo only fills an empty catalogue")
    emails = [email for email, _, _ in DEMO_ACCOUNTS]
    if db.session.scalar(select(func.count(User.id)).where(User.email.in_(emails))):
        raise DemoAlreadySeeded("a demo account already exists; seed-demo only fills an empty database")

    rng = random.Random(SEED)
    image_dir = as_storage(image_dir)  # the media storage, or a local folder
    summary = DemoSummary()

    users = _create_accounts(summary)
    producers = _create_producers(rng, today, summary)
    producers[OWNED_PRODUCER].owner = users[Role.PRODUCER]

    slugs: set[str] = set()
    products_by_producer: dict[str, list[tuple[Product, dict]]] = {}
    for index, row in enumerate(read_csv(PRODUCTS_CSV)):
        facts = PRODUCT_FACTS.get(row["name_vi"])
        if facts is None:
            summary.skipped.append(row["name_vi"])
            continue
        producer_name = row["producer"] or HOUSEHOLD_FOR[row["name_vi"]]
        producer = producers[producer_name]
        product = create_product(rng, today, index, row, facts, producer, slugs, image_dir, summary)
        products_by_producer.setdefault(producer_name, []).append((product, row))

    for name, producer in producers.items():
        producer.story_md = story(producer, products_by_producer.get(name, []))
        if products_by_producer.get(name):
            draw_cover(producer, PRODUCT_FACTS[products_by_producer[name][0][1]["name_vi"]][0], image_dir, summary)
    create_fictional(rng, today, slugs, image_dir, summary)
    summary.stamp_paths = demo_stamp_paths(seed_stamps(rng, today, summary))

    # The office's scoresheet needs the criteria sets (148/2023, 1048/2019) as data.
    ensure_criteria_sets()
    db.session.flush()
    summary.reviews = seed_reviews(today=today, shopper=users[Role.SHOPPER])
    summary.outlets = seed_outlets()
    summary.fairs = seed_events(today)
    summary.videos = seed_videos()
    summary.articles = seed_articles(today=today, image_dir=image_dir)
    summary.experiences = seed_experiences(today=today, image_dir=image_dir, summary=summary)
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
    for row in read_csv(DATA_DIR / "producers.csv"):
        status = ProducerStatus(row["status"])
        ward_code = int(row["ward_code"]) if row["ward_code"] else None
        producer = Producer(
            slug=unique_slug(row["name"], slugs),
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
            approved_at=vn_moment(today - timedelta(days=rng.randint(150, 400)), 9)
            if status is ProducerStatus.APPROVED
            else None,
        )
        db.session.add(producer)
        producers[producer.name] = producer
    return producers

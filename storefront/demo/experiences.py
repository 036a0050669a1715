"""The demo's experiences (OCOP group 6): the real tourism product, two demo tours and a few demo bookings.

Facts from data/demo (name, producer, commune); the meeting place is the producer's commune;
prices, times, places, extras and the cancellation window are demo values and say so.
Coordinates are left out: no source gives them, and the page must not show an invented point.

So that the demo producer account (HTX Chè Hảo Đạt, Tân Cương) has host pages to show, the seed
gives it two demo items, both in Tân Cương, the tea area of Thái Nguyên: a tea-hill visit labelled
"tour minh hoạ" and an overnight homestay labelled "homestay minh hoạ … (hư cấu)" (the co-operative
is real; it publishes neither, and each text says so: no certificate, no stars). The
homestay is the account's, not a fictional co-op's, so its stays page has a guest to declare. And
bookings by fictional guests: upcoming ones, one checked in last week and one no-show, so the
calendar, guest list, stays and figures show something. A database seeded before the homestay moved
gets it by `flask db upgrade` (migrations/versions/demo_homestay_for_the_demo_account.py).
"""

from datetime import date, time, timedelta

from sqlalchemy import select

from storefront.catalog.models import Producer, Product
from storefront.demo.artwork import draw_images
from storefront.demo.batches import vn_moment
from storefront.demo.catalogue import unique_slug
from storefront.experiences.availability import add_rule, vn_instant
from storefront.experiences.bookings import Contact, Guests, book, check_in, mark_no_show
from storefront.experiences.models import Experience, ExperienceExtra, ExperienceSession, StayGuest
from storefront.extensions import db

SATURDAY, SUNDAY = 5, 6

#: name_vi -> details; the product's own demo price is the adult price.
EXPERIENCES = {
    "Du lịch văn hóa dân tộc Tày bản làng Thái Hải": {
        "duration_minutes": 420,
        "meeting_address": "Bản làng sinh thái Thái Hải (điểm hẹn minh hoạ)",
        "languages": "vi",
        "included_vi": "Hướng dẫn viên của bản, tham quan nhà sàn, trò chơi dân gian (nội dung minh hoạ).",
        "included_en": "A village guide, stilt-house visit, folk games (demo content).",
        "bring_vi": "Giày đi bộ, mũ, áo mưa mỏng.",
        "bring_en": "Walking shoes, a hat, a light raincoat.",
        "child_price_vnd": 150_000,
        "min_guests": 1,
        "max_guests": 15,
        "child_max_age": 11,
        "free_cancel_hours": 48,
        "extras": [("Bữa trưa món Tày (minh hoạ)", "Tay lunch (demo)", 120_000)],
        "rules": [(SATURDAY, time(8, 0), 20), (SUNDAY, time(8, 0), 20)],
    },
}


#: The demo homestay, the demo producer account's (before: the fictional Bình Minh co-op's, which has no login).
HOMESTAY_VI = "Homestay minh hoạ trên đồi chè Tân Cương, một đêm (hư cấu)"
HOMESTAY_DESCRIPTION_VI = (
    "Một đêm ở nhà sàn giữa đồi chè xã Tân Cương, bữa tối cơm quê, sáng hôm sau hái chè và uống trà "
    "cùng chủ nhà. Homestay hư cấu, dựng lên để tài khoản demo của hợp tác xã có khách lưu trú để xem: "
    "HTX Chè Hảo Đạt có thật nhưng không công bố homestay này; nhà sàn, giá và giờ đều là giá trị minh hoạ."
)
HOMESTAY_ADDRESS = "Nhà sàn minh hoạ, xã Tân Cương (địa chỉ hư cấu)"

#: Demo tours made for the demo (not real OCOP products): the producer, the product and experience facts.
DEMO_TOURS = (
    {
        "producer": "HTX Chè Hảo Đạt",
        "name_vi": "Một buổi sáng trên đồi chè Tân Cương: hái và sao chè cùng HTX Hảo Đạt (tour minh hoạ)",
        "name_en": "A morning on the Tan Cuong tea hills: picking and pan-firing tea with Hao Dat co-op (demo tour)",
        "description_vi": (
            "Đi bộ qua đồi chè xã Tân Cương cùng xã viên hợp tác xã, hái búp chè một tôm hai lá, xem và thử "
            "sao chè trong chảo gang, rồi thưởng trà. Tour này là dữ liệu minh hoạ của sàn: HTX Chè Hảo Đạt có "
            "thật, nhưng chưa công bố tour này; giá, giờ và số chỗ đều là giá trị minh hoạ."
        ),
        "description_en": (
            "Walk the tea hills of Tan Cuong with members of the co-operative, pick one-bud-two-leaf shoots, "
            "watch and try pan-firing in a cast-iron wok, then taste the tea. A demo tour: the co-operative is "
            "real but does not publish this tour; prices, times and places are demo values."
        ),
        "price_vnd": 250_000,
        "experience": {
            "duration_minutes": 180,
            "meeting_address": "Xưởng chè của HTX Chè Hảo Đạt, xã Tân Cương (điểm hẹn minh hoạ)",
            "languages": "vi",
            "included_vi": "Xã viên dẫn đường, hái chè, thử sao chè bằng chảo gang, thưởng trà (nội dung minh hoạ).",
            "included_en": "A co-op member as guide, tea picking, trying pan-firing, a tasting (demo content).",
            "bring_vi": "Nón hoặc mũ, áo dài tay, giày đế bằng (đồi chè dốc và nắng).",
            "bring_en": "A hat, long sleeves, flat shoes (the hills are steep and sunny).",
            "child_price_vnd": 120_000,
            "min_guests": 1,
            "max_guests": 12,
            "child_max_age": 11,
            "min_age": 5,
            "free_cancel_hours": 24,
        },
        "extras": [
            ("Túi chè tự sao mang về, 100 g (minh hoạ)", "Your own pan-fired tea to take home, 100 g (demo)", 80_000)
        ],
        "rules": [(SATURDAY, time(7, 30), 12)],
    },
    {
        "producer": "HTX Chè Hảo Đạt",
        "name_vi": HOMESTAY_VI,
        "name_en": "A demo homestay on the Tan Cuong tea hills, one night (fictional)",
        "description_vi": HOMESTAY_DESCRIPTION_VI,
        "description_en": (
            "A night in a stilt house among the Tan Cuong tea hills, a country dinner, tea picking and a "
            "tasting with the hosts next morning. A fictional homestay made up so that the demo producer "
            "account has guests to declare: HTX Chè Hảo Đạt is real but does not publish this homestay; the house, "
            "prices and times are demo values."
        ),
        "price_vnd": 450_000,
        "experience": {
            "duration_minutes": 20 * 60,
            "nights": 1,
            "meeting_address": HOMESTAY_ADDRESS,
            "languages": "vi,en",
            "included_vi": "Một đêm ngủ nhà sàn, bữa tối và bữa sáng, hái chè buổi sáng (nội dung hư cấu).",
            "included_en": "One night in the stilt house, dinner and breakfast, morning tea picking (fictional).",
            "bring_vi": "Giấy tờ tuỳ thân (CCCD hoặc hộ chiếu) để chủ nhà khai báo lưu trú, áo ấm cho buổi tối.",
            "bring_en": "An ID card or passport for the stay declaration, a warm layer for the evening.",
            "child_price_vnd": 200_000,
            "min_guests": 1,
            "max_guests": 6,
            "child_max_age": 11,
            "free_cancel_hours": 72,
        },
        "extras": [],
        "rules": [(SATURDAY, time(14, 0), 6)],
    },
)


def seed_experiences(*, today: date, image_dir=None, summary=None) -> int:
    """Make each real tourism product an experience with its weekly sessions, add the demo tours; return how many."""
    made = _seed_demo_tours(today, image_dir, summary)
    for name, facts in EXPERIENCES.items():
        product = db.session.scalar(select(Product).where(Product.name_vi == name))
        if product is None:
            continue
        details = {k: v for k, v in facts.items() if k not in ("extras", "rules")}
        _make_experience(product, details, facts["extras"], facts["rules"], today)
        made += 1
    return made


def _make_experience(product: Product, details: dict, extras, rules, today: date) -> Experience:
    """The product's experience at its producer's commune, paid at the venue or now, with its weekly sessions."""
    experience = Experience(
        product=product,
        meeting_ward_code=product.producer.ward_code,
        adult_price_vnd=product.price_vnd,
        allow_pay_at_venue=True,
        **details,
    )
    db.session.add(experience)
    for name_vi, name_en, price_vnd in extras:
        experience.extras.append(ExperienceExtra(name_vi=name_vi, name_en=name_en, price_vnd=price_vnd))
    db.session.flush()
    for weekday, start, capacity in rules:
        add_rule(experience, weekday=weekday, start_time=start, capacity=capacity, valid_from=today)
    return experience


def _seed_demo_tours(today: date, image_dir, summary) -> int:
    """Add the demo tours (a product of group 6 each, no certificate, no stock) and their demo bookings."""
    made = 0
    slugs = set(db.session.scalars(select(Product.slug)))
    for facts in DEMO_TOURS:
        producer = db.session.scalar(select(Producer).where(Producer.name == facts["producer"]))
        if producer is None:
            continue
        product = Product(
            producer=producer,
            slug=unique_slug(facts["name_vi"], slugs),
            name_vi=facts["name_vi"],
            name_en=facts["name_en"],
            description_vi=facts["description_vi"],
            description_en=facts["description_en"],
            ocop_group=6,
            ocop_subgroup="VI",
            unit="khách",
            price_vnd=facts["price_vnd"],
            is_published=True,
            published_at=vn_moment(today - timedelta(days=20), 9),
        )
        db.session.add(product)
        if summary is not None:
            summary.products += 1
        if image_dir is not None:
            draw_images(product, "tourism", image_dir, summary)
        experience = _make_experience(product, facts["experience"], facts["extras"], facts["rules"], today)
        _demo_bookings(experience, today)
        made += 1
    return made


#: Fictional guests (no account, no e-mail: nothing is mailed): name, phone, adults, children.
DEMO_GUESTS = [
    ("Khách minh hoạ Trần Thu Hà", "+84900000101", 2, 1),
    ("Khách minh hoạ Lê Văn Nam", "+84900000102", 4, 0),
    ("Khách minh hoạ Phạm Minh Anh", "+84900000103", 2, 0),
]


def _demo_bookings(experience: Experience, today: date) -> None:
    """Book the next session (paid at the venue), and last week's: one group checked in, one no-show."""
    upcoming = db.session.scalars(
        select(ExperienceSession)
        .where(ExperienceSession.experience_id == experience.id, ExperienceSession.day > today)
        .order_by(ExperienceSession.starts_at)
    ).first()
    (name, phone, adults, children), *earlier = DEMO_GUESTS
    booking = book(upcoming, Guests(adults, children), Contact(name, phone), pay_at_venue=True)
    if experience.is_overnight:  # the details the police declaration needs, as the guest would give them
        for full_name, born in (
            ("Trần Thu Hà (minh hoạ)", date(1990, 5, 12)),
            ("Nguyễn Văn Sơn (minh hoạ)", date(1988, 9, 3)),
        ):
            booking.stay_guests.append(
                StayGuest(full_name=full_name, birth_date=born, id_number="000000000000", nationality="VN")
            )
        return
    rule = experience.rules[0]
    day = today - timedelta(days=(today.weekday() - rule.weekday) % 7 or 7)
    past = ExperienceSession(
        experience=experience,
        day=day,
        start_time=rule.start_time,
        starts_at=vn_instant(day, rule.start_time),
        capacity=rule.capacity,
    )
    db.session.add(past)
    db.session.flush()
    booked_at = past.starts_at - timedelta(days=3)
    came, missed = (
        book(past, Guests(adults, children), Contact(name, phone), pay_at_venue=True, now=booked_at)
        for name, phone, adults, children in earlier
    )
    check_in(came, now=past.starts_at - timedelta(minutes=10))
    mark_no_show(missed, now=past.starts_at + timedelta(hours=1))

"""The real tourism product of the demo (OCOP group 6) as an experience with weekly sessions.

Facts from data/demo (name, producer, commune); the meeting place is the producer's commune;
prices, times, places, extras and the cancellation window are demo values and say so.
Coordinates are left out: no source gives them, and the page must not show an invented point.
"""

from datetime import date, time

from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.experiences.availability import add_rule
from storefront.experiences.models import Experience, ExperienceExtra
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


def seed_experiences(*, today: date) -> int:
    """Make each real tourism product an experience with its weekly sessions; return how many."""
    made = 0
    for name, facts in EXPERIENCES.items():
        product = db.session.scalar(select(Product).where(Product.name_vi == name))
        if product is None:
            continue
        details = {k: v for k, v in facts.items() if k not in ("extras", "rules")}
        experience = Experience(
            product_id=product.id,
            meeting_ward_code=product.producer.ward_code,
            adult_price_vnd=product.price_vnd,
            allow_pay_at_venue=True,
            **details,
        )
        db.session.add(experience)
        for name_vi, name_en, price_vnd in facts["extras"]:
            experience.extras.append(ExperienceExtra(name_vi=name_vi, name_en=name_en, price_vnd=price_vnd))
        db.session.flush()
        for weekday, start, capacity in facts["rules"]:
            add_rule(experience, weekday=weekday, start_time=start, capacity=capacity, valid_from=today)
        made += 1
    return made

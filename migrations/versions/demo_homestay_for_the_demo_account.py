"""demo data: the demo homestay belongs to the demo producer account (HTX Chè Hảo Đạt)

Demo seeds before this revision put the fictional homestay under the fictional Bình Minh co-op,
which has no login, so the README's producer account (hoptacxa@example.com) had an empty stays
page. A database holding that homestay (its exact seeded name under that co-op) gets what a fresh
`flask seed-demo` makes (storefront/demo/experiences.py): the homestay, its bookings and its texts
move to HTX Chè Hảo Đạt, still marked "(hư cấu)", saying the co-operative does not publish it; the
old address answers 301 (slug_redirects). Any other database is left alone. Downgrade keeps the data.
Rebuild the search index afterwards (`flask catalog reindex`) so a search finds the new name.

Revision ID: 8e2b5d7a1c46
Revises: 5d1f0b7e9a2c
Create Date: 2026-12-07 08:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8e2b5d7a1c46"
down_revision = "5d1f0b7e9a2c"
branch_labels = None
depends_on = None

OLD_HOST = "HTX Demo Chè Bình Minh (hư cấu)"
NEW_HOST = "HTX Chè Hảo Đạt"
OLD = {
    "slug": "homestay-doi-che-binh-minh-mot-dem-hu-cau",
    "name_vi": "Homestay đồi chè Bình Minh, một đêm (hư cấu)",
    "name_en": "Binh Minh tea-hill homestay, one night (fictional)",
    "meeting_address": "Nhà sàn Bình Minh, xã Tân Cương (địa chỉ hư cấu)",
}
#: The texts storefront/demo/experiences.py seeds now, copied: a migration does not follow later edits.
NEW = {
    "slug": "homestay-minh-hoa-tren-doi-che-tan-cuong-mot-dem-hu-cau",
    "name_vi": "Homestay minh hoạ trên đồi chè Tân Cương, một đêm (hư cấu)",
    "name_en": "A demo homestay on the Tan Cuong tea hills, one night (fictional)",
    "meeting_address": "Nhà sàn minh hoạ, xã Tân Cương (địa chỉ hư cấu)",
    "description_vi": (
        "Một đêm ở nhà sàn giữa đồi chè xã Tân Cương, bữa tối cơm quê, sáng hôm sau hái chè và uống trà "
        "cùng chủ nhà. Homestay hư cấu, dựng lên để tài khoản demo của hợp tác xã có khách lưu trú để xem: "
        "HTX Chè Hảo Đạt có thật nhưng không công bố homestay này; nhà sàn, giá và giờ đều là giá trị minh hoạ."
    ),
    "description_en": (
        "A night in a stilt house among the Tan Cuong tea hills, a country dinner, tea picking and a "
        "tasting with the hosts next morning. A fictional homestay made up so that the demo producer "
        "account has guests to declare: HTX Chè Hảo Đạt is real but does not publish this homestay; the house, "
        "prices and times are demo values."
    ),
}


def upgrade():
    bind = op.get_bind()
    old_host = bind.execute(sa.text("SELECT id FROM producers WHERE name = :n"), {"n": OLD_HOST}).scalar()
    new_host = bind.execute(sa.text("SELECT id FROM producers WHERE name = :n"), {"n": NEW_HOST}).scalar()
    product = bind.execute(
        sa.text("SELECT id FROM products WHERE producer_id = :p AND name_vi = :n"),
        {"p": old_host, "n": OLD["name_vi"]},
    ).scalar()
    if old_host is None or new_host is None or product is None:
        return  # not a demo database seeded before this revision
    slug_taken = bind.execute(sa.text("SELECT 1 FROM products WHERE slug = :s"), {"s": NEW["slug"]}).scalar()
    slug = OLD["slug"] if slug_taken else NEW["slug"]
    bind.execute(
        sa.text(
            "UPDATE products SET producer_id = :host, slug = :slug, name_vi = :name_vi, name_en = :name_en, "
            "description_vi = :description_vi, description_en = :description_en WHERE id = :id"
        ),
        {"host": new_host, "slug": slug, "id": product}
        | {key: NEW[key] for key in ("name_vi", "name_en", "description_vi", "description_en")},
    )
    if slug != OLD["slug"]:
        bind.execute(
            sa.text("INSERT INTO slug_redirects (kind, slug, target_id) VALUES ('product', :s, :id)"),
            {"s": OLD["slug"], "id": product},
        )
    bind.execute(
        sa.text("UPDATE experiences SET meeting_address = :new WHERE product_id = :id AND meeting_address = :old"),
        {"new": NEW["meeting_address"], "old": OLD["meeting_address"], "id": product},
    )
    bind.execute(
        sa.text(
            "UPDATE bookings SET producer_id = :host, experience_name = :name WHERE producer_id = :old_host"
            " AND session_id IN (SELECT s.id FROM experience_sessions s JOIN experiences e"
            " ON s.experience_id = e.id WHERE e.product_id = :id)"
        ),
        {"host": new_host, "old_host": old_host, "name": NEW["name_vi"], "id": product},
    )
    for column, language in (("alt", "name_vi"), ("alt_en", "name_en")):  # the illustrations name the product
        bind.execute(
            sa.text(f"UPDATE product_images SET {column} = REPLACE({column}, :old, :new) WHERE product_id = :id"),
            {"old": OLD[language], "new": NEW[language], "id": product},
        )


def downgrade():
    pass  # the homestay stays with the demo account: moving it back would only empty its stays page again

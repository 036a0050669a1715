"""events: OCOP fairs and exhibitions with their producers and products; product_videos: YouTube and
Facebook clips of 3–5★ products (embedded on tap); producers.website: a producer's own https site

Revision ID: e5a1c7f3b9d2
Revises: e4a7c2b9d1f3
Create Date: 2026-12-07 01:18:47.933706

"""

import sqlalchemy as sa
from alembic import op

import storefront.columns

# revision identifiers, used by Alembic.
revision = "e5a1c7f3b9d2"
down_revision = "e4a7c2b9d1f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=160), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "national",
                "regional",
                "province",
                "commune",
                name="eventlevel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("province_code", sa.SmallInteger(), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_events_both_coordinates")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_events_ends_after_start")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("slug", name=op.f("uq_events_slug")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_starts_on"), ["starts_on"], unique=False)

    op.create_table(
        "event_producers",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_producers_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producers.id"], name=op.f("fk_event_producers_producer_id_producers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "producer_id", name=op.f("pk_event_producers")),
    )
    with op.batch_alter_table("event_producers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_producers_producer_id"), ["producer_id"], unique=False)

    op.create_table(
        "event_products",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_products_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_event_products_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "product_id", name=op.f("pk_event_products")),
    )
    with op.batch_alter_table("event_products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_products_product_id"), ["product_id"], unique=False)

    op.create_table(
        "product_videos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column(
            "platform",
            sa.Enum("youtube", "facebook", name="videoplatform", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("video_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_videos_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_videos")),
        sa.UniqueConstraint(
            "product_id", "platform", "video_id", name=op.f("uq_product_videos_product_id_platform_video_id")
        ),
    )
    with op.batch_alter_table("product_videos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_videos_product_id"), ["product_id"], unique=False)

    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("website", sa.String(length=300), server_default="", nullable=False))


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode's copy of the table: dropping the old
    # producers table would break the foreign keys of its products on SQLite.
    with op.batch_alter_table("producers", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("website")

    with op.batch_alter_table("product_videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_videos_product_id"))

    op.drop_table("product_videos")
    with op.batch_alter_table("event_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_products_product_id"))

    op.drop_table("event_products")
    with op.batch_alter_table("event_producers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_producers_producer_id"))

    op.drop_table("event_producers")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_starts_on"))

    op.drop_table("events")

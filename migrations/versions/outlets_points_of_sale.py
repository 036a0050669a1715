"""outlets: points of sale and showrooms (provincial centre, showrooms, tourist-site shops,
supermarkets, convenience stores, market stalls) with a post-2025 ward, coordinates, hours,
phone and the products each stocks

Revision ID: c7e2a9d4b3f1
Revises: b1c4d7e2f9a0
Create Date: 2026-12-06 22:30:54.700463

"""

import sqlalchemy as sa
from alembic import op

import storefront.columns

# revision identifiers, used by Alembic.
revision = "c7e2a9d4b3f1"
down_revision = "b1c4d7e2f9a0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=160), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "provincial_centre",
                "showroom",
                "tourist_shop",
                "supermarket",
                "convenience_store",
                "market_stall",
                name="outletkind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("province_code", sa.SmallInteger(), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("opening_hours", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_outlets_both_coordinates")),
        sa.CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name=op.f("ck_outlets_latitude_range")),
        sa.CheckConstraint(
            "longitude IS NULL OR longitude BETWEEN -180 AND 180", name=op.f("ck_outlets_longitude_range")
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producers.id"], name=op.f("fk_outlets_producer_id_producers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlets")),
        sa.UniqueConstraint("slug", name=op.f("uq_outlets_slug")),
    )
    with op.batch_alter_table("outlets", schema=None) as batch_op:
        batch_op.create_index("ix_outlets_listing", ["is_active", "ward_code", "kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_outlets_producer_id"), ["producer_id"], unique=False)

    op.create_table(
        "outlet_products",
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_outlet_products_outlet_id_outlets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_outlet_products_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("outlet_id", "product_id", name=op.f("pk_outlet_products")),
    )
    with op.batch_alter_table("outlet_products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outlet_products_product_id"), ["product_id"], unique=False)


def downgrade():
    with op.batch_alter_table("outlet_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outlet_products_product_id"))

    op.drop_table("outlet_products")
    with op.batch_alter_table("outlets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outlets_producer_id"))
        batch_op.drop_index("ix_outlets_listing")

    op.drop_table("outlets")

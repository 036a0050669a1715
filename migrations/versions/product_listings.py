"""product_listings: a product's pages on other marketplaces (Postmart, Shopee, Tiki, Lazada) or
its producer's own site, shown as outbound links and carried by the merchant feed and the API

Revision ID: d3f8b1a6c2e4
Revises: c7e2a9d4b3f1
Create Date: 2026-12-06 22:50:56.263621

"""

import sqlalchemy as sa
from alembic import op

import storefront.columns

# revision identifiers, used by Alembic.
revision = "d3f8b1a6c2e4"
down_revision = "c7e2a9d4b3f1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "product_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column(
            "marketplace",
            sa.Enum(
                "postmart",
                "shopee",
                "tiki",
                "lazada",
                "own_site",
                name="marketplace",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_listings_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_listings")),
        sa.UniqueConstraint("product_id", "url", name=op.f("uq_product_listings_product_id_url")),
    )
    with op.batch_alter_table("product_listings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_listings_product_id"), ["product_id"], unique=False)


def downgrade():
    with op.batch_alter_table("product_listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_listings_product_id"))

    op.drop_table("product_listings")

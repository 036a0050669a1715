"""unknown_code_scans: look-ups of a lot or serial never registered under a known GTIN (resolver walk-up)

Revision ID: b4d2f6a8c1e3
Revises: 4d2c9a7e1b58
Create Date: 2026-12-06 22:40:00

"""

import sqlalchemy as sa
from alembic import op

import storefront.columns

# revision identifiers, used by Alembic.
revision = "b4d2f6a8c1e3"
down_revision = "4d2c9a7e1b58"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unknown_code_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("scanned_code", sa.String(length=300), nullable=False),
        sa.Column("scanned_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_unknown_code_scans_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_unknown_code_scans_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unknown_code_scans")),
    )
    op.create_index("ix_unknown_code_scans_product_time", "unknown_code_scans", ["product_id", "scanned_at"])


def downgrade():
    op.drop_index("ix_unknown_code_scans_product_time", table_name="unknown_code_scans")
    op.drop_table("unknown_code_scans")

"""image_illustrations: mark drawn artwork (the demo's illustrations) apart from real photos

A product's first real photo replaces its illustrations (storefront/catalog/gallery.py). Rows
already seeded by `flask seed-demo` carry alt texts that begin "Ảnh minh hoạ" (the seed wrote
them so); those rows are marked, so existing demo databases behave like freshly seeded ones.

Revision ID: e5b8c2d9f1a3
Revises: a7d9e3c1b2f4
Create Date: 2026-12-06 20:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5b8c2d9f1a3"
down_revision = "a7d9e3c1b2f4"
branch_labels = None
depends_on = None

TABLES = ("product_images", "producer_images")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("is_illustration", sa.Boolean(), nullable=False, server_default=sa.false()))
        op.execute(
            sa.text(f"UPDATE {table} SET is_illustration = :yes WHERE alt LIKE :seeded").bindparams(
                yes=True, seeded="Ảnh minh hoạ%"
            )
        )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("is_illustration")

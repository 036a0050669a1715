"""origin_versions: the number that tells workers a cached origin description is out of date

Revision ID: c3f1a2b4d5e6
Revises: 57844a362fde
Create Date: 2026-11-29 12:15:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3f1a2b4d5e6"
down_revision = "57844a362fde"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "origin_versions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_origin_versions_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_versions")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade():
    op.drop_table("origin_versions")

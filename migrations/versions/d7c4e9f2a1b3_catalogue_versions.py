"""catalogue_versions: the number that tells workers their cached catalogue pages are out of date

Revision ID: d7c4e9f2a1b3
Revises: 5c1e9a7d3b20
Create Date: 2026-12-07 10:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7c4e9f2a1b3"
down_revision = "5c1e9a7d3b20"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "catalogue_versions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalogue_versions_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_versions")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade():
    op.drop_table("catalogue_versions")

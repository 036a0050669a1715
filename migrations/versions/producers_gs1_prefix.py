"""producers.gs1_prefix: the GS1 company prefix the office recorded from the producer's licence

Revision ID: f2c8a5d1e7b4
Revises: e4b7c1d9a2f6
Create Date: 2026-12-08 02:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2c8a5d1e7b4"
down_revision = "e4b7c1d9a2f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gs1_prefix", sa.String(length=12), server_default="", nullable=False))


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode's copy of the table: dropping the old
    # producers table would break the foreign keys of its products on SQLite.
    with op.batch_alter_table("producers", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("gs1_prefix")

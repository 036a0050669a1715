"""certificates.decision_day_known: a decision whose source gives only the year

Revision ID: b41d7e2c9a10
Revises: e5b8c2d9f1a3
Create Date: 2026-12-06 22:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b41d7e2c9a10"
down_revision = "e5b8c2d9f1a3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_day_known", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("decision_day_known")

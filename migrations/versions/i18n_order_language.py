"""orders.language: the language the shopper ordered in, so every mail about the order uses it

Revision ID: 9b1e7d4c2a60
Revises: 5ca7d3e1f0a2
Create Date: 2026-12-06 16:25:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9b1e7d4c2a60"
down_revision = "5ca7d3e1f0a2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), server_default="vi", nullable=False))


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("language")

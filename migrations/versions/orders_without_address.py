"""orders: no delivery address for an order of visits only

Revision ID: 7c2e9a4b1d3f
Revises: 0aae7f81c57f
Create Date: 2026-12-07 04:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7c2e9a4b1d3f"
down_revision = "0aae7f81c57f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column("province_code", existing_type=sa.SmallInteger(), nullable=True)
        batch_op.alter_column("ward_code", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("street", existing_type=sa.String(length=200), nullable=True)


def downgrade():
    op.execute("UPDATE orders SET province_code = 0, ward_code = 0, street = '' WHERE ward_code IS NULL")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column("street", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("ward_code", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("province_code", existing_type=sa.SmallInteger(), nullable=False)

"""stocks.units_on_pages: the stock figure catalogue pages were last told (issue 21)

Revision ID: e4b7c1d9a2f6
Revises: d7c4e9f2a1b3
Create Date: 2026-12-07 13:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4b7c1d9a2f6"
down_revision = "d7c4e9f2a1b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("units_on_pages", sa.Integer(), nullable=True))
    # The figure pages show (inventory.models.shown_units, LOW_STOCK 10) of rows without open holds;
    # the others stay NULL (unknown): their next stock change empties the page caches once.
    op.execute(
        "UPDATE stocks SET units_on_pages = CASE WHEN on_hand - reserved > 10 THEN 11 ELSE on_hand - reserved END"
        " WHERE NOT EXISTS (SELECT 1 FROM reservations r WHERE r.stock_id = stocks.id AND r.closed_at IS NULL)"
    )


def downgrade():
    with op.batch_alter_table("stocks", schema=None) as batch_op:
        batch_op.drop_column("units_on_pages")

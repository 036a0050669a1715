"""scan_daily_counts: raw scan rows older than SCAN_RAW_RETENTION_DAYS rolled up per stamp, Vietnam
day and region (the scheduler's scan-rollup job, traceability/scans/rollup.py)

Revision ID: c7d2e9a4b1f6
Revises: 7c2e9a4b1d3f
Create Date: 2026-12-07 04:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c7d2e9a4b1f6"
down_revision = "7c2e9a4b1d3f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scan_daily_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_scan_daily_counts_count_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_scan_daily_counts_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["stamp_id"], ["stamps.id"], name=op.f("fk_scan_daily_counts_stamp_id_stamps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_daily_counts")),
    )
    with op.batch_alter_table("scan_daily_counts", schema=None) as batch_op:
        batch_op.create_index("ix_scan_daily_counts_batch_day", ["batch_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_scan_daily_counts_stamp_id"), ["stamp_id"], unique=False)


def downgrade():
    with op.batch_alter_table("scan_daily_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scan_daily_counts_stamp_id"))
        batch_op.drop_index("ix_scan_daily_counts_batch_day")
    op.drop_table("scan_daily_counts")

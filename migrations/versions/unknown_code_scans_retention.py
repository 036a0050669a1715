"""unknown_code_scans de-duplicated (one row per code, device and day, with its look-up count) and
purged after UNKNOWN_SCAN_RETENTION_DAYS (the scheduler's scan-retention job)

Revision ID: e4a7c2b9d1f3
Revises: a4e7c1d9b2f6
Create Date: 2026-12-07 02:30:00

"""

import sqlalchemy as sa
from alembic import op

import storefront.columns

# revision identifiers, used by Alembic.
revision = "e4a7c2b9d1f3"
down_revision = "e5a7c3d9f1b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unknown_code_scans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_hash", sa.String(length=32), server_default="", nullable=False))
        batch_op.add_column(sa.Column("day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("look_ups", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("last_scanned_at", storefront.columns.UTCDateTime(), nullable=True))
        batch_op.create_index(
            "ix_unknown_code_scans_code_day_device", ["scanned_code", "day", "device_hash"], unique=False
        )
        batch_op.create_index("ix_unknown_code_scans_scanned_at", ["scanned_at"], unique=False)


def downgrade():
    with op.batch_alter_table("unknown_code_scans", schema=None) as batch_op:
        batch_op.drop_index("ix_unknown_code_scans_scanned_at")
        batch_op.drop_index("ix_unknown_code_scans_code_day_device")
        batch_op.drop_column("last_scanned_at")
        batch_op.drop_column("look_ups")
        batch_op.drop_column("day")
        batch_op.drop_column("device_hash")

"""scan_stream_marks: the last Redis stream entry whose scans are written (SCAN_WRITE_MODE=queue)

Revision ID: 5c1e9a7d3b20
Revises: 8e2b5d7a1c46
Create Date: 2026-12-07 10:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1e9a7d3b20"
down_revision = "8e2b5d7a1c46"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scan_stream_marks",
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("last_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_scan_stream_marks")),
    )


def downgrade():
    op.drop_table("scan_stream_marks")

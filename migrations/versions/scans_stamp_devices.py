"""stamp_devices and the copy-warning columns of stamps: distinct devices, display units, clearing

Revision ID: 5ca7d3e1f0a2
Revises: a7e5c0d1b2f3
Create Date: 2026-12-06 16:00:00

"""

import sqlalchemy as sa
from alembic import op

import storefront.columns

# revision identifiers, used by Alembic.
revision = "5ca7d3e1f0a2"
down_revision = "a7e5c0d1b2f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stamp_devices",
        sa.Column("stamp_id", sa.Integer(), nullable=False),
        sa.Column("device_hash", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stamp_id"], ["stamps.id"], name=op.f("fk_stamp_devices_stamp_id_stamps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("stamp_id", "device_hash", name=op.f("pk_stamp_devices")),
    )
    with op.batch_alter_table("stamps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("devices_at_clear", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("is_display", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column("warning_cleared_at", storefront.columns.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("warning_cleared_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("warning_clear_reason", sa.String(length=500), nullable=False, server_default=""))
        batch_op.create_foreign_key(
            batch_op.f("fk_stamps_warning_cleared_by_id_users"),
            "users",
            ["warning_cleared_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_stamps_devices_at_clear_counted"), "devices_at_clear <= device_count"
        )


def downgrade():
    with op.batch_alter_table("stamps", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_stamps_devices_at_clear_counted"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_stamps_warning_cleared_by_id_users"), type_="foreignkey")
        batch_op.drop_column("warning_clear_reason")
        batch_op.drop_column("warning_cleared_by_id")
        batch_op.drop_column("warning_cleared_at")
        batch_op.drop_column("is_display")
        batch_op.drop_column("devices_at_clear")
        batch_op.drop_column("device_count")
    op.drop_table("stamp_devices")

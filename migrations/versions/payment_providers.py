"""payment providers as modules: method columns hold a provider code, refunds through the provider

Revision ID: 4d2c9a7e1b58
Revises: b41d7e2c9a10
Create Date: 2026-12-06 22:40:00

"""

import sqlalchemy as sa
from alembic import op

import storefront.columns

# revision identifiers, used by Alembic.
revision = "4d2c9a7e1b58"
down_revision = "b41d7e2c9a10"
branch_labels = None
depends_on = None

_METHOD = sa.Enum(
    "cod", "bank_transfer", "card", name="paymentmethod", native_enum=False, create_constraint=True, length=20
)


def upgrade():
    # A provider added to the registry must not need a schema change: plain text, no CHECK list.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column(
            "payment_method", existing_type=_METHOD, type_=sa.String(length=20), existing_nullable=False
        )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("method", existing_type=_METHOD, type_=sa.String(length=20), existing_nullable=False)
        batch_op.add_column(sa.Column("provider_data", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("refunded_vnd", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.create_check_constraint("refund_within_amount", "refunded_vnd >= 0 AND refunded_vnd <= amount_vnd")
    op.execute("UPDATE payments SET provider_data = '{}' WHERE provider_data IS NULL")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("provider_data", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_webhook_events_event_id", type_="unique")
        batch_op.create_unique_constraint("uq_webhook_events_provider_event_id", ["provider", "event_id"])
    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("provider_ref", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_vnd > 0", name=op.f("ck_payment_refunds_refund_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_payment_refunds_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_refunds_payment_id_payments"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
        sa.UniqueConstraint("request_key", name=op.f("uq_payment_refunds_request_key")),
    )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_refunds_payment_id"), ["payment_id"], unique=False)


def downgrade():
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_refunds_payment_id"))
    op.drop_table("payment_refunds")
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_webhook_events_provider_event_id", type_="unique")
        batch_op.create_unique_constraint("uq_webhook_events_event_id", ["event_id"])
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint("refund_within_amount", type_="check")
        batch_op.drop_column("refunded_vnd")
        batch_op.drop_column("provider_data")
        batch_op.alter_column("method", existing_type=sa.String(length=20), type_=_METHOD, existing_nullable=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column(
            "payment_method", existing_type=sa.String(length=20), type_=_METHOD, existing_nullable=False
        )

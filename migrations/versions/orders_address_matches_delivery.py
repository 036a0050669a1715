"""orders: a delivery address exactly when something is shipped (delivery_method 'none' has none)

Revision ID: 5d1f0b7e9a2c
Revises: c7d2e9a4b1f6
Create Date: 2026-12-07 06:00:00

"""

from alembic import op

revision = "5d1f0b7e9a2c"
down_revision = "c7d2e9a4b1f6"
branch_labels = None
depends_on = None

# Kept in step with storefront/checkout/models.py (Order.__table_args__).
ADDRESS_MATCHES_DELIVERY = (
    "(delivery_method = 'none' AND province_code IS NULL AND ward_code IS NULL AND street IS NULL)"
    " OR (delivery_method <> 'none' AND province_code IS NOT NULL AND ward_code IS NOT NULL AND street IS NOT NULL)"
)


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_check_constraint("address_matches_delivery", ADDRESS_MATCHES_DELIVERY)


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint("address_matches_delivery", type_="check")

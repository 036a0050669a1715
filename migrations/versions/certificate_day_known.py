"""certificates.decision_day_known: a decision whose source gives only the year

Revision ID: b41d7e2c9a10
Revises: e5b8c2d9f1a3
Create Date: 2026-12-06 22:45:00

"""

from datetime import date

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b41d7e2c9a10"
down_revision = "e5b8c2d9f1a3"
branch_labels = None
depends_on = None


#: The mark earlier demo seeds appended to the decision numbers they invented.
OLD_DEMO_MARK = "(số, ngày minh hoạ)"


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_day_known", sa.Boolean(), nullable=False, server_default=sa.true()))
    # A demo database seeded before this revision holds invented numbers and days for real products:
    # keep only their year, as a fresh seed does (storefront/demo/certificates.py).
    certificates = sa.table(
        "certificates",
        sa.column("id", sa.Integer),
        sa.column("decision_number", sa.String),
        sa.column("decision_date", sa.Date),
        sa.column("valid_until", sa.Date),
        sa.column("decision_day_known", sa.Boolean),
    )
    bind = op.get_bind()
    invented = bind.execute(
        sa.select(certificates.c.id, certificates.c.decision_date).where(
            certificates.c.decision_number.endswith(OLD_DEMO_MARK)
        )
    ).all()
    for certificate_id, decided in invented:
        bind.execute(
            certificates.update()
            .where(certificates.c.id == certificate_id)
            .values(
                decision_number="",
                decision_date=date(decided.year, 1, 1),
                valid_until=date(decided.year + 3, 1, 1),
                decision_day_known=False,
            )
        )


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("decision_day_known")

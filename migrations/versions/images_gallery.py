"""images_gallery: English alt text for product photos, producer cover and photos

Product photos already live one per row in product_images; this keeps every existing row and
file as it is (old rows' derivatives are built on first request by catalog.images.ensure_derivatives)
and only tidies what the gallery relies on: positions 0, 1, 2… per product in their old order,
and alt text that is never empty (the product's name, as pages showed before).

Revision ID: a7d9e3c1b2f4
Revises: 9b1e7d4c2a60
Create Date: 2026-12-06 16:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7d9e3c1b2f4"
down_revision = "9b1e7d4c2a60"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alt_en", sa.String(length=200), nullable=False, server_default=""))
    op.create_table(
        "producer_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("is_cover", sa.Boolean(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("alt", sa.String(length=200), nullable=False),
        sa.Column("alt_en", sa.String(length=200), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producers.id"], name=op.f("fk_producer_images_producer_id_producers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_producer_images")),
    )
    with op.batch_alter_table("producer_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_producer_images_producer_id"), ["producer_id"], unique=False)
        batch_op.create_index(
            "uq_producer_images_one_cover",
            ["producer_id"],
            unique=True,
            sqlite_where=sa.text("is_cover"),
            postgresql_where=sa.text("is_cover"),
        )

    connection = op.get_bind()
    images = sa.table(
        "product_images",
        sa.column("id", sa.Integer),
        sa.column("product_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("alt", sa.String),
    )
    products = sa.table("products", sa.column("id", sa.Integer), sa.column("name_vi", sa.String))
    rows = connection.execute(
        sa.select(images.c.id, images.c.product_id, images.c.position).order_by(
            images.c.product_id, images.c.position, images.c.id
        )
    ).all()
    last_product, position = None, 0
    for image_id, product_id, old_position in rows:
        position = position + 1 if product_id == last_product else 0
        last_product = product_id
        if old_position != position:
            connection.execute(sa.update(images).where(images.c.id == image_id).values(position=position))
    name = (
        sa.select(sa.func.substr(products.c.name_vi, 1, 200))
        .where(products.c.id == images.c.product_id)
        .scalar_subquery()
    )
    connection.execute(sa.update(images).where(images.c.alt == "").values(alt=name))


def downgrade():
    # Positions and filled-in alt texts stay: the old schema reads them as before.
    with op.batch_alter_table("producer_images", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_producer_images_one_cover", sqlite_where=sa.text("is_cover"), postgresql_where=sa.text("is_cover")
        )
        batch_op.drop_index(batch_op.f("ix_producer_images_producer_id"))
    op.drop_table("producer_images")
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.drop_column("alt_en")

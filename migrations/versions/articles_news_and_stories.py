"""articles: news the office publishes (draft, scheduled, published) and stories producers submit for
review, with a cover photo and tags linking products, producers and post-2025 wards

Revision ID: a4e7c1d9b2f6
Revises: d3f8b1a6c2e4
Create Date: 2026-12-07 01:19:57.689580

"""

import sqlalchemy as sa
from alembic import op

import storefront.columns

# revision identifiers, used by Alembic.
revision = "a4e7c1d9b2f6"
down_revision = "d3f8b1a6c2e4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=160), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("news", "story", name="articlekind", native_enum=False, create_constraint=True, length=10),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "rejected",
                "scheduled",
                "published",
                name="articlestatus",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=400), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("summary_en", sa.String(length=400), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("publish_at", storefront.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storefront.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_articles_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producers.id"], name=op.f("fk_articles_producer_id_producers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("slug", name=op.f("uq_articles_slug")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_producer_id"), ["producer_id"], unique=False)
        batch_op.create_index("ix_articles_public", ["status", "publish_at"], unique=False)

    op.create_table(
        "article_images",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("alt", sa.String(length=200), nullable=False),
        sa.Column("alt_en", sa.String(length=200), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("is_illustration", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_images_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_images")),
        sa.UniqueConstraint("article_id", name=op.f("uq_article_images_article_id")),
    )
    op.create_table(
        "article_producers",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_producers_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_article_producers_producer_id_producers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "producer_id", name=op.f("pk_article_producers")),
    )
    with op.batch_alter_table("article_producers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_producers_producer_id"), ["producer_id"], unique=False)

    op.create_table(
        "article_products",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_products_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_article_products_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("article_id", "product_id", name=op.f("pk_article_products")),
    )
    with op.batch_alter_table("article_products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_products_product_id"), ["product_id"], unique=False)

    op.create_table(
        "article_wards",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_wards_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("article_id", "ward_code", name=op.f("pk_article_wards")),
    )
    with op.batch_alter_table("article_wards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_wards_ward_code"), ["ward_code"], unique=False)


def downgrade():
    with op.batch_alter_table("article_wards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_wards_ward_code"))

    op.drop_table("article_wards")
    with op.batch_alter_table("article_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_products_product_id"))

    op.drop_table("article_products")
    with op.batch_alter_table("article_producers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_producers_producer_id"))

    op.drop_table("article_producers")
    op.drop_table("article_images")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_public")
        batch_op.drop_index(batch_op.f("ix_articles_producer_id"))

    op.drop_table("articles")

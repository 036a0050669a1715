"""search_documents and search_words: the PostgreSQL search backend's tables (SEARCH_BACKEND=postgres),
and on PostgreSQL the unaccent and pg_trgm extensions it needs (nothing to install on SQLite,
where the tables stay empty)

Revision ID: e5a7c3d9f1b2
Revises: a4e7c1d9b2f6
Create Date: 2026-12-07 01:40:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "e5a7c3d9f1b2"
down_revision = "a4e7c1d9b2f6"
branch_labels = None
depends_on = None

EXTENSIONS = ("unaccent", "pg_trgm")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in EXTENSIONS:
            op.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    op.create_table(
        "search_documents",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("name_words", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=False),
        sa.Column("ocop_group", sa.Text(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("price_vnd", sa.BigInteger(), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_search_documents")),
    )
    op.create_index("ix_search_documents_document", "search_documents", ["document"], postgresql_using="gin")
    op.create_table(
        "search_words",
        sa.Column("word", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    op.create_index(
        "ix_search_words_trigrams",
        "search_words",
        ["word"],
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )


def downgrade():
    op.drop_index("ix_search_words_trigrams", table_name="search_words")
    op.drop_table("search_words")
    op.drop_index("ix_search_documents_document", table_name="search_documents")
    op.drop_table("search_documents")
    # The extensions stay: other objects of the database may use them, and they cost nothing.

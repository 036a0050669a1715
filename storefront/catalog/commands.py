"""Catalogue CLI commands (`flask catalog …`)."""

import click
from flask import current_app
from sqlalchemy import func, select

from storefront.catalog import bp, indexing, search
from storefront.catalog.images import ensure_derivatives
from storefront.catalog.models import ProductImage
from storefront.catalog.services import visible_products_query
from storefront.extensions import db
from storefront.storage import storage


@bp.cli.command("reindex")
def reindex():
    """Rebuild the product search index from the database."""
    config = current_app.config
    idx = current_app.extensions.get("search_index") or search.open_index(
        config.get("SEARCH_BACKEND", "whoosh"), path=config.get("SEARCH_INDEX_DIR"), engine=db.engine
    )
    current_app.extensions["search_index"] = idx
    total = db.session.scalar(select(func.count()).select_from(visible_products_query().subquery()))
    with click.progressbar(length=total, label="Indexing products") as bar:
        done = [0]

        def progress(count):
            bar.update(count - done[0])
            done[0] = count

        added = indexing.rebuild_index(idx, db.session, progress)
    click.echo(f"Indexed {added} products.")


@bp.cli.command("thumbnails")
def thumbnails():
    """Make missing thumbnails and large copies of every product photo in the media storage."""
    store = storage("media")
    names = db.session.scalars(select(ProductImage.filename).distinct()).all()
    made = sum(ensure_derivatives(store, name) for name in names)
    click.echo(f"Checked {len(names)} photos; {made} have all their sizes.")

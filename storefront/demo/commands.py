"""`flask seed-demo`: fill an empty database with the demo catalogue."""

import click
from flask import current_app

from storefront.clock import today_vn
from storefront.demo import bp
from storefront.extensions import db
from storefront.storage import storage


@bp.cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) when the database already has producers.")
def seed_demo_command(if_empty):
    """Fill an empty database with the demo OCOP catalogue and three demo accounts."""
    # Imported here: the seed draws with Pillow, which the served app never needs at start.
    from storefront.demo.seed import DemoAlreadySeeded, seed_demo

    try:
        summary = seed_demo(today=today_vn(), image_dir=storage("media"))
    except DemoAlreadySeeded as exc:
        db.session.rollback()
        if if_empty:
            click.echo("already seeded: nothing to do")
            return
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    _reindex_search()

    click.echo(
        f"Seeded {summary.products} products from {summary.producers} producers "
        f"in OCOP groups {', '.join(map(str, summary.groups))}."
    )
    click.echo(
        f"Certificates: {summary.certificates_valid} valid, {summary.certificates_expired} expired, "
        f"{summary.certificates_revoked} revoked. Batches: {summary.batches} with {summary.events} trace events. "
        f"Images: {summary.images}. Demo reviews on delivered demo orders: {summary.reviews}. "
        f"Demo points of sale: {summary.outlets}. Demo fairs: {summary.fairs}. Demo video links: {summary.videos}. "
        f"Demo articles: {summary.articles}. Tourism products booked by session: {summary.experiences}."
    )
    if summary.undated:
        click.echo(f"No certificate (the source gives no year of recognition): {'; '.join(summary.undated)}")
    if summary.skipped:
        click.echo(f"Skipped (missing facts in the CSV): {'; '.join(summary.skipped)}")
    if not current_app.config.get("DEMO_MODE"):
        click.echo("Set DEMO_MODE=true when serving this data: every page then says it is a demo.")
    click.echo("Demo accounts:")
    for email, password, role in summary.accounts:
        click.echo(f"  {role:<9} {email} / {password}")
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo(f"Demo stamps ({summary.stamps}, fictional product):")
    for case, path in summary.stamp_paths:
        click.echo(f"  {case}: {base}{path}")


def _reindex_search():
    """Rebuild the search index after the commit so the demo products are findable at once."""
    from storefront.catalog.indexing import reindex_all

    count = reindex_all()
    click.echo(f"Search index rebuilt ({count} products).")

"""Inventory CLI commands (`flask inventory …`)."""

import click

from storefront.extensions import db
from storefront.inventory import bp


@bp.cli.command("release-expired")
def release_expired_command():
    """Return stock held by unpaid orders whose reservation expired, and mark those orders expired."""
    # Checkout owns what an expired order becomes; inventory only frees the units.
    from storefront.checkout.services import expire_lapsed_orders

    count = expire_lapsed_orders()
    db.session.commit()
    click.echo(f"expired {count} order(s)")

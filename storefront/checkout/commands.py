"""Checkout CLI commands (`flask checkout …`)."""

import click

from storefront.checkout import bp
from storefront.checkout.orders import expire_lapsed_orders
from storefront.extensions import db


@bp.cli.command("release-expired")
def release_expired_command():
    """Mark unpaid orders whose stock hold lapsed as expired and put their units back on sale."""
    count = expire_lapsed_orders()
    db.session.commit()
    click.echo(f"expired {count} order(s)")

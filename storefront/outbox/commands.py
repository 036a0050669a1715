"""`flask outbox send`: deliver queued mail."""

from datetime import timedelta

import click
from flask import current_app

from storefront.columns import utcnow
from storefront.extensions import db
from storefront.outbox import bp
from storefront.outbox.services import deliver_pending, purge_sent


@bp.cli.command("send")
@click.option("--purge-days", default=30, show_default=True, help="Delete mail sent more than this many days ago.")
def send(purge_days):
    """Deliver queued mail now and forget old sent mail."""
    sent = deliver_pending(current_app.config, limit=10_000)
    purged = purge_sent(utcnow() - timedelta(days=purge_days))
    db.session.commit()
    click.echo(f"{sent} message(s) sent, {purged} old message(s) purged")

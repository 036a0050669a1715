"""`flask outbox send`: deliver queued mail."""
import click
from flask import current_app

from storefront.extensions import db
from storefront.outbox import bp
from storefront.outbox.services import deliver_pending


@bp.cli.command("send")
def send():
    """Deliver queued mail now."""
    sent = deliver_pending(current_app.config, limit=10_000)
    db.session.commit()
    click.echo(f"{sent} message(s) sent")

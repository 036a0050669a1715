"""OCOP office CLI commands (`flask office …`)."""

import secrets

import click

from storefront.accounts.services import EmailTaken
from storefront.extensions import db
from storefront.office import bp, scoring, users


@bp.cli.command("create-user")
@click.argument("email")
@click.option("--name", default="", help="Full name shown in the audit log.")
@click.option("--password", default=None, help="Prompted when omitted; --generate prints a random one.")
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
def create_user(email, name, password, generate):
    """Create an office account."""
    if generate:
        password = secrets.token_urlsafe(12)
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("password must be at least 8 characters")
    try:
        user = users.create_office_user(email=email, password=password, full_name=name)
    except EmailTaken:
        raise click.ClickException(f"{email} already has an account") from None
    db.session.commit()
    click.echo(f"office user {user.email} created")
    if generate:
        click.echo(f"password: {password}")


@bp.cli.command("ensure-criteria-sets")
def ensure_criteria_sets():
    """Add the seeded OCOP criteria sets (148/2023, 1048/2019) that are missing."""
    sets = scoring.ensure_criteria_sets()
    db.session.commit()
    click.echo(", ".join(f"{c.code} ({'/'.join(str(p.max_points) for p in c.parts)})" for c in sets))

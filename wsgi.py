"""Entry point for `flask` and gunicorn."""

from storefront import create_app

app = create_app()

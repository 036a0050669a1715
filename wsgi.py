"""Entry point for `flask` and gunicorn."""

from storefront import create_app, gc_guard

app = create_app()
# Process-wide, so here and not in create_app (which has no side effects, and runs in every test):
# GC_COLLECTOR=thread runs the cyclic collector from a thread of its own (storefront/gc_guard.py).
gc_guard.install(app.config["GC_COLLECTOR"])

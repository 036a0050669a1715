"""Absolute and photo URLs of catalogue pages (also template globals, registered in catalog/views.py)."""

from flask import current_app, request, url_for


def public_url(endpoint: str, **values) -> str:
    """Return an absolute URL on the shop's public origin (canonical links, feeds, JSON-LD)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    return base + url_for(endpoint, **values)


def image_url(filename: str, size: str = "thumb", fmt: str = "jpg") -> str:
    """Return the path of a photo size; built by hand because url_for was a fifth of a catalogue page."""
    # Same URL as url_for("catalog.image", ...): stored names match images.FILENAME_RE, no quoting needed.
    return f"{request.script_root}/media/{filename}?size={size}&fmt={fmt}"

"""Security headers on every answer: Flask's (an after_request hook) and the scan fast path's.

A short module of our own rather than Flask-Talisman: Talisman's last release is from 2023, and
the scan fast path (traceability/fast_path.py) answers before Flask, so it needs the header list
as plain data anyway; the list below is all Talisman would add for us.

The policy has no 'unsafe-inline' and no nonces: pages are cached whole (the catalogue page cache,
the origin page's cached variants), so a per-request nonce inside their HTML would not work.
Scripts and styles are files under static/; the one inline <style> (the origin page's CSS, kept
inline so a phone's first scan needs no extra request) is allowed by its sha256 hash, computed
from its template at first use so the two can never disagree. JSON-LD blocks
(<script type="application/ld+json">) are data, never run, and need no allowance.

No form-action directive: paying by card POSTs to us and we redirect (303) to Stripe Checkout,
and Chromium applies form-action to that redirect.
"""

import base64
import hashlib
import re
from urllib.parse import urlsplit

from flask import current_app, request

#: Templates whose <style> blocks are inlined into pages; each block's hash goes into style-src.
INLINE_STYLE_TEMPLATES = ("traceability/_styles.html",)
#: Browser features our pages do not use; the host's check-in page alone turns the camera on.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
#: Headers on a download of an uploaded file (office decision scans): never run, never framed.
DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)


def init_app(app) -> None:
    app.extensions["security_headers"] = {}
    app.after_request(_add_security_headers)


def _add_security_headers(response):
    # A header the view set itself wins (a download's sandbox policy). The constant pairs go
    # straight into werkzeug's header list: Headers.add would check each value again, for
    # values that never change.
    pairs = response.headers._list
    present = {name.lower() for name, _ in pairs}
    pairs.extend(
        [pair for pair in response_headers(current_app, https=request.is_secure) if pair[0].lower() not in present]
    )
    return response


def response_headers(app, *, https: bool) -> list[tuple[str, str]]:
    """Return the security headers every answer carries, in the order they are sent."""
    cache = app.extensions["security_headers"]
    headers = cache.get(https)
    if headers is None:
        headers = cache[https] = _build(app, https=https)
    return headers


def _build(app, *, https: bool) -> list[tuple[str, str]]:
    headers = [
        (
            "Content-Security-Policy",
            content_security_policy(inline_style_hashes(app), app.config.get("CSP_IMG_SOURCES", ())),
        ),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ]
    seconds = app.config.get("SECURITY_HSTS_SECONDS", 0)
    if https and seconds > 0 and app.config.get("APP_ENV") == "production":
        headers.append(("Strict-Transport-Security", f"max-age={seconds}"))
    return headers


def content_security_policy(style_hashes=(), image_sources=()) -> str:
    styles = " ".join(["'self'", *(f"'sha256-{h}'" for h in style_hashes)])
    images = " ".join(["'self'", *image_sources])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {styles}",
            f"img-src {images}",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def tile_origin(url: str) -> str | None:
    """The img-src source for a Leaflet tile URL template: "https://{s}.tile.x.org/{z}/{x}/{y}.png" →
    "https://*.tile.x.org"; None when no tiles are configured or the template is not http(s)."""
    parts = urlsplit(url or "")
    netloc = parts.netloc.replace("{s}", "*")
    if parts.scheme not in ("https", "http") or not netloc or "{" in netloc:
        return None
    return f"{parts.scheme}://{netloc}"


def frame_policy(app, frame_sources) -> str:
    """The page CSP plus frame-src for these origins, and framing by ourselves only: the answer of the page a
    visitor opens by tapping a video poster (the product page itself never allows a third-party frame)."""
    policy = content_security_policy(inline_style_hashes(app), app.config.get("CSP_IMG_SOURCES", ()))
    policy = policy.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    return f"{policy}; frame-src {' '.join(frame_sources)}"


def inline_style_hashes(app) -> list[str]:
    """Return the base64 sha256 of each <style> block the inlined style templates render."""
    hashes = []
    for name in INLINE_STYLE_TEMPLATES:
        html = app.jinja_env.get_template(name).render()
        for css in _STYLE_BLOCK.findall(html):
            hashes.append(base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii"))
    return hashes

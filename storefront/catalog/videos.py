"""Promotional clips of 3–5★ products on YouTube or Facebook: link checks (per domain, the clip's id taken
out), add/remove services, and the player page a visitor opens by tapping a poster.

The product page never loads anything from YouTube or Facebook: it shows a plain poster linking to the
player page (/products/<slug>/videos/<id>), and only that answer's Content-Security-Policy allows a frame
from the platform (frame-src), so no third-party request happens before a tap (scheme's promotion of 3–5★
products, Decision 3485/QĐ-UBND; privacy: a visitor who never taps is never seen by the platform).
"""

import re
from urllib.parse import parse_qs, quote, urlsplit

from flask import abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l

from storefront.catalog import bp
from storefront.catalog.certificates import valid_certificate
from storefront.catalog.models import Product, ProductVideo, VideoPlatform
from storefront.catalog.services import visible_products_query
from storefront.catalog.urls import public_url
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.security_headers import frame_policy

#: Only products with a valid certificate of at least this many stars may carry clips.
MIN_STARS = 3
MAX_VIDEOS = 3
MAX_URL = 500
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtube-nocookie.com"}
FACEBOOK_HOSTS = {"facebook.com", "www.facebook.com", "m.facebook.com", "web.facebook.com"}
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
FACEBOOK_ID = re.compile(r"^[0-9]{5,25}$")
#: Where each platform's player is framed from (the player page's frame-src).
FRAME_ORIGINS = {
    VideoPlatform.YOUTUBE: "https://www.youtube-nocookie.com",
    VideoPlatform.FACEBOOK: "https://www.facebook.com",
}
PLATFORM_NAMES = {VideoPlatform.YOUTUBE: "YouTube", VideoPlatform.FACEBOOK: "Facebook"}


class VideoRejected(DomainError):
    """The clip cannot be added; `message` says why, for the producer."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_video_url(raw: str) -> tuple[VideoPlatform, str]:
    """Return (platform, clip id) of a YouTube or Facebook video link, or raise VideoRejected."""
    raw = (raw or "").strip()
    if not raw or len(raw) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in raw):
        raise VideoRejected(_l("Dán đường dẫn video YouTube hoặc Facebook (bắt đầu bằng https://)."))
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError for a broken port
    except ValueError as error:
        raise VideoRejected(_l("Dán đường dẫn video YouTube hoặc Facebook (bắt đầu bằng https://).")) from error
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme.lower() not in ("https", "http") or parts.username or parts.password:
        raise VideoRejected(_l("Dán đường dẫn video YouTube hoặc Facebook (bắt đầu bằng https://)."))
    query = parse_qs(parts.query)
    segments = [s for s in parts.path.split("/") if s]
    if host in YOUTUBE_HOSTS:
        if host == "youtu.be":
            candidate = segments[0] if segments else ""
        elif segments[:1] == ["watch"]:
            candidate = (query.get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in ("shorts", "embed", "live", "v"):
            candidate = segments[1]
        else:
            candidate = ""
        if YOUTUBE_ID.fullmatch(candidate):
            return VideoPlatform.YOUTUBE, candidate
        raise VideoRejected(_l("Không tìm thấy mã video trong đường dẫn YouTube này."))
    if host in FACEBOOK_HOSTS:
        if segments[:1] in (["watch"], ["video.php"]):
            candidate = (query.get("v") or [""])[0]
        elif segments[:1] == ["reel"] and len(segments) >= 2:
            candidate = segments[1]
        elif "videos" in segments:
            candidate = segments[-1]
        else:
            candidate = ""
        if FACEBOOK_ID.fullmatch(candidate):
            return VideoPlatform.FACEBOOK, candidate
        raise VideoRejected(_l("Không tìm thấy mã video trong đường dẫn Facebook này."))
    if host == "fb.watch":
        raise VideoRejected(_l("Mở video trên Facebook rồi chép đường dẫn đầy đủ (facebook.com/…/videos/…)."))
    raise VideoRejected(_l("Chỉ nhận video trên YouTube hoặc Facebook."))


def may_carry_videos(product: Product) -> bool:
    """Whether the product holds a valid OCOP certificate of 3–5 stars today."""
    certificate = valid_certificate(product)
    return certificate is not None and certificate.stars >= MIN_STARS


def add_video(product: Product, *, url: str, title: str = "", is_demo: bool = False) -> ProductVideo:
    """Attach a clip to a 3–5★ product; flush.

    :raises VideoRejected: no valid 3–5★ certificate, a link that is no clip, a duplicate, or too many.
    """
    if not may_carry_videos(product):
        raise VideoRejected(_l("Chỉ sản phẩm có chứng nhận OCOP 3–5★ còn hiệu lực mới được gắn video."))
    platform, video_id = parse_video_url(url)
    if any(v.platform is platform and v.video_id == video_id for v in product.videos):
        raise VideoRejected(_l("Sản phẩm đã có video này."))
    if len(product.videos) >= MAX_VIDEOS:
        raise VideoRejected(_l("Mỗi sản phẩm có tối đa %(n)s video.", n=MAX_VIDEOS))
    title = re.sub(r"\s+", " ", title or "").strip()[:200]
    video = ProductVideo(platform=platform, video_id=video_id, title=title, is_demo=is_demo)
    product.videos.append(video)
    db.session.flush()
    return video


def remove_video(video: ProductVideo) -> None:
    video.product.videos.remove(video)
    db.session.flush()


def watch_url(video: ProductVideo) -> str:
    if video.platform is VideoPlatform.YOUTUBE:
        return f"https://www.youtube.com/watch?v={video.video_id}"
    return f"https://www.facebook.com/watch/?v={video.video_id}"


def embed_url(video: ProductVideo) -> str:
    if video.platform is VideoPlatform.YOUTUBE:
        return f"https://www.youtube-nocookie.com/embed/{video.video_id}?autoplay=1&rel=0"
    return f"https://www.facebook.com/plugins/video.php?href={quote(watch_url(video), safe='')}&show_text=false"


@bp.app_template_global()
def shown_videos(product: Product) -> list[ProductVideo]:
    """The clips a product page shows: none unless the product may carry them today."""
    # The certificates are loaded with the page; the clips are read only for a product that may show them.
    return list(product.videos) if may_carry_videos(product) else []


@bp.app_template_global()
def video_platform_name(video: ProductVideo) -> str:
    return PLATFORM_NAMES[video.platform]


def videos_jsonld(product: Product, videos, *, thumbnail: str | None) -> list[dict]:
    """schema.org VideoObject per clip. No uploadDate: we do not know when the producer published it."""
    items = []
    for video in videos:
        data = {
            "@context": "https://schema.org",
            "@type": "VideoObject",
            "name": video.title or product.name_vi,
            "description": video.title or product.name_vi,
            "embedUrl": embed_url(video),
            "url": watch_url(video),
            "about": {"@id": public_url("catalog.product", slug=product.slug)},
        }
        if thumbnail:
            data["thumbnailUrl"] = thumbnail
        items.append(data)
    return items


bp.add_app_template_global(videos_jsonld)


def playable_video(slug: str, video_id: int) -> ProductVideo | None:
    """The clip of a visible product that may show clips today, or None."""
    product = db.session.scalar(visible_products_query().where(Product.slug == slug)) if len(slug) <= 160 else None
    clip = db.session.get(ProductVideo, video_id)
    if product is None or clip is None or clip.product_id != product.id or not may_carry_videos(product):
        return None
    return clip


@bp.route("/products/<slug>/videos/<int:video_id>")
def video(slug, video_id):
    """The player: the one answer whose policy frames the platform, reached only by tapping a poster."""
    clip = playable_video(slug, video_id)
    if clip is None:
        abort(404)
    product = clip.product
    template = "catalog/video_framed.html" if request.args.get("framed") == "1" else "catalog/video.html"
    response = current_app.make_response(render_template(template, product=product, video=clip, embed=embed_url(clip)))
    response.headers["Content-Security-Policy"] = frame_policy(current_app, [FRAME_ORIGINS[clip.platform]])
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response

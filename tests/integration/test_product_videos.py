"""Videos of 3–5★ products: links checked per platform (the clip id taken out), posters that load nothing from
YouTube or Facebook until tapped, a player page whose policy alone frames the platform, VideoObject JSON-LD."""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from storefront.catalog.models import ProductVideo, VideoPlatform
from storefront.catalog.videos import VideoRejected, add_video, parse_video_url
from storefront.clock import today_vn
from tests.factories import make_certificate, make_product
from tests.factories_producer import make_producer_account

YT, FB = VideoPlatform.YOUTUBE, VideoPlatform.FACEBOOK
GOOD = [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s", (YT, "dQw4w9WgXcQ")),
    ("https://youtu.be/dQw4w9WgXcQ?si=abc", (YT, "dQw4w9WgXcQ")),
    ("https://m.youtube.com/shorts/aB3_-x9ZzQk", (YT, "aB3_-x9ZzQk")),
    ("http://youtube.com/embed/aB3_-x9ZzQk", (YT, "aB3_-x9ZzQk")),
    ("https://www.facebook.com/htxchehaodat/videos/1234567890123456/", (FB, "1234567890123456")),
    ("https://www.facebook.com/watch/?v=987654321012345", (FB, "987654321012345")),
    ("https://m.facebook.com/reel/555666777888999", (FB, "555666777888999")),
]
BAD = [
    "",
    "youtube.com/watch?v=dQw4w9WgXcQ",  # no scheme
    "javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=short",
    "https://www.youtube.com/channel/UCabcdefghijk",
    "https://youtube.com.evil.vn/watch?v=dQw4w9WgXcQ",
    "https://user:pw@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://fb.watch/abcDEF/",
    "https://www.facebook.com/htxchehaodat/posts/123456789",
    "https://vimeo.com/123456789",
    # A percent-encoded newline after the id: `$` matched before it, so the same clip came in twice.
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ%0A",
    "https://www.facebook.com/watch/?v=987654321012345%0A",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ" + "&x=1" * 200,
]


class LoadedURLs(HTMLParser):
    """Every URL a browser would fetch while rendering the page (not links, not JSON-LD text)."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "poster", "data"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if attrs.get("srcset"):
            self.urls += [part.split()[0] for part in attrs["srcset"].split(",")]
        if tag == "link" and attrs.get("rel") in ("stylesheet", "preload", "prefetch", "preconnect", "icon"):
            self.urls.append(attrs["href"])


def loaded_urls(page: str) -> list[str]:
    parser = LoadedURLs()
    parser.feed(page)
    return parser.urls


def test_a_producer_adds_a_clip_and_the_page_loads_nothing_from_youtube_until_a_tap(client, db, login):
    user, producer = make_producer_account()
    tea = make_product(producer=producer, name_vi="Chè búp Tân Cương")
    make_certificate(product=tea, stars=4)
    db.session.commit()
    login(user)
    response = client.post(
        f"/producer/products/{tea.id}/videos",
        data={"video-url": "https://youtu.be/dQw4w9WgXcQ", "video-title": "Sao chè bằng tay"},
    )
    assert response.status_code == 302
    video = db.session.scalar(select(ProductVideo))
    assert (video.platform, video.video_id, video.title) == (YT, "dQw4w9WgXcQ", "Sao chè bằng tay")
    login.logout()

    response = client.get(f"/products/{tea.slug}")
    page = response.get_data(as_text=True)
    assert 'data-testid="video-poster"' in page and "Sao chè bằng tay" in page
    assert loaded_urls(page) and all(url.startswith("/") and not url.startswith("//") for url in loaded_urls(page))
    assert "<iframe" not in page
    policy = response.headers["Content-Security-Policy"]
    assert "youtube" not in policy and "frame-src" not in policy and "frame-ancestors 'none'" in policy
    (videos,) = [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        if "VideoObject" in block
    ]
    assert videos[0]["@type"] == "VideoObject" and videos[0]["name"] == "Sao chè bằng tay"
    assert videos[0]["embedUrl"].startswith("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")

    poster = re.search(r'<a class="video-poster" href="([^"]+)"', page).group(1)
    player = client.get(poster + "?framed=1")
    assert player.status_code == 200
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&amp;rel=0"' in player.get_data(
        as_text=True
    )
    assert player.headers["Content-Security-Policy"].endswith("; frame-src https://www.youtube-nocookie.com")
    assert "frame-ancestors 'self'" in player.headers["Content-Security-Policy"]
    assert player.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_links_are_read_per_platform_and_a_facebook_clip_plays_through_its_video_plugin(app, client, db):
    with app.test_request_context():
        for raw, expected in GOOD:
            assert parse_video_url(raw) == expected, raw
        for raw in BAD:
            with pytest.raises(VideoRejected):
                parse_video_url(raw)
    tea = make_product()
    make_certificate(product=tea, stars=5)
    db.session.flush()
    video = add_video(tea, url="https://www.facebook.com/htx/videos/1234567890123456/")
    db.session.commit()
    player = client.get(f"/products/{tea.slug}/videos/{video.id}")
    assert (
        "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fwatch%2F%3Fv%3D1234567890123456"
        in player.get_data(as_text=True)
    )
    assert player.headers["Content-Security-Policy"].endswith("; frame-src https://www.facebook.com")


def test_only_a_valid_3_to_5_star_product_carries_clips(client, db, login):
    user, producer = make_producer_account()
    two_star = make_product(producer=producer)
    make_certificate(product=two_star, stars=2)
    lapsing = make_product(producer=producer)
    certificate = make_certificate(product=lapsing, stars=4)
    db.session.commit()
    login(user)
    assert "3–5★" in client.get(f"/producer/products/{two_star.id}/edit").get_data(as_text=True)
    client.post(f"/producer/products/{two_star.id}/videos", data={"video-url": "https://youtu.be/dQw4w9WgXcQ"})
    assert db.session.scalar(select(func.count(ProductVideo.id))) == 0

    assert (
        client.post(
            f"/producer/products/{lapsing.id}/videos", data={"video-url": "https://youtu.be/dQw4w9WgXcQ"}
        ).status_code
        == 302
    )
    video = db.session.scalar(select(ProductVideo))
    certificate.decision_date = today_vn() - timedelta(days=40 * 31)  # past its 36 months
    certificate.valid_until = today_vn() - timedelta(days=10)
    db.session.commit()
    login.logout()
    assert 'data-testid="videos"' not in client.get(f"/products/{lapsing.slug}").get_data(as_text=True)
    assert client.get(f"/products/{lapsing.slug}/videos/{video.id}").status_code == 404


def test_a_producer_cannot_add_or_remove_clips_of_another_producers_product(client, db, login):
    user, _own = make_producer_account()
    other = make_product()
    make_certificate(product=other, stars=4)
    db.session.flush()
    video = add_video(other, url="https://youtu.be/dQw4w9WgXcQ")
    db.session.commit()
    login(user)
    assert (
        client.post(
            f"/producer/products/{other.id}/videos", data={"video-url": "https://youtu.be/aB3_-x9ZzQk"}
        ).status_code
        == 404
    )
    assert client.post(f"/producer/products/{other.id}/videos/{video.id}/delete").status_code == 404
    assert db.session.scalar(select(func.count(ProductVideo.id))) == 1
    assert client.get(f"/products/{other.slug}/videos/{video.id + 1}").status_code == 404

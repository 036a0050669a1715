"""Demo video links on two fictional 4–5★ products, `is_demo` and labelled: the ids are made up, so a tap shows
the platform's "video unavailable" page rather than crediting any real clip to an invented product."""

from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.catalog.videos import add_video
from storefront.extensions import db

#: (product, link with an invented id, title).
DEMO_VIDEOS = (
    (
        "Chè búp Bình Minh (hư cấu)",
        "https://www.youtube.com/watch?v=DEMOvideo01",
        "Video minh hoạ: hái và sao chè búp (demo)",
    ),
    (
        "Trà hoa vàng Núi Cốc (hư cấu)",
        "https://www.facebook.com/demo.nuicoc/videos/1000000000000001/",
        "Video minh hoạ: vườn trà hoa vàng (demo)",
    ),
)


def seed_videos() -> int:
    """Attach the demo clips through the real service (which checks the 3–5★ rule); flush only."""
    count = 0
    for name, url, title in DEMO_VIDEOS:
        product = db.session.scalar(select(Product).where(Product.name_vi == name))
        if product is not None:
            add_video(product, url=url, title=title, is_demo=True)
            count += 1
    return count

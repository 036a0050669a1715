"""Traceability test helpers: a published tea batch with a GTIN, stamps, scans."""

import os
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from storefront.catalog.models import ProductImage
from storefront.extensions import db
from tests.factories import make_batch, make_certificate, make_producer, make_product
from traceability.models import Scan, StampDevice
from traceability.scans.stream import ScanQueue, drain_scans

#: A valid GTIN-13 under Vietnam's GS1 prefix 893 (check digit 0), stored as GTIN-14.
GTIN = "08934567890120"

#: The Fetch Metadata a browser sends when a person opens a link from a phone's camera or a QR app.
CAMERA_SCAN = {
    "Sec-Fetch-Site": "none",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-User": "?1",
}
#: What browsers send when another site's page loads a stamp's URL for each of its visitors, unseen by them.
CROSS_SITE_LOADS = {
    "image": {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
    "frame": {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
    "fetch": {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"},
    "prefetch": {
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document",
        "Sec-Purpose": "prefetch",
    },
    "old Chrome's prefetch": {"Purpose": "prefetch"},
}


def make_traced_product(*, gtin=GTIN, certified=True, **kw):
    """Return a tea with a photo, a producer with a story, and (by default) a valid 4★ certificate."""
    producer = kw.pop("producer", None) or make_producer(
        name="HTX Chè Hảo Đạt", story_md="Đồi chè **xóm Nam Tiến**.", street="Xóm Nam Tiến"
    )
    product = make_product(producer=producer, name_vi=kw.pop("name_vi", "Chè Tân Cương đặc biệt"), gtin=gtin, **kw)
    db.session.add(ProductImage(product=product, filename=f"{product.slug}.jpg", alt=product.name_vi))
    db.session.flush()
    if certified:
        make_certificate(product=product, stars=4, decision_number="1234/QĐ-UBND")
    return product


def make_traced_batch(*, product=None, **kw):
    return make_batch(product=product or make_traced_product(), **kw)


def add_scans(stamp, regions, *, at=None, devices=None):
    """Store past scans of a stamp from the given regions (counters updated as record_scan would).

    devices: one device hash per scan (default: all from one device); repeats count once.
    """
    at = at or datetime.now(UTC) - timedelta(hours=1)
    devices = devices if devices is not None else ["0" * 32] * len(regions)
    for region in regions:
        db.session.add(Scan(stamp_id=stamp.id, batch_id=stamp.batch_id, scanned_at=at, region=region))
    known = set(db.session.scalars(select(StampDevice.device_hash).where(StampDevice.stamp_id == stamp.id)))
    for device in dict.fromkeys(devices):
        if device not in known:
            db.session.add(StampDevice(stamp_id=stamp.id, device_hash=device, day=at.date()))
            stamp.device_count += 1
    stamp.scan_count += len(regions)
    stamp.first_scanned_at = stamp.first_scanned_at or at
    db.session.flush()


def many_devices(n: int) -> list[str]:
    """n distinct device hashes (as recording.device_hash gives them: 32 hex characters)."""
    return [f"{i:032x}" for i in range(1, n + 1)]


def flush_scans() -> None:
    """Write the scans the app has queued (SCAN_WRITE_MODE=buffered, the test default as in production;
    with SCAN_WRITE_MODE=queue, the scan-drain job's work, run here)."""
    buffer = current_app.extensions.get("scan_buffer")
    if isinstance(buffer, ScanQueue):
        drain_scans()
    elif buffer is not None:
        buffer.flush()
    db.session.expire_all()


#: The Redis database of queue-mode scan tests: the job tests' own (emptied by them and by queue_mode).
QUEUE_REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/9")


def queue_mode(app_config: dict) -> None:
    """Put the app in SCAN_WRITE_MODE=queue on QUEUE_REDIS_URL, emptied first (skips the test without Redis)."""
    import pytest
    from redis import Redis

    conn = Redis.from_url(QUEUE_REDIS_URL)
    try:
        conn.ping()
    except Exception as error:  # pragma: no cover - only without Redis
        pytest.skip(f"no Redis at {QUEUE_REDIS_URL}: {error}")
    conn.flushdb()
    conn.close()
    app_config.update(SCAN_WRITE_MODE="queue", REDIS_URL=QUEUE_REDIS_URL, JOBS_REDIS_URL=QUEUE_REDIS_URL)


def page_path(url: str) -> str:
    """The origin page's path (and query) of a scanned URL: /origin + a Digital Link's path; a /t/ path is its own page."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return "/origin" + path if path.startswith("/01/") else path


def scan(client, url: str, method: str = "get", **kw):
    """Open a scanned URL as a phone does: the resolver's 307 to the origin page (checked), then that page.

    kw (headers, environ_base) go with both requests; put a query in the URL, not in kw.
    """
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    response = getattr(client, method)(path, **kw)
    if path.startswith(("/01/", "/gtin/")):
        assert response.status_code == 307, response.status_code
        location = response.headers["Location"]
        assert location == "http://shop.test" + page_path(path), location
        response = getattr(client, method)(page_path(path), **kw)
    return response

"""Settings read from the environment, each with its development default beside it."""

import os
import sys
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET_KEY = "dev-only-secret-change-me"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    #: development | production; production refuses the development secret key.
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'ocop.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS = {}
    #: A pooled connection idle for longer than this is checked ("SELECT 1") before use
    #: (storefront/pool_ping.py); a busy one is not, which saves a round trip per request.
    POOL_PING_IDLE_SECONDS = float(os.environ.get("POOL_PING_IDLE_SECONDS", "1"))
    #: The origin printed into QR stamps; must stay stable once stamps are printed.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0 = none).
    #: Without it, behind a proxy every visitor shares one rate-limit bucket.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    #: Comma-separated host names the app answers to (Flask refuses others); empty = any.
    TRUSTED_HOSTS = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: On by default in production (cookies over HTTPS only); SESSION_COOKIE_SECURE=false turns it off.
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", APP_ENV == "production")
    #: "Ghi nhớ đăng nhập": the remember cookie and every login session live at most this long.
    REMEMBER_COOKIE_DURATION = timedelta(days=min(_int("REMEMBER_COOKIE_DAYS", 30), 30))
    #: None = the same as SESSION_COOKIE_SECURE (create_app fills it in).
    REMEMBER_COOKIE_SECURE = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: A signed-in Flask session cookie is refused after this long even if saved and replayed.
    PERMANENT_SESSION_LIFETIME = REMEMBER_COOKIE_DURATION
    WTF_CSRF_TIME_LIMIT = None

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("vi", "en")

    #: Where rate limits are counted; required in production (every worker and server must see
    #: the same counts). Without it (development, tests) each process counts on its own.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    #: Per address, on sign-up, password-reset requests and producer sign-up.
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour")
    #: Sign-in, per account: wrong passwords allowed before a wait, the first wait (doubling
    #: with each further failure) and its cap. See storefront/accounts/throttle.py.
    LOGIN_FREE_FAILURES = _int("LOGIN_FREE_FAILURES", 5)
    LOGIN_DELAY_SECONDS = _int("LOGIN_DELAY_SECONDS", 30)
    LOGIN_DELAY_MAX_SECONDS = _int("LOGIN_DELAY_MAX_SECONDS", 900)
    #: Sign-in, per address: wrong passwords checked. Loose on purpose: carrier NAT puts many
    #: shoppers behind one address.
    RATELIMIT_LOGIN_ADDRESS = os.environ.get("RATELIMIT_LOGIN_ADDRESS", "100 per 10 minutes")
    RATELIMIT_SCAN = os.environ.get("RATELIMIT_SCAN", "60 per minute")

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    #: Point the stripe library elsewhere (tests aim it at localstripe on loopback).
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")

    #: VNPay gateway (payment URL API 2.1.0): terminal code and hash secret from VNPay; the
    #: method is offered only when both are set. The IPN URL to register with VNPay is
    #: <PUBLIC_BASE_URL>/payments/vnpay/webhook. Leave the URLs empty for VNPay's sandbox.
    VNPAY_TMN_CODE = os.environ.get("VNPAY_TMN_CODE", "")
    VNPAY_HASH_SECRET = os.environ.get("VNPAY_HASH_SECRET", "")
    VNPAY_PAY_URL = os.environ.get("VNPAY_PAY_URL", "")
    VNPAY_API_URL = os.environ.get("VNPAY_API_URL", "")
    #: This server's public address, sent as vnp_IpAddr on querydr/refund calls.
    VNPAY_SERVER_IP = os.environ.get("VNPAY_SERVER_IP", "127.0.0.1")
    #: MoMo AIO gateway v2: partner code, access key and secret key from MoMo for Business;
    #: offered only when all three are set. Empty endpoint: MoMo's test environment.
    MOMO_PARTNER_CODE = os.environ.get("MOMO_PARTNER_CODE", "")
    MOMO_ACCESS_KEY = os.environ.get("MOMO_ACCESS_KEY", "")
    MOMO_SECRET_KEY = os.environ.get("MOMO_SECRET_KEY", "")
    MOMO_ENDPOINT = os.environ.get("MOMO_ENDPOINT", "")
    #: captureWallet (MoMo app / QR) or payWithATM (domestic ATM cards through MoMo).
    MOMO_REQUEST_TYPE = os.environ.get("MOMO_REQUEST_TYPE", "captureWallet")

    #: VietQR bank transfer: the shop's receiving account (NAPAS bank BIN).
    BANK_BIN = os.environ.get("BANK_BIN", "970436")
    BANK_ACCOUNT = os.environ.get("BANK_ACCOUNT", "0011004123456")
    BANK_ACCOUNT_NAME = os.environ.get("BANK_ACCOUNT_NAME", "HTX THUONG MAI OCOP THAI NGUYEN")
    BANK_NAME = os.environ.get("BANK_NAME", "Vietcombank")

    RESERVATION_MINUTES = _int("RESERVATION_MINUTES", 30)
    #: A bank transfer takes longer than a card: hold its stock for a day by default.
    BANK_TRANSFER_RESERVATION_MINUTES = _int("BANK_TRANSFER_RESERVATION_MINUTES", 1440)
    RATELIMIT_ORDER_LOOKUP = os.environ.get("RATELIMIT_ORDER_LOOKUP", "10 per minute;30 per hour")
    #: Orders placed per address (each one holds stock until it is paid or lapses). Loose on purpose:
    #: mobile carriers put many shoppers behind one address.
    RATELIMIT_CHECKOUT = os.environ.get("RATELIMIT_CHECKOUT", "10 per minute;60 per hour")
    FREE_SHIPPING_FROM_VND = _int("FREE_SHIPPING_FROM_VND", 500_000)

    #: "whoosh": an index folder on this server (SEARCH_INDEX_DIR); "postgres": tables in the shop's
    #: PostgreSQL database, shared by every app server and worker (storefront/catalog/search/).
    #: Default: postgres in production on PostgreSQL, whoosh everywhere else (make run, SQLite).
    SEARCH_BACKEND = os.environ.get(
        "SEARCH_BACKEND",
        "postgres" if APP_ENV == "production" and SQLALCHEMY_DATABASE_URI.startswith("postgresql") else "whoosh",
    )
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))
    #: Longest a worker reuses a catalogue listing or an anonymous page (0 = off). Changes the app
    #: commits show sooner: at once in the committing worker, at the others' next version check.
    CATALOG_CACHE_SECONDS = _int("CATALOG_CACHE_SECONDS", 300)
    #: How often a worker reads catalogue_versions to learn of other workers' commits.
    CATALOG_VERSION_CHECK_SECONDS = float(os.environ.get("CATALOG_VERSION_CHECK_SECONDS", "1"))
    #: Per-worker bounds of the anonymous page cache.
    CATALOG_PAGE_CACHE_ENTRIES = _int("CATALOG_PAGE_CACHE_ENTRIES", 512)
    #: Holds the bench's product and catalogue pages, not all its producer pages (BENCHMARKS.md,
    #: worker memory, sixth pass).
    CATALOG_PAGE_CACHE_BYTES = _int("CATALOG_PAGE_CACHE_BYTES", 4 * 1024 * 1024)
    #: Per-worker bound of the listing cache (the ordered ids of a filter set, 4 bytes an id): 2 MB
    #: holds about 25 listings of the whole 20,000-product catalogue (BENCHMARKS.md, fifth pass).
    CATALOG_LISTING_CACHE_BYTES = _int("CATALOG_LISTING_CACHE_BYTES", 2 * 1024 * 1024)
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    #: Largest decision scan (PDF/JPEG/PNG) the office may attach to a certificate.
    OFFICE_DOCUMENT_MAX_BYTES = _int("OFFICE_DOCUMENT_MAX_BYTES", 5 * 1024 * 1024)
    #: Largest decision scan image, in pixels (a 20000×20000 PNG is a memory bomb, not a scan).
    OFFICE_DOCUMENT_MAX_PIXELS = _int("OFFICE_DOCUMENT_MAX_PIXELS", 40_000_000)
    #: Strict-Transport-Security max-age sent on HTTPS answers in production (0 = no HSTS header).
    SECURITY_HSTS_SECONDS = _int("SECURITY_HSTS_SECONDS", 365 * 24 * 3600)
    SCAN_WARNING_THRESHOLD = _int("SCAN_WARNING_THRESHOLD", 20)
    #: Days a walk-up look-up of an unregistered code is kept (the daily scan-retention job; 0 = for ever).
    UNKNOWN_SCAN_RETENTION_DAYS = _int("UNKNOWN_SCAN_RETENTION_DAYS", 365)
    #: Days a raw stamp scan row (time, region, user agent) is kept before the daily scan-rollup job
    #: folds it into scan_daily_counts (per stamp, Vietnam day and region) and deletes it; 0 = never.
    #: 180 keeps a whole season (harvest to Tết) of raw rows for counterfeit and recall inquiries,
    #: and far outlasts the copy warnings' 24-hour window; past it, user agents are not kept.
    SCAN_RAW_RETENTION_DAYS = _int("SCAN_RAW_RETENTION_DAYS", 180)
    #: Header a trusted proxy sets with the visitor's coarse region (e.g. province code);
    #: empty = no regions. Never name a header clients can set themselves.
    SCAN_REGION_HEADER = os.environ.get("SCAN_REGION_HEADER", "")
    #: Seconds a worker keeps a batch's rendered origin-page description. Changes made in the app
    #: reach every worker at its next scan (origin_versions, traceability/origin/cache.py); this bounds
    #: only changes made outside it (SQL by hand) and a commit whose version update fails (logged).
    ORIGIN_CACHE_SECONDS = _int("ORIGIN_CACHE_SECONDS", 600)
    #: Per-worker budget of those descriptions, in bytes of text (oldest dropped first past it).
    ORIGIN_CACHE_BYTES = _int("ORIGIN_CACHE_BYTES", 16 * 1024 * 1024)
    #: "buffered": each worker writes its scans together, every SCAN_FLUSH_SECONDS or SCAN_FLUSH_MAX
    #: scans and at exit (traceability/scans/buffer.py); "immediate": each scan in its request;
    #: "queue": each scan appended to a Redis stream (REDIS_URL) that the scan-drain job writes every
    #: SCAN_DRAIN_SECONDS (needs JOBS_REDIS_URL, a worker and the scheduler; traceability/scans/stream.py).
    SCAN_WRITE_MODE = os.environ.get("SCAN_WRITE_MODE", "buffered")
    SCAN_DRAIN_SECONDS = _int("SCAN_DRAIN_SECONDS", 2)
    #: With SCAN_WRITE_MODE=queue: age of the oldest waiting scan past which /office/jobs warns and
    #: /healthz says "stale" (scans are not being written).
    SCAN_QUEUE_ALERT_SECONDS = _int("SCAN_QUEUE_ALERT_SECONDS", 60)
    SCAN_FLUSH_SECONDS = float(os.environ.get("SCAN_FLUSH_SECONDS", "1"))
    SCAN_FLUSH_MAX = _int("SCAN_FLUSH_MAX", 500)
    #: Answer plain scans (no session cookie, no ?lang= or ?linkType=) before Flask's request
    #: handling, with the same page and headers (traceability/fast_path.py); 0 turns it off.
    SCAN_FAST_PATH = _bool("SCAN_FAST_PATH", True)
    #: "thread": the cyclic garbage collector runs from a thread of its own, never inside an allocation
    #: (storefront/gc_guard.py: Python 3.11's collector crashed threaded workers); "automatic": Python's
    #: own. The default is "thread" on Python 3.11, "automatic" from 3.12 on (which no longer needs it).
    GC_COLLECTOR = os.environ.get("GC_COLLECTOR", "thread" if sys.version_info < (3, 12) else "automatic")
    STAMP_DIR = os.environ.get("STAMP_DIR", str(INSTANCE_DIR / "stamps"))
    #: Where photos, decision scans and stamp PDFs live (storefront/storage): "local" (UPLOAD_DIR,
    #: STAMP_DIR) or "s3" (one bucket, any S3-compatible store: AWS, MinIO, a Vietnamese cloud).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    #: Empty = AWS; e.g. http://127.0.0.1:9000 for MinIO, or a provider's S3 endpoint.
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    #: Empty = boto3's own credential chain (AWS_* variables, instance role).
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
    #: Key prefix inside the bucket (e.g. "thai-nguyen/"); each area adds "media/", "documents/", "stamps/".
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    #: "path" (MinIO and most S3-compatible stores) or "virtual" (bucket in the host name).
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "path")
    #: ACL of public photos; empty when the bucket refuses ACLs (a bucket policy or CDN makes media/ public).
    S3_PUBLIC_ACL = os.environ.get("S3_PUBLIC_ACL", "public-read")
    #: Lifetime of a presigned download (decision scans, stamp PDFs) handed out after the role check.
    S3_PRESIGN_SECONDS = _int("S3_PRESIGN_SECONDS", 300)
    #: Job queue (RQ on Redis; storefront/jobs). Empty: jobs run at once inside the calling process,
    #: as in development. Set it (may be the REDIS_URL server, another db) and run `flask jobs worker`
    #: and `flask jobs scheduler`.
    JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL", "")
    #: A failed job is tried again this many times, after these seconds (one per retry; the last repeats).
    JOB_RETRIES = _int("JOB_RETRIES", 3)
    JOB_RETRY_INTERVALS = os.environ.get("JOB_RETRY_INTERVALS", "10,60,300")
    JOB_TIMEOUT_SECONDS = _int("JOB_TIMEOUT_SECONDS", 900)
    #: Seconds between periodic jobs, e.g. "release-expired=60,outbox-send=60,reindex=86400" (0 = off).
    JOB_SCHEDULE = os.environ.get("JOB_SCHEDULE", "")
    #: Stamp issues of at least this many stamps get their PDF sheet made by a job (the producer
    #: waits on a progress page); smaller ones are drawn when downloaded.
    STAMP_JOB_THRESHOLD = _int("STAMP_JOB_THRESHOLD", 500)
    #: Public base URL of the bucket (a CDN) that photos redirect to; empty = S3_ENDPOINT_URL/S3_BUCKET/S3_PREFIX.
    MEDIA_PUBLIC_URL = os.environ.get("MEDIA_PUBLIC_URL", "")
    #: Map tiles for /points-of-sale (Leaflet), e.g. "https://tiles.example.vn/{z}/{x}/{y}.png"; empty = the map
    #: shows the points without tiles. A map published in Vietnam must show the country's borders and islands
    #: (Hoàng Sa, Trường Sa) as Vietnamese law requires: pick a compliant provider (README, "Map").
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
    #: The tile provider's credit line, shown on the map (plain text).
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
    RATELIMIT_REPORT = os.environ.get("RATELIMIT_REPORT", "20 per hour")
    RATELIMIT_PIN = os.environ.get("RATELIMIT_PIN", "10 per minute")
    #: Wrong PINs one stamp takes from all addresses together; then its PIN is not checked until the window ends.
    RATELIMIT_PIN_STAMP = os.environ.get("RATELIMIT_PIN_STAMP", "10 per day")
    #: Reviews written per account (storefront/reviews/views.py: keyed by account, not address).
    RATELIMIT_REVIEW = os.environ.get("RATELIMIT_REVIEW", "5 per hour;20 per day")
    #: Stories a producer account may submit or resubmit (storefront/producer/views/stories.py).
    RATELIMIT_STORY = os.environ.get("RATELIMIT_STORY", "10 per hour;30 per day")
    #: Experience bookings sent per address (loose: mobile carriers put many people behind one address).
    RATELIMIT_BOOKING = os.environ.get("RATELIMIT_BOOKING", "20 per minute;200 per hour")
    PRODUCER_LOW_STOCK_THRESHOLD = _int("PRODUCER_LOW_STOCK_THRESHOLD", 5)

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "OCOP Thái Nguyên <no-reply@ocop.example.vn>")
    #: Without MAIL_SERVER, mail is written as .eml files here.
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))

    # The seller's legal identity, shown in every footer (Decree 52/2013 Art. 29).
    SHOP_LEGAL_NAME = os.environ.get("SHOP_LEGAL_NAME", "Sàn OCOP Thái Nguyên (bản trình diễn)")
    SHOP_ADDRESS = os.environ.get("SHOP_ADDRESS", "Số 1 đường Hoàng Văn Thụ, Phường Phan Đình Phùng, Tỉnh Thái Nguyên")
    SHOP_BUSINESS_REG = os.environ.get(
        "SHOP_BUSINESS_REG", "4600000000 – cấp ngày 01/01/2026 tại Sở Tài chính Thái Nguyên (số minh hoạ)"
    )
    SHOP_PHONE = os.environ.get("SHOP_PHONE", "0208 3855 000")
    SHOP_EMAIL = os.environ.get("SHOP_EMAIL", "hotro@ocop.example.vn")

    #: A demo instance (seeded with `flask seed-demo`; `make run` sets it) says so on every page.
    DEMO_MODE = _bool("DEMO_MODE", False)


class TestConfig(Config):
    __test__ = False
    APP_ENV = "testing"
    TESTING = True
    DEMO_MODE = False
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    PUBLIC_BASE_URL = "http://shop.test"
    SERVER_NAME = None
    SEARCH_BACKEND = "whoosh"  # tests of the PostgreSQL backend choose it (tests/integration/test_search_backends.py)
    SEARCH_INDEX_DIR = None  # in-memory index
    RATELIMIT_LOGIN = "1000 per minute"
    RATELIMIT_LOGIN_ADDRESS = "1000 per minute"
    SESSION_COOKIE_SECURE = False
    #: Cheap hashing keeps the suite fast; production keeps werkzeug's scrypt default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_SCAN = "1000 per minute"
    RATELIMIT_BOOKING = "1000 per minute"
    RATELIMIT_CHECKOUT = "1000 per minute"
    #: Once per app (its first page): tests that play another worker set 0, a check on every request.
    CATALOG_VERSION_CHECK_SECONDS = 3600
    #: Scans are queued as in production (SCAN_WRITE_MODE=buffered); a test that reads a counter
    #: writes them first (tests.factories_traceability.flush_scans); the writer thread waits an hour.
    SCAN_FLUSH_SECONDS = 3600
    REDIS_URL = ""
    JOBS_REDIS_URL = ""
    #: The test process keeps Python's own collector (tests/unit/test_gc_guard.py runs the thread in a child).
    GC_COLLECTOR = "automatic"
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    VNPAY_TMN_CODE = ""
    VNPAY_HASH_SECRET = ""
    MOMO_PARTNER_CODE = ""
    MOMO_ACCESS_KEY = ""
    MOMO_SECRET_KEY = ""
    MAIL_SERVER = ""

"""Where the shop keeps files: one interface, a local folder (default) or an S3-compatible bucket.

Three areas, each a flat namespace of file names (no folders, no path parts):

| area | holds | local folder | who may read |
| --- | --- | --- | --- |
| `media` | product and producer photos and their derivatives | `UPLOAD_DIR` | anyone (long cache) |
| `documents` | certificate decision scans | `UPLOAD_DIR/decisions` | the office, after its role check |
| `stamps` | stamp PDF sheets, code zips, PIN lists | `STAMP_DIR` | the owning producer / the operator |

`STORAGE_BACKEND=local` (the default) keeps today's folders; `s3` puts every area in one bucket
(`S3_BUCKET`) under `<S3_PREFIX><area>/`, through boto3 with `S3_ENDPOINT_URL` for MinIO or any
S3-compatible object storage (e.g. a cloud hosted in Vietnam). Public media is then answered by
a redirect to the bucket or `MEDIA_PUBLIC_URL` (a CDN); private files by a presigned URL valid
`S3_PRESIGN_SECONDS`, handed out only after the view's role or ownership check.

    store = storage("media")
    store.put("abc.jpg", data)
    store.get("abc.jpg")          # bytes, or None when missing
    store.url("abc.jpg")          # S3: where to redirect; local: None (the app sends the file)
"""

import re
from abc import ABC, abstractmethod
from urllib.parse import urlsplit

from flask import current_app

#: Area -> whether its files are public (photos) or private (documents behind a role check).
AREAS = {"media": True, "documents": False, "stamps": False}
#: A stored name: one path segment of safe characters, never starting with a dot.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "zip": "application/zip",
    "csv": "text/csv; charset=utf-8",
}
#: Cache-Control of public media: names are random or derived, a stored file never changes.
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"


class StorageError(RuntimeError):
    """The store could not be reached or refused the operation."""


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name) or ".." in name:
        raise ValueError(f"not a stored file name: {name!r}")
    return name


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


class Storage(ABC):
    """One area of stored files."""

    def __init__(self, area: str, *, public: bool):
        self.area = area
        self.public = public

    @abstractmethod
    def put(self, name: str, data: bytes) -> None:
        """Store `data` under `name`, replacing any earlier file of that name."""

    def put_file(self, name: str, path) -> None:
        """Store the local file at `path` under `name` (backends that can, copy it without reading it whole)."""
        with open(path, "rb") as source:
            self.put(name, source.read())

    @abstractmethod
    def get(self, name: str) -> bytes | None:
        """Return the file's bytes, or None when there is none."""

    @abstractmethod
    def exists(self, name: str) -> bool: ...

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the file; a missing file is not an error."""

    def url(self, name: str, *, download_name: str | None = None) -> str | None:
        """Return a URL the browser may fetch the file from directly, or None: the app sends it."""
        return None

    def send(self, name: str, *, max_age: int, download_name: str | None = None):
        """Answer the file from the app (backends without direct URLs); 404 when missing."""
        raise NotImplementedError


def storage(area: str, app=None) -> Storage:
    """Return the configured store of `area` for the app (built once per app)."""
    app = app or current_app
    stores = app.extensions.setdefault("storage", {})
    store = stores.get(area)
    if store is None:
        store = stores[area] = build(app.config, area)
    return store


def build(config, area: str) -> Storage:
    if area not in AREAS:
        raise ValueError(f"unknown storage area {area!r}")
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "s3":
        from storefront.storage.s3 import S3Storage

        return S3Storage(area, public=AREAS[area], config=config)
    if backend != "local":
        raise ValueError(f"STORAGE_BACKEND must be 'local' or 's3', not {backend!r}")
    from storefront.storage.local import LocalStorage, local_folder

    return LocalStorage(area, local_folder(config, area), public=AREAS[area])


def as_storage(target, area: str = "media") -> Storage:
    """Accept a Storage or a local folder path (the seed, the bench and tests pass folders)."""
    if isinstance(target, Storage):
        return target
    from storefront.storage.local import LocalStorage

    return LocalStorage(area, target, public=AREAS[area])


def media_origin(config) -> str | None:
    """The scheme://host[:port] photos are redirected to (object storage), for the CSP's img-src; None for local."""
    if (config.get("STORAGE_BACKEND") or "local").lower() != "s3":
        return None
    base = config.get("MEDIA_PUBLIC_URL") or config.get("S3_ENDPOINT_URL")
    if not base:
        base = f"https://s3.{config.get('S3_REGION') or 'us-east-1'}.amazonaws.com"
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"

"""Decision scans on disk: checked by their magic bytes, stored under a random name."""
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from storefront.errors import DomainError
from storefront.extensions import db

#: Leading bytes of the formats a council decision scan may come in.
SCAN_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: session.info key: scans written during the open transaction, deleted unless it commits.
UNCOMMITTED_KEY = "office_uncommitted_scans"


class DocumentInvalid(DomainError):
    """The uploaded scan is not a PDF/JPEG/PNG or is too large; str() is the user message."""


def decisions_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "decisions"


def read_scan(stream) -> tuple[bytes, str]:
    """Read an uploaded scan and return (bytes, extension) or raise DocumentInvalid."""
    limit = current_app.config.get("OFFICE_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
    data = stream.read(limit + 1)
    if not data:
        raise DocumentInvalid(_l("Tệp quét quyết định trống."))
    if len(data) > limit:
        raise DocumentInvalid(_l("Tệp quét quá lớn (tối đa %(mb)s MB).", mb=limit // (1024 * 1024)))
    for signature, extension in SCAN_SIGNATURES.items():
        if data.startswith(signature):
            return data, extension
    raise DocumentInvalid(_l("Tệp quét phải là PDF, JPEG hoặc PNG."))


def store_scan(data: bytes, extension: str) -> str:
    """Write checked scan bytes under a random name and return that name.

    The file is written now, so a committed certificate always has its scan; if the
    transaction ends without a commit (a later error, a rollback) the file is deleted.
    """
    folder = decisions_dir()
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"{secrets.token_hex(16)}.{extension}"
    path = folder / filename
    path.write_bytes(data)
    db.session.info.setdefault(UNCOMMITTED_KEY, []).append(path)
    return filename


def _keep_scans(session):
    session.info.pop(UNCOMMITTED_KEY, None)


def _delete_uncommitted_scans(session, transaction):
    # after_commit has already taken the committed ones; whatever is left was rolled back.
    if transaction.parent is None:
        for path in session.info.pop(UNCOMMITTED_KEY, ()):
            path.unlink(missing_ok=True)


def register_listeners():
    """Listen on every SQLAlchemy session, so a scan lives exactly as long as its committed row."""
    for name, listener in (("after_commit", _keep_scans), ("after_transaction_end", _delete_uncommitted_scans)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)

"""Recording a scan: the device's daily hash, the stamp's counters and the scan row, written now
or queued in the worker's scan buffer (buffer.py) or the Redis stream (stream.py)."""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import attributes

from storefront.clock import VIETNAM_TZ
from storefront.columns import UTCDateTime, utcnow
from storefront.extensions import client_network, db
from traceability.models import Batch, Scan, Stamp
from traceability.scans.buffer import ScanBuffer
from traceability.scans.writes import INSERT_DEVICE, PendingScan

_stamps, _scans = Stamp.__table__, Scan.__table__


@dataclass
class StampState:
    """The counters of one stamp as read (and then counted) on a scan; what scan_warning reads."""

    id: int
    serial: str | None
    has_pin: bool
    pin_verified_at: datetime | None
    scan_count: int
    first_scanned_at: datetime | None
    #: Distinct devices since the last clearing (device_count - devices_at_clear).
    devices: int = 0
    is_display: bool = False
    warning_cleared_at: datetime | None = None
    #: Whether the scanning device's row for the stamp was already stored when it was looked up.
    device_known: bool = False


def stamp_state(stamp: Stamp) -> StampState:
    """The counters of a loaded stamp, as a scan's look-up reads them."""
    return StampState(
        stamp.id,
        stamp.serial,
        stamp.pin_hash is not None,
        stamp.pin_verified_at,
        stamp.scan_count,
        stamp.first_scanned_at,
        stamp.device_count - stamp.devices_at_clear,
        stamp.is_display,
        stamp.warning_cleared_at,
    )


# SQL-side increment (concurrent scans never lose a count), returning the counted values.
_COUNT_STAMP = (
    update(_stamps)
    .where(_stamps.c.id == bindparam("stamp_id"))
    .values(
        scan_count=_stamps.c.scan_count + 1,
        first_scanned_at=func.coalesce(_stamps.c.first_scanned_at, bindparam("now", type_=UTCDateTime)),
        last_scanned_at=bindparam("now", type_=UTCDateTime),
        device_count=_stamps.c.device_count + bindparam("new_devices"),
    )
    .returning(
        _stamps.c.scan_count,
        _stamps.c.first_scanned_at,
        (_stamps.c.device_count - _stamps.c.devices_at_clear).label("devices"),
    )
)


_INSERT_SCAN = insert(_scans)


_DEVICE_FIELD_SEP = "\x1f"

#: How many devices one address (an IPv6 /64) counts as at most, per stamp and day, whatever user
#: agents and languages it sends: one client that varies its headers cannot warn alone.
DEVICES_PER_ADDRESS = 3


@functools.lru_cache(maxsize=4)
def _day_salt(secret: str, day: date) -> bytes:
    return hmac.new(secret.encode(), b"ocop-scan-device:" + day.isoformat().encode(), hashlib.sha256).digest()


def device_hash(*, user_agent: str, address: str, accept_language: str, secret: str, day: date) -> str:
    """Return the day's anonymous name of a scanning device: 32 hex characters.

    The salt is derived from SECRET_KEY and the Vietnam date, so it rotates daily: a phone's
    scans on one day share a hash, its scans on two days cannot be linked, and no stored value
    leads back to the address (which is never stored). The user agent and languages only pick
    one of DEVICES_PER_ADDRESS slots of the address (its /64 for IPv6): phones behind one carrier
    NAT address count as at most that many, and so does one client sending made-up user agents.
    The count errs towards no warning.
    """
    key = _day_salt(secret, day)
    browser = _DEVICE_FIELD_SEP.join((user_agent or "", accept_language or "")).encode("utf-8", "replace")
    slot = int.from_bytes(hashlib.blake2b(browser, key=key, digest_size=8).digest(), "big") % DEVICES_PER_ADDRESS
    material = _DEVICE_FIELD_SEP.join((client_network(address or ""), str(slot)))
    # Keyed BLAKE2b is a MAC in one call.
    return hashlib.blake2b(material.encode("utf-8", "replace"), key=key, digest_size=16).hexdigest()


def relax_commit_durability() -> None:
    """Let this transaction's commit return before PostgreSQL flushes its WAL to disk.

    For a transaction that only records scans: a crash may lose the last moment's scans, never
    corrupt anything (PostgreSQL's synchronous_commit=off, like SQLite's synchronous=NORMAL).
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def clean_region(region: str) -> str:
    """The region as a scan row stores it."""
    # A NUL cannot be stored in a PostgreSQL text column: a header carrying one must not stop the write.
    return (region or "").replace("\x00", "").strip()[:40]


def count_scan(
    batch_id: int,
    stamp: StampState | None,
    *,
    region: str = "",
    user_agent: str = "",
    device: str = "",
    day: date | None = None,
    now: datetime | None = None,
    buffer: ScanBuffer | None = None,
) -> None:
    """Count one look-up: queued in `buffer` (buffer.py, or stream.py's ScanQueue), or written now with Core statements
    (the device's row if new, an UPDATE … RETURNING of the stamp and an INSERT).

    `device` is the day's hash of the scanning device (device_hash; "" counts no device) and
    `day` its Vietnam date. The stamp state gets the counted values; no ORM object is loaded or
    flushed; no IP is kept. A scan refused by the rate limit never reaches here.
    """
    now = now or utcnow()
    region = clean_region(region)
    user_agent = (user_agent or "").replace("\x00", "")[:200]
    if stamp is None or stamp.serial is None or stamp.device_known:
        device = ""  # a lot-level code is shared by every unit: its devices prove nothing; or counted already
    day = day or now.astimezone(VIETNAM_TZ).date()
    if buffer is not None:
        unwritten, first, devices = buffer.add(
            PendingScan(stamp.id if stamp is not None else None, batch_id, now, region, user_agent, device, day),
            new_device=bool(device),
        )
        if stamp is not None:
            stamp.scan_count += unwritten
            stamp.first_scanned_at = stamp.first_scanned_at or first
            stamp.devices += devices
        return
    connection = db.session.connection()
    if stamp is not None:
        new_devices = 0
        if device:
            new_devices = connection.execute(
                INSERT_DEVICE, {"stamp_id": stamp.id, "device_hash": device, "day": day}
            ).rowcount
        row = connection.execute(_COUNT_STAMP, {"stamp_id": stamp.id, "now": now, "new_devices": new_devices}).one()
        stamp.scan_count, stamp.first_scanned_at, stamp.devices = row.scan_count, row.first_scanned_at, row.devices
    connection.execute(
        _INSERT_SCAN,
        {
            "stamp_id": stamp.id if stamp is not None else None,
            "batch_id": batch_id,
            "scanned_at": now,
            "region": region,
            "user_agent": user_agent,
        },
    )


def stored_counters(stamp_id: int) -> tuple[int, datetime | None, int]:
    """Return a stamp's stored scan count, first scan time and devices since clearing, read now."""
    row = db.session.execute(
        select(Stamp.scan_count, Stamp.first_scanned_at, Stamp.device_count - Stamp.devices_at_clear).where(
            Stamp.id == stamp_id
        )
    ).one()
    return row[0], row[1], row[2]


def record_scan(
    batch: Batch,
    stamp: Stamp | None,
    *,
    region: str = "",
    user_agent: str = "",
    device: str = "",
    now: datetime | None = None,
) -> None:
    """Count one look-up of a loaded stamp (count_scan), showing the new counters on it not dirty."""
    now = now or utcnow()
    state = stamp_state(stamp) if stamp is not None else None
    count_scan(batch.id, state, region=region, user_agent=user_agent, device=device, now=now)
    if stamp is not None:
        # Show the counted values without marking the stamp dirty (no second UPDATE on flush).
        attributes.set_committed_value(stamp, "device_count", state.devices + stamp.devices_at_clear)
        attributes.set_committed_value(stamp, "scan_count", state.scan_count)
        attributes.set_committed_value(stamp, "first_scanned_at", state.first_scanned_at)
        attributes.set_committed_value(stamp, "last_scanned_at", now)

"""How queued scans are written: one short transaction per batch of scans (buffer.py queues them
in a worker, stream.py in Redis). PostgreSQL gets three statements whatever the batch's size
(stamps locked in id order, counters added from arrays, scans copied in); SQLite a statement per
stamp and device.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, bindparam, case, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from storefront.clock import VIETNAM_TZ
from storefront.columns import UTCDateTime
from traceability.models import Batch, Scan, Stamp

_stamps = Stamp.__table__
_last = bindparam("last", type_=UTCDateTime)
_ADD_COUNTS = (
    update(_stamps)
    .where(_stamps.c.id == bindparam("stamp_id"))
    .values(
        scan_count=_stamps.c.scan_count + bindparam("n"),
        first_scanned_at=func.coalesce(_stamps.c.first_scanned_at, bindparam("first", type_=UTCDateTime)),
        # Another worker may have written a later scan first: the latest time wins.
        last_scanned_at=case((_stamps.c.last_scanned_at > _last, _stamps.c.last_scanned_at), else_=_last),
        device_count=_stamps.c.device_count + bindparam("new_devices"),
    )
)
#: A device's row for a stamp, once: rowcount 1 means a device not stored before (both write modes use it).
INSERT_DEVICE = text(
    "INSERT INTO stamp_devices (stamp_id, device_hash, day) VALUES (:stamp_id, :device_hash, :day)"
    " ON CONFLICT DO NOTHING"
).bindparams(bindparam("day", type_=Date))
_INSERT_SCANS = insert(Scan.__table__)
# PostgreSQL: a batch in three statements whatever its size:
# the stamps locked in id order (two workers' writes never wait on each other in a cycle), their
# counters added from arrays, the scans copied in.
_PG_LOCK_STAMPS = "SELECT 1 FROM stamps WHERE id = ANY(%s::integer[]) ORDER BY id FOR UPDATE"
_PG_ADD_COUNTS = (
    "UPDATE stamps AS s SET scan_count = s.scan_count + v.n,"
    " first_scanned_at = COALESCE(s.first_scanned_at, v.first),"
    " last_scanned_at = GREATEST(s.last_scanned_at, v.last),"  # GREATEST skips a NULL: the latest time wins
    " device_count = s.device_count + v.d"
    " FROM unnest(%s::integer[], %s::integer[], %s::timestamptz[], %s::timestamptz[], %s::integer[])"
    " AS v(id, n, first, last, d)"
    " WHERE s.id = v.id"
)
# The devices not stored yet, one row each (the stamps are locked first: no two writers wait on each other).
_PG_INSERT_DEVICES = (
    "INSERT INTO stamp_devices (stamp_id, device_hash, day)"
    " SELECT * FROM unnest(%s::integer[], %s::varchar[], %s::date[])"
    " ON CONFLICT DO NOTHING RETURNING stamp_id"
)
_PG_COPY_SCANS = "COPY scans (stamp_id, batch_id, scanned_at, region, user_agent) FROM STDIN"


@dataclass(frozen=True, slots=True)
class PendingScan:
    stamp_id: int | None
    batch_id: int
    scanned_at: datetime
    region: str
    user_agent: str
    #: The day's hash of the scanning device (recording.device_hash), "" for none; never an address.
    device: str = ""
    day: date | None = None


def without_orphans(engine, batch: list[PendingScan]) -> list[PendingScan]:
    """Return the scans whose stamp and batch still exist."""
    stamp_ids = {s.stamp_id for s in batch if s.stamp_id is not None}
    batch_ids = {s.batch_id for s in batch}
    with engine.connect() as connection:
        stamps = set(connection.scalars(select(Stamp.id).where(Stamp.id.in_(stamp_ids)))) if stamp_ids else set()
        batches = set(connection.scalars(select(Batch.id).where(Batch.id.in_(batch_ids))))
    return [s for s in batch if s.batch_id in batches and (s.stamp_id is None or s.stamp_id in stamps)]


def write(engine, batch: list[PendingScan]) -> None:
    """Write a batch of scans in one transaction of its own."""
    if batch:
        with engine.begin() as connection:
            write_in(connection, batch)


def write_dropping_orphans(engine, batch: list[PendingScan], *, write_batch=write, logger=None) -> int:
    """Write the batch with write_batch(engine, scans); if a stamp or batch it names was deleted
    meanwhile, drop those scans and write the rest (write_batch is then called again, maybe with
    none left). Return how many were written."""
    try:
        write_batch(engine, batch)
        return len(batch)
    except (IntegrityError, engine.dialect.loaded_dbapi.IntegrityError):  # the latter from COPY
        kept = without_orphans(engine, batch)
        if len(kept) == len(batch):
            raise
        if logger:
            logger.warning("dropped %d scans of deleted stamps or batches", len(batch) - len(kept))
        write_batch(engine, kept)
        return len(kept)


def write_in(connection, batch: list[PendingScan], *, durable: bool = False) -> None:
    """Write a batch of scans in the connection's transaction.

    durable=False lets PostgreSQL commit before its WAL reaches the disk (a crash may lose the
    last moment's scans): right for scans that exist nowhere else once lost anyway. A writer that
    deletes its only other copy after the commit (stream.py) asks for a durable commit.
    """
    if not batch:
        return
    per_stamp: dict[int, list] = {}
    devices: dict[tuple[int, str], date] = {}  # each (stamp, device) once
    for scan in batch:
        if scan.stamp_id is None:
            continue
        entry = per_stamp.setdefault(scan.stamp_id, [0, scan.scanned_at, scan.scanned_at])
        entry[0] += 1
        entry[1], entry[2] = min(entry[1], scan.scanned_at), max(entry[2], scan.scanned_at)
        if scan.device:
            devices.setdefault((scan.stamp_id, scan.device), scan.day or scan.scanned_at.astimezone(VIETNAM_TZ).date())
    if connection.dialect.name == "postgresql":
        _write_postgresql(connection, per_stamp, devices, batch, durable=durable)
        return
    if per_stamp:  # in id order, so two workers' writes never wait on each other in a cycle
        # SQLite writes one transaction at a time: the stamps need no lock before their devices.
        new_devices = Counter()
        for (stamp_id, device), day in sorted(devices.items()):
            new_devices[stamp_id] += connection.execute(
                INSERT_DEVICE, {"stamp_id": stamp_id, "device_hash": device, "day": day}
            ).rowcount
        connection.execute(
            _ADD_COUNTS,
            [
                {"stamp_id": stamp_id, "n": n, "first": first, "last": last, "new_devices": new_devices[stamp_id]}
                for stamp_id, (n, first, last) in sorted(per_stamp.items())
            ],
        )
    connection.execute(
        _INSERT_SCANS,
        [
            {
                "stamp_id": s.stamp_id,
                "batch_id": s.batch_id,
                "scanned_at": s.scanned_at,
                "region": s.region,
                "user_agent": s.user_agent,
            }
            for s in batch
        ],
    )


def _write_postgresql(
    connection,
    per_stamp: dict[int, list],
    devices: dict[tuple[int, str], date],
    batch: list[PendingScan],
    *,
    durable: bool,
) -> None:
    stamp_ids = sorted(per_stamp)
    with connection.connection.driver_connection.cursor() as cursor:
        # Scans only: a crash may lose the last moment's, never corrupt anything. A stamp row
        # locked elsewhere (an office edit) must not hold the worker: give up, retry later.
        cursor.execute(
            f"SET LOCAL synchronous_commit TO {'ON' if durable else 'OFF'};"
            " SET LOCAL lock_timeout TO '5s'; SET LOCAL statement_timeout TO '30s'"
        )
        if stamp_ids:
            # The arrays as PostgreSQL's own text literals (cheaper than psycopg's list dumper).
            ids = _int_array(stamp_ids)
            cursor.execute(_PG_LOCK_STAMPS, (ids,))
            new_devices = Counter()
            if devices:
                keys = sorted(devices)
                # Device hashes are hex digits: safe in an array literal unquoted.
                cursor.execute(
                    _PG_INSERT_DEVICES,
                    (
                        _int_array(k[0] for k in keys),
                        _int_array(k[1] for k in keys),
                        _int_array(devices[k].isoformat() for k in keys),
                    ),
                )
                new_devices.update(row[0] for row in cursor.fetchall())
            cursor.execute(
                _PG_ADD_COUNTS,
                (
                    ids,
                    _int_array(per_stamp[i][0] for i in stamp_ids),
                    _time_array(per_stamp[i][1] for i in stamp_ids),
                    _time_array(per_stamp[i][2] for i in stamp_ids),
                    _int_array(new_devices[i] for i in stamp_ids),
                ),
            )
        with cursor.copy(_PG_COPY_SCANS) as copy:
            for scan in batch:  # psycopg's C row formatter: faster than building the text here
                copy.write_row((scan.stamp_id, scan.batch_id, scan.scanned_at, scan.region, scan.user_agent))


def _int_array(values) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _time_array(values) -> str:
    return "{" + ",".join(value.isoformat() for value in values) + "}"  # aware: "…T…+00:00", no quoting needed

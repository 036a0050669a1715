"""Scan history roll-up: raw scan rows older than SCAN_RAW_RETENTION_DAYS become daily counts per stamp.

The scheduler's daily `scan-rollup` job (storefront/jobs/commands.py) runs roll_up_scans. Each
chunk of raw rows is deleted and counted into scan_daily_counts (stamp, Vietnam day, region,
count) in one transaction, so a crash or a second run at the same time loses and doubles nothing:
a transaction counts exactly the rows its own DELETE … RETURNING removed. Device rows of the same
past days go too: their hashes were salted with their day and can never match a scan again. Only
the scans tables are read and written: the stamps' counters (what the origin page shows, and the
device count the copy warnings read) are untouched, and the cut-off never comes within
MIN_RETENTION_DAYS of now, far outside the copy warnings' 24-hour regions window.

Readers of scan totals (producer analytics, the office dashboard) add both tables.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select

from storefront.clock import VIETNAM_TZ, vietnam_midnight
from storefront.columns import utcnow
from storefront.extensions import db
from traceability.models import Scan, ScanDailyCount, StampDevice

#: The copy warnings read raw scans of the last 24 hours; a day more covers scans written late by a
#: worker's buffer.
MIN_RETENTION_DAYS = 2
#: Raw rows looked at per transaction (a range of scan ids).
CHUNK_IDS = 10_000


def retention_cutoff(*, days: int | None = None, now: datetime | None = None) -> datetime | None:
    """The Vietnam midnight before which raw scans are rolled up, or None when roll-up is off (days = 0)."""
    if days is None:
        days = int(current_app.config.get("SCAN_RAW_RETENTION_DAYS", 180))
    if days <= 0:
        return None
    days = max(days, MIN_RETENTION_DAYS)
    # A whole Vietnam day at a time, so one day's scans of a stamp land in one row.
    return vietnam_midnight((now or utcnow()).astimezone(VIETNAM_TZ).date() - timedelta(days=days))


def roll_up_scans(*, days: int | None = None, now: datetime | None = None, chunk: int = CHUNK_IDS) -> int:
    """Fold raw scans older than the retention into daily counts and delete them; return how many were rolled.

    Commits once per chunk (a job and a CLI command are boundaries); safe to stop and run again.
    """
    cutoff = retention_cutoff(days=days, now=now)
    if cutoff is None:
        return 0
    low, high = db.session.execute(select(func.min(Scan.id), func.max(Scan.id))).one()
    db.session.rollback()  # no transaction held open between chunks
    rolled = 0
    for start in range(low or 0, (high or -1) + 1, chunk):
        rolled += _roll_up_chunk(start, start + chunk, cutoff)
        db.session.commit()
    _prune_devices(cutoff.date(), chunk)
    return rolled


def _prune_devices(before: date, chunk: int) -> None:
    """Delete device rows of Vietnam days before `before`, a range of stamp ids per transaction.

    A device's hash is salted with its day (recording.device_hash), so a row of a past day can never
    match a scan again; the stamp keeps its count (device_count), which is what the warnings read.
    """
    low, high = db.session.execute(select(func.min(StampDevice.stamp_id), func.max(StampDevice.stamp_id))).one()
    db.session.rollback()
    for start in range(low or 0, (high or -1) + 1, chunk):
        db.session.execute(
            delete(StampDevice).where(
                StampDevice.stamp_id >= start, StampDevice.stamp_id < start + chunk, StampDevice.day < before
            )
        )
        db.session.commit()


def _roll_up_chunk(start: int, stop: int, cutoff: datetime) -> int:
    removed = db.session.execute(
        delete(Scan)
        .where(Scan.id >= start, Scan.id < stop, Scan.scanned_at < cutoff)
        .returning(Scan.stamp_id, Scan.batch_id, Scan.scanned_at, Scan.region)
    ).all()
    counts = Counter(
        (stamp_id, batch_id, scanned_at.astimezone(VIETNAM_TZ).date(), region)
        for stamp_id, batch_id, scanned_at, region in removed
    )
    if counts:
        db.session.execute(
            insert(ScanDailyCount),
            [
                {"stamp_id": stamp_id, "batch_id": batch_id, "day": day, "region": region, "count": count}
                for (stamp_id, batch_id, day, region), count in counts.items()
            ],
        )
    return len(removed)

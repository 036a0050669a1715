"""Demo serialized stamps, each showing one case of the origin page (README "Scan a demo stamp").

All on the fictional "Chè búp Bình Minh (hư cấu)" (a demo GTIN, FICTIONAL_STAMPED), so no real
producer's product carries an invented copy warning or recall. Lot codes, serials and the PIN are
fixed, not drawn, so the README can print their URLs: they stay the same whatever day the demo is
seeded. The scans are invented too: stored as the resolver stores real ones (scan rows, the
stamp's counters and its devices' daily hashes), dated days before the seed.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from storefront.catalog.models import Product
from storefront.demo.batches import make_batch, vn_moment
from storefront.demo.fictional import FICTIONAL_STAMPED
from storefront.demo.kinds import KINDS
from storefront.extensions import db
from traceability.models import Batch, Scan, Stamp, StampDevice, StampIssue, UnknownCodeScan
from traceability.stamps.pins import PIN_HASH_METHOD

#: The lot with serialized stamps and the recalled lot (fixed codes: README prints their URLs).
STAMPED_LOT = "BMDEMO-TEM"
RECALLED_LOT = "BMDEMO-THUHOI"
#: Serials (Crockford base32, as the app issues them) and the one PIN, printed in the README.
FRESH, SCANNED, COPIED, WITH_PIN, ON_RECALL = "7K3M9Q2X4A", "5R8T2W6Y1C", "9H4J7N3P8E", "3V6Z1B5D9F", "2G5K8M1Q4S"
DEMO_PIN = "26112026"
#: Distinct devices that scanned the copied stamp: past the default SCAN_WARNING_THRESHOLD (20).
COPIED_DEVICES = 26
#: A lot the producer never registered, looked up under the demo GTIN (the walk-up page).
UNREGISTERED_LOT = "KL8G"


@dataclass
class DemoStamps:
    gtin: str
    serials: dict[str, str]


def seed_stamps(rng, today, summary) -> DemoStamps:
    """Add the stamped and the recalled lot of FICTIONAL_STAMPED, their stamps and invented scans; flush."""
    product = db.session.scalar(select(Product).where(Product.name_vi == FICTIONAL_STAMPED))
    producer, kind = product.producer, KINDS["tea"]
    stamped = make_batch(rng, today, product, producer, kind, 2, newest=True, lot_code=STAMPED_LOT)
    recalled = make_batch(rng, today, product, producer, kind, 3, newest=False, lot_code=RECALLED_LOT)
    recalled.recalled_at = vn_moment(today - timedelta(days=3), 9)
    recalled.recall_reason = "Thu hồi minh hoạ (hư cấu): bao bì lô này in sai hạn sử dụng."
    db.session.add_all([stamped, recalled])
    summary.batches += 2
    summary.events += len(stamped.events) + len(recalled.events)
    db.session.flush()

    stamps = {serial: _stamp(stamped, serial) for serial in (FRESH, SCANNED, COPIED)}
    stamps[WITH_PIN] = _stamp(stamped, WITH_PIN, pin=DEMO_PIN)
    # Stamps are issued before a recall (no stamp can be issued after one).
    stamps[ON_RECALL] = _stamp(recalled, ON_RECALL)
    db.session.flush()

    _scans(stamps[SCANNED], today, devices=["phone-a", "phone-a", "phone-b"])
    _scans(stamps[COPIED], today, devices=[f"phone-{n}" for n in range(COPIED_DEVICES)] + ["phone-0"] * 5)
    _scans(stamps[ON_RECALL], today, devices=["phone-r"])
    for days_ago in (4, 2, 1):
        db.session.add(
            UnknownCodeScan(
                product_id=product.id,
                scanned_code=f"/01/{product.gtin}/10/{UNREGISTERED_LOT}",
                scanned_at=vn_moment(today - timedelta(days=days_ago), 15),
                user_agent="Zalo (demo)",
            )
        )
    db.session.flush()
    summary.stamps = len(stamps)
    return DemoStamps(gtin=product.gtin, serials={k: v.serial for k, v in stamps.items()})


def _stamp(batch: Batch, serial: str, *, pin: str | None = None) -> Stamp:
    issue = StampIssue(batch=batch, count=1, is_serialized=True, with_pin=pin is not None)
    db.session.add(issue)
    db.session.flush()
    stamp = Stamp(
        batch_id=batch.id,
        issue=issue,
        serial=serial,
        pin_hash=generate_password_hash(pin, method=PIN_HASH_METHOD) if pin else None,
    )
    db.session.add(stamp)
    return stamp


def _scans(stamp: Stamp, today, *, devices: list[str]) -> None:
    """Store one scan per entry of `devices` (a name per phone), spread over the last days, as the resolver would."""
    seen: set[tuple[str, object]] = set()
    for n, device in enumerate(devices):
        day = today - timedelta(days=1 + n % 3)
        at = vn_moment(day, 8 + n % 12)
        db.session.add(Scan(stamp_id=stamp.id, batch_id=stamp.batch_id, scanned_at=at, user_agent="Zalo (demo)"))
        if (device, day) not in seen:
            seen.add((device, day))
            # A real device's hash changes with the day's salt (scans.recording.device_hash): so does this one.
            digest = hashlib.blake2b(f"ocop-demo:{device}:{day}".encode(), digest_size=16).hexdigest()
            db.session.add(StampDevice(stamp_id=stamp.id, device_hash=digest, day=day))
        stamp.first_scanned_at = min(stamp.first_scanned_at or at, at)
        stamp.last_scanned_at = max(stamp.last_scanned_at or at, at)
    stamp.scan_count = len(devices)
    stamp.device_count = len(seen)


def demo_stamp_paths(demo: DemoStamps) -> list[tuple[str, str]]:
    """(case, path) of each demo stamp and of the walk-up example, in the README's order."""
    lot, recalled = f"/01/{demo.gtin}/10/{STAMPED_LOT}", f"/01/{demo.gtin}/10/{RECALLED_LOT}"
    return [
        ("never scanned", f"{lot}/21/{FRESH}"),
        ("scanned 3 times", f"{lot}/21/{SCANNED}"),
        (f"copied: {COPIED_DEVICES}+ devices, warns", f"{lot}/21/{COPIED}"),
        (f"with a scratch-off PIN ({DEMO_PIN}, valid once)", f"{lot}/21/{WITH_PIN}"),
        ("on a recalled lot", f"{recalled}/21/{ON_RECALL}"),
        ("a serial never issued (walk-up)", f"{lot}/21/ZZZZZZZZZZ"),
        ("a lot never registered (walk-up)", f"/01/{demo.gtin}/10/{UNREGISTERED_LOT}"),
    ]

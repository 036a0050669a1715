"""Several years of a province's stamps and scans, generated as rows and streamed into PostgreSQL with COPY.

Used by dataset.py for the bulk scales (`--scale years`): the catalogue is inserted as for the
other scales, then batches, their trace events and stamp issues, stamps, the stamps' devices and
scans are written with psycopg's COPY, with the big tables' keys, indexes and foreign keys dropped
first and made again after the load (one sort per index instead of a B-tree insert per row).
"""

import math
import random
import time
from datetime import UTC, date, datetime, timedelta

#: Tables loaded here whose constraints and indexes are dropped for the load and rebuilt after it.
BIG_TABLES = ("stamps", "scans", "stamp_devices")
YEARS = 4
#: Largest issue of one batch: a season's labels.
MAX_BATCH_STAMPS = 100_000
USER_AGENTS = (
    "Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Mobile Safari/537.36 Zalo/23.11",
    "Mozilla/5.0 (Linux; Android 11; CPH2239) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/117.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 ZaloTheme/light",
    "Mozilla/5.0 (Linux; Android 14; vivo Y36) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
)
#: Province codes a trusted proxy would report; Thái Nguyên (19) first, then Hà Nội, HCMC, …; "" = none.
REGIONS = ("19",) * 14 + ("01",) * 3 + ("79", "31", "22", "")
CHUNK_BYTES = 1 << 20


def _alphabet() -> str:
    from bench.dataset import CODE_ALPHABET

    return CODE_ALPHABET


def _pairs() -> list[str]:
    alphabet = _alphabet()
    return [a + b for a in alphabet for b in alphabet]


def serial_for(stamp_id: int, pairs: list[str]) -> str:
    """A random-looking 10-character serial, distinct for every stamp id (a bijection on 50 bits)."""
    x = (stamp_id * 0x2545F4914F6CD) & 0x3FFFFFFFFFFFF
    x ^= x >> 23
    x = (x * 0x1B873593A5) & 0x3FFFFFFFFFFFF
    return (
        pairs[x >> 40] + pairs[(x >> 30) & 1023] + pairs[(x >> 20) & 1023] + pairs[(x >> 10) & 1023] + pairs[x & 1023]
    )


class _Writer:
    """Buffer COPY text lines and send them to psycopg's copy object a megabyte at a time."""

    def __init__(self, copy):
        self.copy, self.parts, self.size, self.rows = copy, [], 0, 0

    def add(self, line: str) -> None:
        self.parts.append(line)
        self.size += len(line)
        self.rows += 1
        if self.size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.copy.write("".join(self.parts))
            self.parts, self.size = [], 0


def _ts(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def plan_batches(rng: random.Random, products: list[dict], *, batches: int, stamps: int, today: date) -> list[dict]:
    """Batches over YEARS years (more in recent years, as the programme grows), sized like real issues:
    most a few hundred labels, a few a season's 100,000; sizes sum to `stamps`."""
    stamping = [p for p in products if p["is_published"]]
    stamping = rng.sample(stamping, min(len(stamping), max(1, batches // 3)))
    weights = [rng.paretovariate(1.16) for _ in range(batches)]
    total = sum(weights)
    sizes = [max(1, min(MAX_BATCH_STAMPS, int(w / total * stamps))) for w in weights]
    # Hand the rounding and the capped remainder out one label at a time to batches below the cap.
    short = stamps - sum(sizes)
    while short > 0:
        i = rng.randrange(batches)
        add = min(short, MAX_BATCH_STAMPS - sizes[i], max(1, short // batches + 1))
        sizes[i] += add
        short -= add
    plan = []
    days = YEARS * 365
    for bid, size in enumerate(sizes, start=1):
        # 1 - sqrt(u) leans towards recent days: each year packs more than the one before.
        age = 2 + int((days - 2) * (1 - math.sqrt(rng.random())))
        plan.append({"id": bid, "product": rng.choice(stamping), "packed": today - timedelta(days=age), "size": size})
    return plan


def fill(raw, scale, products: list[dict], log=print) -> dict:
    """Load batches, trace events, stamp issues, stamps, stamp devices and scans; return timings in seconds."""
    rng = random.Random(4242)
    today = datetime.now(UTC).date()
    now = datetime.now(UTC).timestamp()
    timings = {}
    started = time.perf_counter()
    plan = plan_batches(rng, products, batches=scale.batches, stamps=scale.stamps, today=today)
    saved = _drop_constraints(raw)
    _copy_batches(raw, rng, plan)
    timings["batches, events, issues"] = time.perf_counter() - started

    started = time.perf_counter()
    scans, devices = _copy_stamps(raw, rng, plan, scale, now, log)
    timings["stamps (generate + COPY)"] = time.perf_counter() - started

    started = time.perf_counter()
    _copy_devices(raw, devices)
    del devices
    scans.sort()  # scan ids follow time, as written by the shop
    _copy_scans(raw, scans)
    timings["stamp devices, scans (sort + COPY)"] = time.perf_counter() - started
    del scans

    started = time.perf_counter()
    _restore_constraints(raw, saved, log)
    timings["keys, indexes, foreign keys"] = time.perf_counter() - started
    return timings


def _drop_constraints(raw) -> dict:
    """Drop the big tables' keys, unique constraints, indexes and the foreign keys from or to them; return their DDL."""
    with raw.cursor() as cur:
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE contype IN ('p', 'u', 'f') AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))",
            (list(BIG_TABLES), list(BIG_TABLES)),
        )
        constraints = cur.fetchall()
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)",
            (list(BIG_TABLES),),
        )
        indexes = cur.fetchall()
        for table, name, _definition, _kind in sorted(constraints, key=lambda c: c[3] != "f"):
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    raw.commit()
    return {"constraints": constraints, "indexes": indexes}


def _restore_constraints(raw, saved: dict, log) -> None:
    # Keys first (foreign keys need the referenced key), then plain indexes, then foreign keys.
    order = {"p": 0, "u": 1, "f": 3}
    steps = [
        (order[kind], f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition, kind in saved["constraints"]
    ]
    steps += [(2, definition) for _name, definition in saved["indexes"]]
    with raw.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        for _rank, statement in sorted(steps):
            started = time.perf_counter()
            cur.execute(statement)
            log(f"    {statement[:110]}: {time.perf_counter() - started:.1f} s")
    raw.commit()


def _copy_batches(raw, rng, plan) -> None:
    from bench.dataset import WARD_CODES, _code, _vn_moment

    short_codes = set()
    with raw.cursor() as cur:
        with cur.copy(
            "COPY batches (id, product_id, lot_code, short_code, harvest_date, production_date, packing_date, "
            "expiry_date, quantity, growing_area_code, standards, is_published, recall_reason, created_at) FROM STDIN"
        ) as copy:
            out = _Writer(copy)
            for b in plan:
                code = _code(rng)
                while code in short_codes:
                    code = _code(rng)
                short_codes.add(code)
                b["short_code"], packed = code, b["packed"]
                area = f"VT-19-{rng.choice(WARD_CODES):04d}-{rng.randint(1, 40):03d}"
                out.add(
                    f"{b['id']}\t{b['product']['id']}\tL{packed:%y%m%d}-{b['id']:05d}\t{code}\t{packed - timedelta(days=3)}\t"
                    f"{packed - timedelta(days=2)}\t{packed}\t{packed + timedelta(days=365)}\t{b['size']}\t{area}\t"
                    f"VietGAP (TCVN 11892-1:2017)\tt\t\t{_vn_moment(packed, 17).isoformat()}\n"
                )
            out.flush()
        with cur.copy(
            "COPY trace_events (id, batch_id, event_type, action, event_time, event_time_zone_offset, biz_step, "
            "disposition, read_point, biz_location, location_name, description, created_at) FROM STDIN"
        ) as copy:
            out = _Writer(copy)
            for b in plan:
                bid, packed = b["id"], b["packed"]
                for step, (biz_step, days_before, hour) in enumerate(
                    (("harvesting", 3, 6), ("commissioning", 2, 10), ("packing", 0, 14), ("inspecting", 0, 16)), start=1
                ):
                    moment = _vn_moment(packed - timedelta(days=days_before), hour).isoformat()
                    out.add(
                        f"{(bid - 1) * 4 + step}\t{bid}\tObjectEvent\tOBSERVE\t{moment}\t+07:00\t{biz_step}\tactive\t"
                        f"LOC-19-{bid:05d}\tLOC-19-{bid:05d}\tCơ sở sản xuất lô {bid}\tDữ liệu benchmark.\t{moment}\n"
                    )
            out.flush()
        with cur.copy("COPY stamp_issues (id, batch_id, count, is_serialized, with_pin, issued_at) FROM STDIN") as copy:
            out = _Writer(copy)
            for b in plan:
                out.add(f"{b['id']}\t{b['id']}\t{b['size']}\tt\tf\t{_vn_moment(b['packed'], 17).isoformat()}\n")
            out.flush()
    raw.commit()


def _scans_per_stamp(rng) -> int:
    """How often a scanned stamp is scanned: mostly once, sometimes by a few people, rarely by many."""
    roll = rng.random()
    if roll < 0.72:
        return 1
    if roll < 0.92:
        return 2
    if roll < 0.99:
        return rng.randint(3, 5)
    return rng.randint(6, 30)


_MEAN_SCANS = 0.72 * 1 + 0.20 * 2 + 0.07 * 4 + 0.01 * 18


def _copy_stamps(raw, rng, plan, scale, now: float, log):
    """Stream the stamps with their counters; return the scans and devices made on the way."""
    pairs = _pairs()
    day = 86400.0
    # Stamps of older batches have had time to be sold and scanned; a batch packed this week, hardly.
    ages = {b["id"]: (now - datetime.combine(b["packed"], datetime.min.time(), UTC).timestamp()) / day for b in plan}
    weight = {bid: min(1.0, age / 120) for bid, age in ages.items()}
    expected = sum(b["size"] * weight[b["id"]] for b in plan) * _MEAN_SCANS
    scale_p = scale.scans / expected if expected else 0.0
    scans, devices = [], []
    sid = 0
    random_ = rng.random
    started = time.perf_counter()
    with raw.cursor() as cur:
        with cur.copy(
            "COPY stamps (id, batch_id, issue_id, serial, scan_count, first_scanned_at, last_scanned_at, device_count, "
            "devices_at_clear, is_display, warning_clear_reason) FROM STDIN"
        ) as copy:
            out = _Writer(copy)
            for b in plan:
                bid = b["id"]
                p = weight[bid] * scale_p
                packed_at = now - ages[bid] * day + 17 * 3600
                span = max(1.0, now - 3600 - packed_at)
                for _ in range(b["size"]):
                    sid += 1
                    serial = serial_for(sid, pairs)
                    if random_() >= p:
                        out.add(f"{sid}\t{bid}\t{bid}\t{serial}\t0\t\\N\t\\N\t0\t0\tf\t\n")
                        continue
                    count = _scans_per_stamp(rng)
                    # Sold and scanned some weeks after packing (an exponential tail), never in the future.
                    first = packed_at + min(span * 0.98, rng.expovariate(1 / (40 * day)))
                    moments = [first]
                    for _n in range(count - 1):
                        moments.append(min(now - 60, moments[-1] + rng.expovariate(1 / (2 * day))))
                    seen_days, device_rows = {}, 0
                    for moment in moments:
                        vn_day = datetime.fromtimestamp(moment + 7 * 3600, UTC).date()
                        # The buyer's phone scans again the same day half the time: one device row.
                        if vn_day in seen_days and random_() < 0.5:
                            ua = seen_days[vn_day]
                        else:
                            ua = rng.randrange(len(USER_AGENTS))
                            seen_days[vn_day] = ua
                            devices.append((sid, rng.getrandbits(128), vn_day))
                            device_rows += 1
                        scans.append((moment, sid, bid, rng.choice(REGIONS), ua))
                    out.add(
                        f"{sid}\t{bid}\t{bid}\t{serial}\t{count}\t{_ts(moments[0])}\t{_ts(moments[-1])}\t{device_rows}\t0\tf\t\n"
                    )
                if bid % 2000 == 0:
                    log(f"    {sid:,} stamps, {len(scans):,} scans in {time.perf_counter() - started:.0f} s")
            out.flush()
    raw.commit()
    return scans, devices


def _copy_devices(raw, devices) -> None:
    with raw.cursor() as cur:
        with cur.copy("COPY stamp_devices (stamp_id, device_hash, day) FROM STDIN") as copy:
            out = _Writer(copy)
            for stamp_id, bits, day in devices:
                out.add(f"{stamp_id}\t{bits:032x}\t{day}\n")
            out.flush()
    raw.commit()


def _copy_scans(raw, scans) -> None:
    with raw.cursor() as cur:
        with cur.copy("COPY scans (id, stamp_id, batch_id, scanned_at, region, user_agent) FROM STDIN") as copy:
            out = _Writer(copy)
            for scan_id, (moment, sid, bid, region, ua) in enumerate(scans, start=1):
                out.add(f"{scan_id}\t{sid}\t{bid}\t{_ts(moment)}\t{region}\t{USER_AGENTS[ua]}\n")
            out.flush()
    raw.commit()

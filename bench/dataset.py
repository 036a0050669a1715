"""Build the scaled bench dataset in its own database, cached by (scale, schema hash)."""

import hashlib
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateTable

from bench import names

DATA_DIR = Path(__file__).resolve().parent / ".data"
#: Bump when the generator changes, so cached datasets are rebuilt.
GENERATOR_VERSION = 2
SEED = 2026
CHUNK = 5000
BENCH_PASSWORD = "bench1234"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
WARD_CODES = (5503, 5569, 5632, 5692, 5500, 5515, 5530, 5545, 5581, 5605)
UPLOAD_FILES = ("bench-1.jpg", "bench-2.jpg", "bench-3.jpg", "bench-4.jpg")
VN = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class Scale:
    name: str
    producers: int
    products: int
    batches: int
    stamps: int
    #: Scans to generate (bulk scales only; the others scan about a tenth of their stamps).
    scans: int = 0
    #: Stamps and scans over several years, streamed with COPY (bench/bulk.py): PostgreSQL only.
    bulk: bool = False


SCALES = {
    "full": Scale("full", producers=1_000, products=20_000, batches=5_000, stamps=200_000),
    "quick": Scale("quick", producers=100, products=2_000, batches=500, stamps=20_000),
    # The full catalogue (the same rows: the catalogue is generated first from the same seed) with
    # four years of a province's stamped packs.
    "years": Scale(
        "years", producers=1_000, products=20_000, batches=24_000, stamps=10_000_000, scans=3_000_000, bulk=True
    ),
}


class NeedsPostgres(Exception):
    """A bulk scale asked for on SQLite."""


@dataclass
class Dataset:
    url: str
    """SQLAlchemy URL of this run's working copy."""
    key: str
    scale: Scale
    index_dir: Path
    upload_dir: Path
    build_seconds: float
    cached: bool
    size_bytes: int
    rows: dict


def schema_hash(metadata) -> str:
    """Return a short hash of the tables' DDL plus the generator version."""
    from sqlalchemy.dialects import sqlite

    ddl = "\n".join(str(CreateTable(t).compile(dialect=sqlite.dialect())) for t in metadata.sorted_tables)
    return hashlib.sha256(f"{GENERATOR_VERSION}\n{ddl}".encode()).hexdigest()[:12]


def bench_config(url: str, **extra):
    """Return a Config subclass aimed at the bench database."""
    from config import Config

    # Every runtime path points under bench/.data: nothing may touch the demo's instance/.
    attrs = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret",
        "APP_ENV": "bench",
        "SEARCH_INDEX_DIR": str(DATA_DIR / "scratch-index"),
        "UPLOAD_DIR": str(DATA_DIR / "uploads"),
        "MAIL_OUTBOX_DIR": str(DATA_DIR / "outbox"),
        **extra,
    }
    return type("BenchConfig", (Config,), attrs)


def prepare_postgres(quick: bool, log=print) -> Dataset | None:
    """The bench dataset on BENCH_DATABASE_URL's PostgreSQL, for probes that serve production's setup.

    None, with a line on stderr, when BENCH_DATABASE_URL is not a PostgreSQL URL.
    """
    url = os.environ.get("BENCH_DATABASE_URL")
    if not (url and url.startswith("postgresql")):
        print("set BENCH_DATABASE_URL to a PostgreSQL bench_* database", file=sys.stderr)
        return None
    return prepare(SCALES["quick" if quick else "full"], url, log=log)


def prepare(scale: Scale, database_url: str | None, log=print) -> Dataset:
    """Return this run's dataset: a fresh working copy of the cached pristine one."""
    from storefront import create_app, register_models
    from storefront.extensions import db

    register_models()
    key = f"{scale.name}-{schema_hash(db.metadata)}"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    postgres = bool(database_url and database_url.startswith("postgresql"))
    if scale.bulk and not postgres:
        raise NeedsPostgres(
            f"--scale {scale.name} ({scale.stamps:,} stamps) is built with PostgreSQL's COPY and needs "
            "BENCH_DATABASE_URL=postgresql+psycopg://…; SQLite is measured at the full scale"
        )
    if postgres:
        pristine_url, run_url, cached = _postgres_urls(database_url, key, scale.name)
    else:
        pristine = DATA_DIR / f"{key}.sqlite3"
        _remove_stale(scale.name, key)
        pristine_url, run_url = f"sqlite:///{pristine}", f"sqlite:///{DATA_DIR / 'run.sqlite3'}"
        cached = pristine.exists()
    build_seconds = 0.0
    if not cached:
        log(f"building dataset {key} ({scale.products:,} products, {scale.stamps:,} stamps) ...")
        started = time.perf_counter()
        app = create_app(bench_config(pristine_url))
        with app.app_context():
            db.create_all()
            with db.engine.begin() as conn:
                products = _fill(conn, scale, db.metadata)
            if scale.bulk:
                _fill_bulk(db.engine, scale, products, log)
            with db.engine.begin() as conn:
                _set_sequences(conn, db.metadata)
                _mark_built(conn, key)
            db.engine.dispose()
        if scale.bulk:
            started_vacuum = time.perf_counter()
            _vacuum(pristine_url)
            log(f"  VACUUM ANALYZE in {time.perf_counter() - started_vacuum:.1f} s")
        build_seconds = time.perf_counter() - started
        log(f"  built in {build_seconds:.1f} s")
    size = _copy_for_run(pristine_url, run_url)
    upload_dir = DATA_DIR / "uploads"
    _write_placeholder_images(upload_dir)
    # A bulk scale has the full scale's catalogue: the same search index serves both.
    index_key = key.replace(f"{scale.name}-", "full-", 1) if scale.bulk else key
    return Dataset(
        url=run_url,
        key=key,
        scale=scale,
        index_dir=DATA_DIR / f"index-{index_key}-{_search_code_hash()}",
        upload_dir=upload_dir,
        build_seconds=build_seconds,
        cached=cached,
        size_bytes=size,
        rows=row_counts(run_url),
    )


def _search_code_hash() -> str:
    """Hash the search code, so a changed schema or document shape rebuilds the cached index."""
    root = Path(__file__).resolve().parents[1] / "storefront" / "catalog"
    digest = hashlib.sha256()
    for path in sorted([root / "indexing.py", *(root / "search").glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def row_counts(url: str) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: conn.scalar(text(f"SELECT count(*) FROM {t}"))
                for t in ("producers", "products", "certificates", "batches", "trace_events", "stamps", "scans")
            }
    finally:
        engine.dispose()


def _remove_stale(scale_name: str, key: str) -> None:
    """Delete this scale's SQLite datasets and search indexes built for older schemas."""
    for path in DATA_DIR.glob(f"{scale_name}-*.sqlite3"):
        if path.name != f"{key}.sqlite3":
            path.unlink()
    for path in DATA_DIR.glob(f"index-{scale_name}-*"):
        if not path.name.startswith(f"index-{key}-"):
            shutil.rmtree(path, ignore_errors=True)


def _postgres_urls(database_url: str, key: str, scale_name: str):
    """Return (pristine url, run url, cached?) and create the pristine database if missing."""
    url = make_url(database_url)
    base = url.database or "bench"
    pristine_name = f"{base}_{key.replace('-', '_')}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # Pristine copies built for older schemas of this scale are of no further use.
            stale = conn.scalars(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p AND datname <> :n"),
                {"p": f"{base}\\_{scale_name}\\_%", "n": pristine_name},
            ).all()
            for name in stale:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": pristine_name})
            if exists:
                # A build that died half-way leaves no bench_meta row: start again.
                cached = _has_marker(url.set(database=pristine_name).render_as_string(hide_password=False), key)
                if not cached:
                    conn.execute(text(f'DROP DATABASE "{pristine_name}"'))
            else:
                cached = False
            if not cached:
                conn.execute(text(f'CREATE DATABASE "{pristine_name}"'))
    finally:
        admin.dispose()
    # The full scale keeps its old working copy's name; another scale's copy lives beside it.
    run_name = f"{base}_run" if scale_name == "full" or scale_name == "quick" else f"{base}_run_{scale_name}"
    return (
        url.set(database=pristine_name).render_as_string(hide_password=False),
        url.set(database=run_name).render_as_string(hide_password=False),
        cached,
    )


def _has_marker(url: str, key: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM bench_meta WHERE key = :k"), {"k": key}) == 1
    except Exception:
        return False
    finally:
        engine.dispose()


def _mark_built(conn, key: str) -> None:
    conn.execute(text("CREATE TABLE bench_meta (key VARCHAR(80) PRIMARY KEY, built_at VARCHAR(40))"))
    conn.execute(text("INSERT INTO bench_meta VALUES (:k, :t)"), {"k": key, "t": datetime.now(UTC).isoformat()})


def _copy_for_run(pristine_url: str, run_url: str) -> int:
    """Copy the pristine dataset over this run's working database and return its size in bytes."""
    if pristine_url.startswith("sqlite"):
        source, target = Path(make_url(pristine_url).database), Path(make_url(run_url).database)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return source.stat().st_size
    pristine, run = make_url(pristine_url), make_url(run_url)
    admin = create_engine(pristine.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{run.database}" WITH (FORCE)'))
            # FILE_COPY copies the files (one checkpoint) instead of writing gigabytes through the WAL.
            conn.execute(text(f'CREATE DATABASE "{run.database}" TEMPLATE "{pristine.database}" STRATEGY FILE_COPY'))
            size = conn.scalar(text("SELECT pg_database_size(:n)"), {"n": pristine.database})
    finally:
        admin.dispose()
    # A bulk-loaded database has no planner statistics until autovacuum gets to it; without
    # them PostgreSQL guesses 1 approved producer and picks 1 s nested loops. A live shop has
    # them, so the bench analyzes first.
    analyzer = create_engine(run, isolation_level="AUTOCOMMIT")
    try:
        with analyzer.connect() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        analyzer.dispose()
    return size


def _write_placeholder_images(upload_dir: Path) -> None:
    from PIL import Image

    upload_dir.mkdir(parents=True, exist_ok=True)
    for i, filename in enumerate(UPLOAD_FILES):
        if not (upload_dir / filename).exists():
            Image.new("RGB", (800, 600), (46 + 40 * i, 125, 50)).save(upload_dir / filename, "JPEG", quality=80)


def _insert(conn, table, rows) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start : start + CHUNK])


def _vn_moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock_time(hour), tzinfo=VN).astimezone(UTC)


def _gtin(item: int) -> str:
    from traceability.identifiers.digital_link import gtin_check_digit

    body = f"0893{9000 + item // 100_000:04d}{item % 100_000:05d}"
    return body + str(gtin_check_digit(body))


def _code(rng: random.Random, length: int = 10) -> str:
    return "".join(rng.choices(CODE_ALPHABET, k=length))


def _fill(conn, scale: Scale, metadata) -> None:
    """Insert every row of the dataset with Core executemany, in dependency order."""
    from werkzeug.security import generate_password_hash

    t = metadata.tables
    rng = random.Random(SEED)
    words = names.load_words()
    today = datetime.now(VN).date()
    now = datetime.now(UTC)
    password_hash = generate_password_hash(BENCH_PASSWORD)

    users = [
        {
            "id": 1,
            "email": "vanphong@bench.example.com",
            "password_hash": password_hash,
            "role": "office",
            "full_name": "Văn phòng OCOP",
        },
        {
            "id": 2,
            "email": "khach@bench.example.com",
            "password_hash": password_hash,
            "role": "shopper",
            "full_name": "Khách hàng",
        },
    ]
    producers, slugs = [], {}
    from storefront.text import slugify

    for pid in range(1, scale.producers + 1):
        name, legal, (commune, district) = names.producer_name(rng, words)
        users.append(
            {
                "id": pid + 2,
                "email": f"chuthe{pid}@bench.example.com",
                "password_hash": password_hash,
                "role": "producer",
                "full_name": names.person_name(rng),
            }
        )
        approved = rng.random() < 0.95
        producers.append(
            {
                "id": pid,
                "slug": names.unique_slug(slugify(name), slugs),
                "name": name,
                "legal_type": legal,
                "business_reg_no": f"BENCH-{4600000000 + pid}",
                "phone": f"+8491{rng.randrange(10**7):07d}",
                "representative": names.person_name(rng),
                "province_code": 19,
                "ward_code": rng.choice(WARD_CODES),
                "legacy_address": f"Xã {commune}, {district}, Tỉnh Thái Nguyên",
                "legacy_district": district,
                "story_md": f"## {name}\n\nChủ thể OCOP tại {commune}, {district}." if rng.random() < 0.5 else "",
                "status": "approved" if approved else "pending",
                "owner_id": pid + 2,
                "approved_at": now - timedelta(days=rng.randint(30, 900)) if approved else None,
                "created_at": now,
            }
        )
    _insert(conn, t["users"], users)
    _insert(conn, t["producers"], producers)

    products, images, stocks, certificates, slugs = [], [], [], [], {}
    for pid in range(1, scale.products + 1):
        name, group = names.product_name(rng, words)
        producer = rng.choice(producers)
        products.append(
            {
                "id": pid,
                "producer_id": producer["id"],
                "slug": names.unique_slug(slugify(name), slugs),
                "name_vi": name,
                "name_en": "",
                "ocop_group": group,
                "description_vi": f"{name} là sản phẩm OCOP của {producer['name']} ({producer['legacy_address']}). "
                "Sản xuất theo phương pháp truyền thống, đóng gói hút chân không.",
                "unit": rng.choice(("hộp", "gói", "túi", "chai")),
                "net_quantity": rng.choice(("200 g", "500 g", "500 ml", "1 kg")),
                "price_vnd": rng.randrange(20, 2000) * 1000,
                "gtin": _gtin(pid) if pid % 2 else None,
                "is_published": rng.random() < 0.97,
                "is_hidden": rng.random() < 0.01,
                "created_at": now,
                "updated_at": now,
                "published_at": now - timedelta(days=rng.randint(1, 400)),
            }
        )
        images.append(
            {
                "id": pid,
                "product_id": pid,
                "filename": UPLOAD_FILES[pid % len(UPLOAD_FILES)],
                "position": 0,
                "alt": name,
                "width": 800,
                "height": 600,
            }
        )
        on_hand = 0 if rng.random() < 0.1 else rng.randint(5, 300)
        # units_on_pages as the upgrade that added it records it (migration e4b7c1d9a2f6): no holds yet.
        stocks.append(
            {"id": pid, "product_id": pid, "on_hand": on_hand, "reserved": 0, "units_on_pages": min(on_hand, 11)}
        )
        if rng.random() < 0.85:
            certificates.append(_certificate(rng, pid, len(certificates) + 1, producer, today, now))
    _insert(conn, t["products"], products)
    _insert(conn, t["product_images"], images)
    _insert(conn, t["stocks"], stocks)
    _insert(conn, t["certificates"], certificates)

    if not scale.bulk:
        _fill_traceability(conn, t, rng, scale, products, today, now)
    return products


def _set_sequences(conn, metadata) -> None:
    """Move PostgreSQL's id sequences past the ids the generator wrote."""
    if conn.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def _fill_bulk(engine, scale: Scale, products: list[dict], log) -> None:
    """Stream the traceability rows with COPY (bench/bulk.py) on one psycopg connection."""
    from bench import bulk

    raw = engine.raw_connection()
    try:
        timings = bulk.fill(raw.driver_connection, scale, products, log)
    finally:
        raw.close()
    for step, seconds in timings.items():
        log(f"  {step}: {seconds:.1f} s")


def _vacuum(url: str) -> None:
    """VACUUM ANALYZE a bulk-loaded database, as autovacuum would have on a live one (visibility map, statistics)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def table_sizes(url: str, tables=("stamps", "scans", "stamp_devices", "scan_daily_counts", "batches")) -> dict:
    """Return the database's size and each table's heap and index bytes (PostgreSQL)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            sizes = {"database": conn.scalar(text("SELECT pg_database_size(current_database())"))}
            for table in tables:
                row = conn.execute(
                    text("SELECT pg_table_size(CAST(:t AS regclass)), pg_indexes_size(CAST(:t AS regclass))"),
                    {"t": table},
                ).one()
                sizes[table] = {"table": row[0], "indexes": row[1]}
            return sizes
    finally:
        engine.dispose()


def _certificate(rng, product_id, cid, producer, today, now):
    from storefront.clock import add_months

    roll = rng.random()
    if roll < 0.7:  # valid
        decided = today - timedelta(days=rng.randint(30, 1000))
    else:  # expired (36-month validity long gone)
        decided = today - timedelta(days=rng.randint(1200, 2000))
    return {
        "id": cid,
        "product_id": product_id,
        "stars": rng.choice((3, 3, 3, 4, 4, 5)),
        "score": rng.randint(50, 95),
        "criteria_set": "148/2023" if decided >= date(2023, 2, 24) else "1048/2019",
        "issuing_level": "province",
        "issuing_body": "UBND tỉnh Thái Nguyên",
        "decision_number": f"{rng.randint(1000, 4999)}/QĐ-UBND",
        "decision_date": decided,
        "valid_until": add_months(decided, 36),
        "producer_name": producer["name"],
        "producer_address": producer["legacy_address"],
        "is_revoked": 0.95 < roll < 0.97,
        "created_at": now,
    }


def _fill_traceability(conn, t, rng, scale, products, today, now) -> None:
    batch_products = rng.sample(products, min(scale.batches, len(products)))
    batches, events, issues, stamps, scans, short_codes = [], [], [], [], [], set()
    per_batch = scale.stamps // max(1, len(batch_products))
    for bid, product in enumerate(batch_products, start=1):
        packed = today - timedelta(days=rng.randint(2, 300))
        code = _code(rng)
        while code in short_codes:
            code = _code(rng)
        short_codes.add(code)
        batches.append(
            {
                "id": bid,
                "product_id": product["id"],
                "lot_code": f"L{packed:%y%m%d}-{bid:05d}",
                "short_code": code,
                "harvest_date": packed - timedelta(days=3),
                "production_date": packed - timedelta(days=2),
                "packing_date": packed,
                "expiry_date": packed + timedelta(days=365),
                "quantity": per_batch * 2,
                "growing_area_code": f"VT-19-{rng.choice(WARD_CODES):04d}-{rng.randint(1, 40):03d}",
                "standards": "VietGAP (TCVN 11892-1:2017)",
                "is_published": True,
                "created_at": now,
            }
        )
        for step, (biz_step, days_before, hour) in enumerate(
            (("harvesting", 3, 6), ("commissioning", 2, 10), ("packing", 0, 14), ("inspecting", 0, 16)), start=1
        ):
            events.append(
                {
                    "id": (bid - 1) * 4 + step,
                    "batch_id": bid,
                    "event_type": "ObjectEvent",
                    "action": "OBSERVE",
                    "event_time": _vn_moment(packed - timedelta(days=days_before), hour),
                    "event_time_zone_offset": "+07:00",
                    "biz_step": biz_step,
                    "disposition": "active",
                    "read_point": f"LOC-19-{bid:05d}",
                    "biz_location": f"LOC-19-{bid:05d}",
                    "location_name": f"Cơ sở sản xuất lô {bid}",
                    "description": "Dữ liệu benchmark.",
                    "ilmd": None,
                    "created_at": now,
                }
            )
        issues.append(
            {"id": bid, "batch_id": bid, "count": per_batch, "is_serialized": True, "with_pin": False, "issued_at": now}
        )
        serials = set()
        while len(serials) < per_batch:
            serials.add(_code(rng))
        for serial in sorted(serials):
            sid = len(stamps) + 1
            scan_count = rng.randint(1, 3) if rng.random() < 0.1 else 0
            stamps.append(
                {
                    "id": sid,
                    "batch_id": bid,
                    "issue_id": bid,
                    "serial": serial,
                    "scan_count": scan_count,
                    "first_scanned_at": now - timedelta(days=5) if scan_count else None,
                    "last_scanned_at": now - timedelta(days=1) if scan_count else None,
                }
            )
            for n in range(scan_count):
                scans.append(
                    {
                        "id": len(scans) + 1,
                        "stamp_id": sid,
                        "batch_id": bid,
                        "scanned_at": now - timedelta(days=5 - n),
                        "region": "19",
                        "user_agent": "bench",
                    }
                )
    for table, rows in (
        ("batches", batches),
        ("trace_events", events),
        ("stamp_issues", issues),
        ("stamps", stamps),
        ("scans", scans),
    ):
        _insert(conn, t[table], rows)


def build_search_index(ds: Dataset, log=print) -> tuple[float, str]:
    """Fill the dataset's search index unless cached; return (seconds, how it was built)."""
    from storefront.catalog import search

    marker = ds.index_dir / "bench-built"
    if marker.exists():
        return 0.0, "cached"
    if ds.index_dir.exists():
        shutil.rmtree(ds.index_dir)
    started = time.perf_counter()
    try:
        how = _reindex_with_cli(ds) or "bench documents (no `flask catalog reindex`)"
    except RuntimeError as exc:
        log(f"  {exc}\n  falling back to the bench's own search documents")
        how = "bench documents (`flask catalog reindex` failed)"
    if how.startswith("bench documents"):
        idx = search.open_index("whoosh", path=ds.index_dir)
        search.rebuild(idx, search_documents(ds.url))
        idx.close()
    seconds = time.perf_counter() - started
    marker.write_text(how)
    log(f"  search index built in {seconds:.1f} s ({how})")
    return seconds, how


def fill_postgres_search(ds: Dataset, log=print) -> float:
    """Fill the run copy's PostgreSQL search tables (SEARCH_BACKEND=postgres) and return the seconds it took."""
    started = time.perf_counter()
    if _reindex_with_cli(ds, SEARCH_BACKEND="postgres") is None:
        raise RuntimeError("no `flask catalog reindex` to fill the PostgreSQL search tables")
    seconds = time.perf_counter() - started
    log(f"  PostgreSQL search tables filled in {seconds:.1f} s")
    return seconds


def _reindex_with_cli(ds: Dataset, **settings) -> str | None:
    """Run `flask catalog reindex` in process when the catalogue provides it."""
    from storefront import create_app

    app = create_app(bench_config(ds.url, SEARCH_INDEX_DIR=str(ds.index_dir), **settings))
    group = app.cli.commands.get("catalog") or app.blueprints["catalog"].cli
    if "reindex" not in getattr(group, "commands", {}):
        return None
    result = app.test_cli_runner().invoke(args=["catalog", "reindex"])
    if result.exit_code != 0:
        reason = repr(result.exception) if result.exception else result.output.strip()
        raise RuntimeError(f"flask catalog reindex failed: {reason[:200]}")
    return "flask catalog reindex"


def search_documents(url: str):
    """Yield search documents for visible products, read with one joined query."""
    from storefront.catalog.groups import GROUPS

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT p.id, p.name_vi, p.name_en, p.description_vi, p.ocop_group, p.price_vnd, "
                    "pr.name AS producer, pr.legacy_address, pr.legacy_district, pr.ward_code, "
                    "s.on_hand - s.reserved AS available, "
                    "(SELECT max(c.stars) FROM certificates c WHERE c.product_id = p.id AND NOT c.is_revoked "
                    " AND c.valid_until >= :today) AS stars "
                    "FROM products p JOIN producers pr ON pr.id = p.producer_id LEFT JOIN stocks s ON s.product_id = p.id "
                    "WHERE p.is_published AND NOT p.is_hidden AND pr.status = 'approved'"
                ),
                {"today": datetime.now(VN).date()},
            ).all()
    finally:
        engine.dispose()
    for row in rows:
        yield {
            "id": row.id,
            "name": row.name_vi,
            "name_en": row.name_en,
            "producer": row.producer,
            "group": row.ocop_group,
            "group_name": str(GROUPS.get(row.ocop_group, "")),
            "commune": row.legacy_address.split(",")[0].removeprefix("Xã "),
            "district_legacy": row.legacy_district,
            "description": row.description_vi,
            "ward_code": row.ward_code,
            "stars": row.stars or 0,
            "price_vnd": row.price_vnd,
            "in_stock": (row.available or 0) > 0,
        }

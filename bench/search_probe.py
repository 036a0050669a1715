"""Measure search latency over 20,000 generated OCOP products: the Whoosh backend in an on-disk index, and
the PostgreSQL backend too with --database-url (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/h_bench)."""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storefront.catalog import search

KINDS = [
    ("Chè", "1", ["búp", "nõn tôm", "đinh", "móc câu", "xanh", "hữu cơ"]),
    ("Trà", "1", ["xanh", "túi lọc", "hoa vàng", "shan tuyết", "sấy lạnh"]),
    ("Miến", "1", ["dong", "dong sạch", "ngô", "gạo"]),
    ("Mật ong", "1", ["hoa rừng", "hoa nhãn", "bạc hà", "nguyên chất"]),
    ("Gạo", "1", ["nếp", "nếp vải", "bao thai", "lứt", "hữu cơ"]),
    ("Nấm", "1", ["hương", "sò", "linh chi", "sấy khô"]),
    ("Rượu", "2", ["men lá", "ngô", "nếp cẩm", "ba kích"]),
    ("Măng", "1", ["khô", "chua", "nứa", "sấy khô", "tươi"]),
    ("Bánh", "1", ["chưng", "giầy", "chè lam", "cốm"]),
    ("Khăn", "4", ["thổ cẩm", "lụa tơ tằm", "dệt tay"]),
    ("Giỏ", "5", ["mây tre", "tre đan", "nứa"]),
]
PLACES = [
    ("Tân Cương", "Thành phố Thái Nguyên"),
    ("La Bằng", "Đại Từ"),
    ("Hoàng Nông", "Đại Từ"),
    ("Tràng Xá", "Võ Nhai"),
    ("La Hiên", "Võ Nhai"),
    ("Phú Đô", "Phú Lương"),
    ("Minh Lập", "Đồng Hỷ"),
    ("Trại Cau", "Đồng Hỷ"),
    ("Điềm Thụy", "Phú Bình"),
    ("Định Hóa", "Định Hóa"),
    ("Phúc Xuân", "Thành phố Thái Nguyên"),
    ("Vô Tranh", "Phú Lương"),
]
PRODUCERS = ["HTX", "Hợp tác xã", "Cơ sở", "Hộ kinh doanh", "Công ty TNHH"]
OWNERS = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Đức Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Đông",
    "Đặng Thị Hà",
    "Vũ Minh Hiếu",
    "Bùi Thị Lan",
    "Đỗ Văn Nam",
    "Ngô Thị Thu",
]
GROUP_NAMES = {"1": "Thực phẩm", "2": "Đồ uống", "4": "Vải và may mặc", "5": "Lưu niệm, nội thất"}
DESCRIPTIONS = [
    "Sản phẩm OCOP đặc sản {place}, thu hái thủ công, chế biến theo phương pháp truyền thống.",
    "{kind} {style} vùng {place}, đóng gói hút chân không, bảo quản nơi khô ráo thoáng mát.",
    "Được trồng theo tiêu chuẩn VietGAP tại {district}, không chất bảo quản, an toàn vệ sinh.",
    "Hương vị đậm đà, màu sắc tự nhiên; quà biếu ý nghĩa từ {place}, tỉnh Thái Nguyên.",
]

# 50 queries: 25 with diacritics, 25 without; some one-word, some with one typo.
QUERIES = [
    "Chè Tân Cương",
    "chè búp",
    "Miến dong",
    "Mật ong hoa rừng",
    "Gạo nếp",
    "Nấm hương",
    "Rượu men lá",
    "Măng khô",
    "chè hữu cơ",
    "Trà shan tuyết",
    "Khăn thổ cẩm",
    "Đại Từ",
    "Võ Nhai",
    "nấm sấy khô",
    "Bánh chưng",
    "Hợp tác xã",
    "chè móc câu",
    "La Bằng",
    "Gạo lứt hữu cơ",
    "Chè",
    "Mật ong",
    "Giỏ mây tre",
    "Trần Thị Bình",
    "Định Hóa",
    "Thái Nguyên",
    "che tan cuong",
    "che bup",
    "mien dong",
    "mat ong",
    "gao nep",
    "nam huong",
    "ruou",
    "mang kho",
    "tra xanh",
    "khan tho cam",
    "dai tu",
    "vo nhai",
    "che",
    "gao",
    "nam",
    "chee tan cuongg",
    "mienn dong",
    "mat ong hoa rungg",
    "nguyen van an",
    "thai nguyen",
    "huu co",
    "banh chung",
    "dong hy",
    "phu luong",
    "traang xa",
]


def make_docs(count, seed=7):
    """Return `count` plausible product dicts, the same for the same seed."""
    rng = random.Random(seed)
    for i in range(1, count + 1):
        kind, group, styles = rng.choice(KINDS)
        style = rng.choice(styles)
        place, district = rng.choice(PLACES)
        owner = rng.choice(OWNERS)
        name = f"{kind} {style} {place}" if rng.random() < 0.7 else f"{kind} {style}"
        yield {
            "id": i,
            "name": name,
            "name_en": "",
            "producer": f"{rng.choice(PRODUCERS)} {owner}",
            "group": group,
            "group_name": GROUP_NAMES[group],
            "commune": place,
            "district_legacy": district,
            "description": " ".join(
                t.format(kind=kind, style=style, place=place, district=district) for t in rng.sample(DESCRIPTIONS, 2)
            ),
            "ward_code": f"{rng.randrange(5500, 5800):05d}",
            "stars": rng.choice([0, 3, 3, 3, 4, 4, 5]),
            "price_vnd": rng.randrange(20, 2000) * 1000,
            "in_stock": rng.random() < 0.85,
        }


def percentile(samples, pct):
    """Return the pct-th percentile of samples (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database for the postgres backend (its search tables are emptied); without it, whoosh only",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        print("== whoosh (on-disk index)")
        probe(args, lambda: search.open_index("whoosh", path=Path(tmp) / "index"), cold=True)
    if args.database_url:
        from sqlalchemy import create_engine

        from storefront.catalog.search import postgres_backend
        from storefront.extensions import db

        engine = create_engine(args.database_url)
        tables = [postgres_backend.search_documents, postgres_backend.search_words]
        db.metadata.create_all(engine, tables=tables)  # with the extensions (a before_create hook)
        print("== postgres (search_documents + search_words)")
        probe(args, lambda: search.open_index("postgres", engine=engine), cold=False)
        engine.dispose()


def probe(args, open_index, *, cold: bool) -> None:
    """Build `args.docs` documents into a fresh index and time searches, as the module docstring says."""
    idx = open_index()
    started = time.perf_counter()
    search.rebuild(idx, make_docs(args.docs))
    build_s = time.perf_counter() - started
    print(f"built {search.doc_count(idx)} docs in {build_s:.1f} s")

    for q in QUERIES:  # warm-up: opens the searcher, loads facet columns, fills caches
        search.search_products(idx, q)
    per_query = {q: [] for q in QUERIES}
    for _ in range(args.rounds):
        for q in QUERIES:
            started = time.perf_counter()
            search.search_products(idx, q)
            per_query[q].append((time.perf_counter() - started) * 1000)
    samples = [ms for times in per_query.values() for ms in times]
    print(
        f"{len(samples)} searches: p50 {percentile(samples, 50):.1f} ms, "
        f"p95 {percentile(samples, 95):.1f} ms, max {max(samples):.1f} ms"
    )
    print("slowest queries (median ms, total hits):")
    slowest = sorted(per_query, key=lambda q: -statistics.median(per_query[q]))[:8]
    for q in slowest:
        total = search.search_products(idx, q).total
        print(f"  {statistics.median(per_query[q]):6.1f}  {total:6d}  {q}")

    if cold:
        # Cold: a fresh searcher per query, so no posting set is cached yet. "khăn" opens
        # the searcher and loads the columns first, which is timed on its own.
        cold_ms, opening = [], []
        for q in QUERIES:
            fresh = open_index()
            started = time.perf_counter()
            search.search_products(fresh, "khăn")
            opening.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            search.search_products(fresh, q)
            cold_ms.append((time.perf_counter() - started) * 1000)
            fresh.close()
        print(
            f"cold caches, {len(cold_ms)} searches: p50 {percentile(cold_ms, 50):.1f} ms, "
            f"p95 {percentile(cold_ms, 95):.1f} ms, max {max(cold_ms):.1f} ms; "
            f"opening a searcher + columns: p50 {percentile(opening, 50):.0f} ms"
        )

    started = time.perf_counter()
    search.index_products(idx, make_docs(1, seed=99))
    search.search_products(idx, "chè")
    print(f"update one doc + first search after it: {(time.perf_counter() - started) * 1000:.0f} ms")
    idx.close()


if __name__ == "__main__":
    main()

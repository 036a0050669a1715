"""Plausible Vietnamese product and producer names for the scaled bench dataset (pure)."""

import csv
import random
from dataclasses import dataclass
from pathlib import Path

DEMO_CSV = Path(__file__).resolve().parents[1] / "data" / "demo" / "ocop-products-thai-nguyen.csv"

#: (kind, OCOP group, styles): the product families of Thái Nguyên's OCOP list.
KINDS = (
    ("Chè", 1, ("tôm nõn", "đinh", "móc câu", "búp", "xanh", "nõn tôm", "hữu cơ", "sao suốt")),
    ("Trà", 1, ("xanh", "móc câu", "túi lọc", "hoa vàng", "shan tuyết", "giảo cổ lam", "nụ vối", "GABA")),
    ("Miến", 1, ("dong", "dong sạch", "dong riềng", "ngô")),
    ("Bún", 1, ("gạo bao thai", "ngũ sắc", "khô")),
    ("Mật ong", 1, ("hoa rừng", "hoa nhãn", "bạc hà", "nguyên chất")),
    ("Gạo", 1, ("nếp vải", "bao thai", "lứt", "nếp cẩm", "hữu cơ")),
    ("Nấm", 1, ("hương", "sò", "linh chi", "sấy khô")),
    ("Măng", 1, ("khô lục trúc", "tươi lục trúc", "chua", "nứa sấy khô")),
    ("Bánh", 1, ("chưng", "giầy", "chè lam", "cốm")),
    ("Rượu", 2, ("men lá", "ngô", "nếp cẩm", "mơ", "ba kích")),
    ("Tinh bột", 3, ("nghệ nếp đỏ", "nghệ vàng", "sắn dây")),
    ("Cao", 3, ("giảo cổ lam", "actiso", "cà gai leo")),
    ("Khăn", 4, ("thổ cẩm", "lụa tơ tằm", "dệt tay")),
    ("Giỏ", 4, ("mây tre", "tre đan", "nứa")),
    ("Lan", 5, ("hồ điệp", "kim điệp", "rừng")),
    ("Du lịch", 6, ("sinh thái", "cộng đồng", "văn hóa dân tộc Tày")),
)
#: Communes and old districts, used as the "place" part of names when the CSV is missing.
PLACES = (
    ("Tân Cương", "TP Thái Nguyên"),
    ("La Bằng", "Đại Từ"),
    ("Hoàng Nông", "Đại Từ"),
    ("Tràng Xá", "Võ Nhai"),
    ("La Hiên", "Võ Nhai"),
    ("Phú Đô", "Phú Lương"),
    ("Minh Lập", "Đồng Hỷ"),
    ("Trại Cài", "Đồng Hỷ"),
    ("Điềm Thụy", "Phú Bình"),
    ("Định Hóa", "Định Hóa"),
    ("Phúc Xuân", "TP Thái Nguyên"),
    ("Vô Tranh", "Phú Lương"),
    ("Ôn Lương", "Phú Lương"),
    ("Hóa Thượng", "Đồng Hỷ"),
    ("Chợ Đồn", "Chợ Đồn"),
)
LEGAL_PREFIXES = (("HTX", "htx"), ("Tổ hợp tác", "tht"), ("Công ty TNHH", "enterprise"), ("Hộ kinh doanh", "household"))
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Vũ", "Bùi", "Đỗ", "Ngô", "Dương", "Ma")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Quang", "Ngọc")
GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Đông",
    "Hà",
    "Hiếu",
    "Lan",
    "Nam",
    "Thu",
    "Tâm",
    "Phúc",
    "Hoan",
    "Xuyến",
    "Đạt",
    "Hảo",
)


@dataclass(frozen=True)
class Words:
    """The vocabulary names are drawn from."""

    places: tuple[tuple[str, str], ...]
    brands: tuple[str, ...]


def load_words(path: Path = DEMO_CSV) -> Words:
    """Return communes and brand words from the demo CSV, or the built-in lists if it is missing."""
    builtin_brands = tuple(g for g in GIVEN)
    if not path.exists():
        return Words(places=PLACES, brands=builtin_brands)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    places = {(r["commune"], r["district"]) for r in rows if r.get("commune") and r.get("district")}
    brands = set()
    for row in rows:
        # The producer's last two words are its brand ("HTX Chè Hảo Đạt" → "Hảo Đạt").
        words = (row.get("producer") or "").split()
        if len(words) >= 2 and words[-1][:1].isupper() and words[-2][:1].isupper():
            brands.add(" ".join(words[-2:]))
    return Words(places=tuple(sorted(places | set(PLACES))), brands=tuple(sorted(brands)) or builtin_brands)


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def producer_name(rng: random.Random, words: Words) -> tuple[str, str, tuple[str, str]]:
    """Return (name, legal type value, (commune, district)) of a made-up producer."""
    prefix, legal = rng.choice(LEGAL_PREFIXES)
    place = rng.choice(words.places)
    kind = rng.choice(KINDS)[0].lower()
    if legal == "household":
        core = person_name(rng)
    elif rng.random() < 0.5:
        core = f"{kind} {rng.choice(words.brands)}"
    else:
        core = f"{kind} {place[0]}"
    return f"{prefix} {core}", legal, place


def product_name(rng: random.Random, words: Words) -> tuple[str, int]:
    """Return (name, OCOP group) like "Chè móc câu Tân Cương" or "Mật ong hoa rừng Hảo Đạt"."""
    kind, group, styles = rng.choice(KINDS)
    style = rng.choice(styles)
    tail = rng.choice(words.places)[0] if rng.random() < 0.6 else rng.choice(words.brands)
    return f"{kind} {style} {tail}", group


def unique_slug(base: str, taken: dict[str, int]) -> str:
    """Return base, or base-2, base-3… if already taken; `taken` counts uses per base."""
    count = taken.get(base, 0) + 1
    taken[base] = count
    return base if count == 1 else f"{base}-{count}"

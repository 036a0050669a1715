"""Vietnam's post-2025 provinces and wards, from the vietnam-provinces library."""

import unicodedata
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

THAI_NGUYEN = 19
#: Thái Nguyên after the 2025 merger (with Bắc Kạn), with a margin: where a point of sale or a fair may
#: stand, and the map's default view. Coordinates outside are a typo (swapped, or another province).
PROVINCE_BOUNDS = {"lat": (21.3, 22.8), "lon": (105.3, 106.4)}


def vietnamese_order(name: str) -> tuple[str, str]:
    """Sort key in Vietnamese alphabetical order: tones and vowel marks ignored, Đ right after D
    ('Đắk Lắk' after 'Cà Mau', not after 'Vĩnh Long' as code points put it), 'Thành phố' not counted."""
    if name.startswith("Thành phố "):
        name = name.removeprefix("Thành phố ")
    text = unicodedata.normalize("NFD", name.replace("Đ", "D{").replace("đ", "d{"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower(), name


@lru_cache(maxsize=1)
def provinces() -> list[tuple[int, str]]:
    """Return (code, name) for the 34 provinces, Thái Nguyên first, then in Vietnamese order."""
    items = sorted(((int(p.code), p.name) for p in Province.iter_all()), key=lambda item: vietnamese_order(item[1]))
    items.sort(key=lambda item: item[0] != THAI_NGUYEN)
    return items


@lru_cache(maxsize=64)
def wards(province_code: int) -> list[tuple[int, str]]:
    """Return (code, name) of the wards and communes of one province, in Vietnamese order (Phường …, then Xã …)."""
    try:
        code = ProvinceCode(int(province_code))
    except ValueError:
        return []
    return sorted(
        ((int(w.code), w.name) for w in Ward.iter_by_province(code)), key=lambda item: vietnamese_order(item[1])
    )


@lru_cache(maxsize=4096)
def ward(code: int | None):
    """Return the library's Ward for a code, or None."""
    if code is None:
        return None
    try:
        return Ward.from_code(WardCode(int(code)))
    except ValueError:
        return None


def ward_name(code: int | None) -> str:
    found = ward(code)
    return found.name if found else ""


def province_name(code: int | None) -> str:
    try:
        return Province.from_code(ProvinceCode(int(code))).name
    except (TypeError, ValueError):
        return ""


def province_full_name(code: int | None) -> str:
    """Return 'Tỉnh Thái Nguyên' / 'Thành phố Hà Nội' (the library names some without type)."""
    try:
        province = Province.from_code(ProvinceCode(int(code)))
    except (TypeError, ValueError):
        return ""
    kind = province.division_type.value.capitalize()
    return province.name if province.name.startswith(kind) else f"{kind} {province.name}"


def ward_in_province(ward_code: int, province_code: int) -> bool:
    found = ward(ward_code)
    return found is not None and int(found.province_code) == int(province_code)


def format_address(street: str, ward_code: int | None, province_code: int | None) -> str:
    """Return 'street, Xã …, Tỉnh …' in the post-2025 two-level form."""
    parts = [street, ward_name(ward_code), province_full_name(province_code)]
    return ", ".join(part for part in parts if part)


def in_province_bounds(latitude: float, longitude: float) -> bool:
    """Whether a WGS 84 position lies within Thái Nguyên's bounding box (PROVINCE_BOUNDS)."""
    return (
        PROVINCE_BOUNDS["lat"][0] <= latitude <= PROVINCE_BOUNDS["lat"][1]
        and PROVINCE_BOUNDS["lon"][0] <= longitude <= PROVINCE_BOUNDS["lon"][1]
    )


def place_errors(ward_code: int | None, latitude: float | None, longitude: float | None) -> dict:
    """Return field → message for a place in Thái Nguyên: a ward of the province, both coordinates or neither,
    and a position inside the province (a point of sale's or a fair's)."""
    errors = {}
    if ward_code is None or not ward_in_province(ward_code, THAI_NGUYEN):
        errors["ward_code"] = _l("Chọn xã/phường của tỉnh Thái Nguyên.")
    if (latitude is None) != (longitude is None):
        errors["latitude"] = _l("Nhập cả vĩ độ và kinh độ, hoặc bỏ trống cả hai.")
    elif latitude is not None and not in_province_bounds(latitude, longitude):
        errors["latitude"] = _l("Toạ độ nằm ngoài tỉnh Thái Nguyên (vĩ độ 21,3–22,8; kinh độ 105,3–106,4).")
    return errors

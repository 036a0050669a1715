"""Vietnam's post-2025 provinces and wards, from the vietnam-provinces library."""

from functools import lru_cache

from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

THAI_NGUYEN = 19


@lru_cache(maxsize=1)
def provinces() -> list[tuple[int, str]]:
    """Return (code, name) for the 34 provinces, Thái Nguyên first."""
    items = sorted(((int(p.code), p.name) for p in Province.iter_all()), key=lambda item: item[1])
    items.sort(key=lambda item: item[0] != THAI_NGUYEN)
    return items


@lru_cache(maxsize=64)
def wards(province_code: int) -> list[tuple[int, str]]:
    """Return (code, name) of the wards and communes of one province, by name."""
    try:
        code = ProvinceCode(int(province_code))
    except ValueError:
        return []
    return sorted(((int(w.code), w.name) for w in Ward.iter_by_province(code)), key=lambda item: item[1])


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

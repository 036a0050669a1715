"""Catalogue query-string input: filters, sort and page read from the URL, bogus values dropped."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from storefront.addresses import ward
from storefront.catalog.groups import GROUPS
from storefront.catalog.services import SORTS, CatalogFilters

MAX_PRICE_VND = 1_000_000_000
#: Short spellings people (and other sites) use for our sort names.
SORT_ALIASES = {"price": "price_asc", "-price": "price_desc", "new": "newest"}
MAX_PER_PAGE = 100
#: Longest search text kept; longer input is cut (search.py looks at even less).
MAX_QUERY_CHARS = 200

LABELS = {
    "group": _l("Nhóm sản phẩm"),
    "stars": _l("Số sao tối thiểu"),
    "ward": _l("Xã/phường"),
    "district": _l("Huyện (cũ)"),
    "price_min": _l("Giá từ"),
    "price_max": _l("Giá đến"),
    "in_stock": _l("Còn hàng"),
    "sort": _l("Sắp xếp"),
    "page": _l("Trang"),
    "per_page": _l("Số sản phẩm mỗi trang"),
}


@dataclass
class CatalogArgs:
    filters: CatalogFilters
    page: int = 1
    per_page: int = 24
    #: Names of the parameters whose values were ignored (shown to the shopper).
    ignored: list[str] = field(default_factory=list)

    @property
    def ignored_labels(self) -> list[str]:
        return [str(LABELS[name]) for name in self.ignored]


def _int(value: str, low: int, high: int) -> int | None:
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        return None
    number = int(value)
    return number if low <= number <= high else None


def parse_catalog_args(args, *, districts=(), per_page: int = 24) -> CatalogArgs:
    """Read filters from a query string; an unusable value is dropped and named in `ignored`."""
    result = CatalogArgs(filters=CatalogFilters(), per_page=per_page)
    filters = result.filters
    filters.q = " ".join((args.get("q") or "").replace("\x00", " ")[:MAX_QUERY_CHARS].split())

    def read(name, low, high):
        raw = args.get(name, "")
        if raw == "":
            return None
        number = _int(raw, low, high)
        if number is None:
            result.ignored.append(name)
        return number

    filters.group = read("group", 1, max(GROUPS))
    filters.min_stars = read("stars", 1, 5)
    filters.ward_code = read("ward", 1, 99_999)
    if filters.ward_code is not None and ward(filters.ward_code) is None:
        filters.ward_code = None
        result.ignored.append("ward")
    district = args.get("district", "")
    if district and district not in districts:
        result.ignored.append("district")
    elif district:
        filters.district = district
    filters.price_min = read("price_min", 0, MAX_PRICE_VND)
    filters.price_max = read("price_max", 0, MAX_PRICE_VND)
    in_stock = args.get("in_stock", "")
    if in_stock not in ("", "0", "1"):
        result.ignored.append("in_stock")
    filters.in_stock = in_stock == "1"
    sort = SORT_ALIASES.get(args.get("sort", ""), args.get("sort", ""))
    if sort and sort not in SORTS:
        result.ignored.append("sort")
    filters.sort = sort if sort in SORTS else ("relevance" if filters.q else "stars")
    result.per_page = read("per_page", 1, MAX_PER_PAGE) or per_page
    page = args.get("page", "")
    if page:
        result.page = _int(page, 1, 10**9) or 0  # 0: the view answers 404
    return result

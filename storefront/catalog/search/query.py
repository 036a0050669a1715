"""What a search asks and answers, the same for every backend: folded words, filters, one page of results.

Both backends fold text with the same analyzer (Whoosh's tokenizer and accent map: NFC first,
invisible format characters dropped), so "Chè Tân Cương" and "che tan cuong" are the same
three words wherever they are looked up.
"""

import unicodedata
from dataclasses import dataclass, field

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.support.charset import accent_map

from storefront.text import drop_format_chars

#: Longest query text we look at, and most words we build a query from: bounds the cost of
#: a hostile or pasted query.
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 10
MAX_LIMIT = 100
#: Words this long or longer may match with one typo (one letter added, dropped or changed,
#: never the first one).
FUZZY_MIN_LENGTH = 5
FILTER_KEYS = frozenset({"group", "min_stars", "ward_code", "district", "in_stock", "price_min", "price_max"})
#: Document keys folded into one secondary text field ("meta"), searched after the name.
META_KEYS = ("name_en", "producer", "group_name", "commune", "district_legacy")

# No stop filter: StandardAnalyzer's English stop list would drop folded Vietnamese words
# such as "an" (An Khánh) or "to" (tô), and its minsize=2 would drop "o", "a".
ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


@dataclass
class SearchResult:
    ids: list[int] = field(default_factory=list)
    total: int = 0
    facets: dict = field(default_factory=lambda: {"group": {}, "stars": {}})
    corrected: str | None = None


def query_terms(text: str) -> list[str]:
    """Fold user text into at most MAX_QUERY_TERMS distinct lowercase unaccented words."""
    if not isinstance(text, str):
        return []
    words = dict.fromkeys(fold(text[:MAX_QUERY_CHARS]))
    return list(words)[:MAX_QUERY_TERMS]


def fold(text: str) -> list[str]:
    """Return the folded words of `text`: 'Chè Tân Cương' -> ['che', 'tan', 'cuong']."""
    # NFC first: decomposed input (NFD, common from macOS and some keyboards) puts
    # combining marks between letters, and the tokenizer would split words on them.
    # Format characters (a zero-width space pasted from chat apps) would split a word in two.
    return [token.text for token in ANALYZER(unicodedata.normalize("NFC", drop_format_chars(text)))]


def nfc(value) -> str:
    """Return a document value as NFC text without format characters ('' for None)."""
    return unicodedata.normalize("NFC", drop_format_chars(str(value))) if value else ""


def document_text(doc: dict) -> dict:
    """Return the normalised text fields and filter values of a product document, as every backend stores them."""
    name = nfc(doc["name"])
    return {
        "id": int(doc["id"]),
        "name": name,
        "name_key": " ".join(fold(name)),
        "name_words": len(fold(name)),
        "meta": " ".join(nfc(doc.get(key)) for key in META_KEYS),
        "description": nfc(doc.get("description")),
        "group": str(doc.get("group") or ""),
        "stars": int(doc.get("stars") or 0),
        "ward_code": str(doc.get("ward_code") or ""),
        "district": " ".join(fold(nfc(doc.get("district_legacy")))),
        "price_vnd": int(doc.get("price_vnd") or 0),
        "in_stock": bool(doc.get("in_stock")),
    }


def clean_filters(filters: dict | None) -> dict:
    """Return the filters that narrow anything, with their values typed; unknown keys are a programming error."""
    filters = filters or {}
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise ValueError(f"unknown search filters: {sorted(unknown)}")
    found = {}
    if filters.get("group"):
        found["group"] = str(filters["group"])
    if filters.get("ward_code"):
        found["ward_code"] = str(filters["ward_code"])
    if filters.get("district"):
        found["district"] = " ".join(fold(nfc(filters["district"])))
    if filters.get("min_stars"):
        found["min_stars"] = int(filters["min_stars"])
    if filters.get("in_stock"):
        found["in_stock"] = True
    for key in ("price_min", "price_max"):
        if filters.get(key) is not None:
            found[key] = int(filters[key])
    return found


def page_window(limit: int | None, page: int) -> tuple[int, int] | None:
    """Return (offset, count) of a page, or None for every match (`limit=None`)."""
    if limit is None:
        return None
    limit = max(1, min(int(limit), MAX_LIMIT))
    return (max(1, int(page)) - 1) * limit, limit


def one_edit_apart(a: str, b: str) -> bool:
    """Say whether `b` is `a` with one letter added, dropped or changed (plain Levenshtein distance 1,
    as Whoosh's terms_within finds them)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]

"""Build and parse GS1 Digital Link URIs; GTIN check digits; the rules of lots and serials (AI 10, 21)."""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, quote, unquote

__all__ = [
    "MAX_QUALIFIER_LENGTH",
    "DigitalLink",
    "DigitalLinkError",
    "gtin_check_digit",
    "is_valid_gtin",
    "is_valid_serial",
    "normalize_gtin",
    "parse_path",
]


# GS1 General Specifications §7.11 (Figure 7.11-1), "GS1 AI encodable character set 82":
# the only characters AI 10 (lot), 21 (serial) and 22 (variant) may hold.
_CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_GTIN_LENGTHS = (8, 12, 13, 14)
MAX_QUALIFIER_LENGTH = 20  # AI 10, 21 and 22 are all X..20 (GS1 General Specifications §3.2)

# GS1 Digital Link 1.1 §6.1 lets resolvers accept these short names; we never emit them.
_LEGACY_NAMES = {"gtin": "01", "cpv": "22", "lot": "10", "ser": "21"}
# Key qualifiers of AI 01 in the only order GS1 Digital Link allows: /22/…/10/…/21/….
_QUALIFIER_ORDER = ("22", "10", "21")
_QUALIFIER_FIELDS = {"22": "variant", "10": "lot", "21": "serial"}
_QUALIFIER_POSITION = {ai: position for position, ai in enumerate(_QUALIFIER_ORDER)}
# Date attributes carried in the query string, YYMMDD (GS1 General Specifications §3.4).
_DATE_ATTRIBUTES = (("11", "production_date"), ("13", "packing_date"), ("17", "expiry"))
_YYMMDD = re.compile(r"[0-9]{6}")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


class DigitalLinkError(ValueError):
    """A GS1 Digital Link, GTIN or short code that does not follow the rules."""


def gtin_check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for the digits of a GTIN without its check digit."""
    if not body.isascii() or not body.isdigit():
        raise DigitalLinkError(f"GTIN must contain digits only, got {body!r}")
    # GS1 General Specifications §7.9.1: weights 3,1,3,… from the rightmost digit, so the
    # same digit is right whatever the number of leading zeros.
    total = 3 * sum(map(int, body[::-1][::2])) + sum(map(int, body[::-1][1::2]))
    return (10 - total % 10) % 10


def normalize_gtin(gtin: str) -> str:
    """Return a GTIN-8/12/13/14 as the 14-digit form used in canonical Digital Link URIs."""
    if type(gtin) is str:
        return _normalize_gtin(gtin)  # a shop's GTINs are few and scanned again and again
    return _normalize_gtin.__wrapped__(gtin)


@functools.lru_cache(maxsize=4096)
def _normalize_gtin(gtin: str) -> str:
    if not isinstance(gtin, str) or not gtin.isascii() or not gtin.isdigit():
        raise DigitalLinkError(f"GTIN must contain digits only, got {gtin!r}")
    if len(gtin) not in _GTIN_LENGTHS:
        raise DigitalLinkError(f"GTIN must have 8, 12, 13 or 14 digits, got {len(gtin)}")
    if gtin_check_digit(gtin[:-1]) != int(gtin[-1]):
        raise DigitalLinkError(f"GTIN {gtin} has a wrong check digit")
    return gtin.zfill(14)


def is_valid_gtin(s: object) -> bool:
    """Tell whether s is a GTIN-8/12/13/14 with a correct check digit."""
    try:
        normalize_gtin(s)  # type: ignore[arg-type]
    except DigitalLinkError:
        return False
    return True


def _check_qualifier(name: str, value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_QUALIFIER_LENGTH:
        raise DigitalLinkError(f"{name} must be 1 to {MAX_QUALIFIER_LENGTH} characters")
    if _CSET82.issuperset(value):
        return
    bad = sorted(set(value) - _CSET82)
    if bad:
        raise DigitalLinkError(f"{name} {value!r} has characters outside GS1 character set 82: {''.join(bad)!r}")


def is_valid_serial(value: str) -> bool:
    """Whether a serial could be on a stamp: 1-20 characters of GS1 character set 82."""
    try:
        _check_qualifier("serial", value)
    except DigitalLinkError:
        return False
    return True


def _encode_segment(value: str) -> str:
    # Everything but RFC 3986 unreserved characters is percent-encoded, which covers the
    # reserved characters GS1 Digital Link 1.1 §6.2 requires encoding ("/", "?", "%", …).
    if _UNRESERVED.fullmatch(value):
        return value  # most lots and every serial: nothing to encode
    return quote(value, safe="")


def _encode_yymmdd(value: date) -> str:
    return value.strftime("%y%m%d")


def _decode_yymmdd(text: str, *, today: date | None = None) -> date:
    if not _YYMMDD.fullmatch(text):
        raise DigitalLinkError(f"date must be YYMMDD, got {text!r}")
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    # GS1 General Specifications §7.12: the century is the one that puts the year within
    # 49 years before or 50 years after the current year.
    this_year = (today or date.today()).year
    century = this_year // 100 * 100
    diff = yy - this_year % 100
    if diff >= 51:
        century -= 100
    elif diff <= -50:
        century += 100
    year = century + yy
    if not 1 <= mm <= 12:
        raise DigitalLinkError(f"date {text} has month {mm:02d}")
    last_day = calendar.monthrange(year, mm)[1]
    # GS1 General Specifications §3.4.4 (AI 15/17): DD = 00 means the last day of the month.
    if dd == 0:
        dd = last_day
    if dd > last_day:
        raise DigitalLinkError(f"date {text} has day {dd:02d}, month has {last_day}")
    return date(year, mm, dd)


@dataclass(frozen=True)
class DigitalLink:
    """A GTIN with optional variant, lot, serial and date attributes.

    The GTIN is stored as its 14-digit form; building an invalid link raises DigitalLinkError.
    """

    gtin: str
    lot: str | None = None
    serial: str | None = None
    variant: str | None = None
    expiry: date | None = None
    production_date: date | None = None
    packing_date: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "gtin", normalize_gtin(self.gtin))
        _check_qualifier("variant", self.variant)
        _check_qualifier("lot", self.lot)
        _check_qualifier("serial", self.serial)
        for _, field in _DATE_ATTRIBUTES:
            value = getattr(self, field)
            if value is not None and not isinstance(value, date):
                raise DigitalLinkError(f"{field} must be a date, got {value!r}")

    @property
    def path(self) -> str:
        """Return the canonical path, e.g. ``/01/08934567890128/10/L1/21/ABC``."""
        parts = [f"/01/{self.gtin}"]
        for ai in _QUALIFIER_ORDER:
            value = getattr(self, _QUALIFIER_FIELDS[ai])
            if value is not None:
                parts.append(f"/{ai}/{_encode_segment(value)}")
        return "".join(parts)

    @property
    def query(self) -> str:
        """Return the date attributes as a query string without "?", e.g. ``17=271231``."""
        return "&".join(
            f"{ai}={_encode_yymmdd(getattr(self, field))}"
            for ai, field in _DATE_ATTRIBUTES
            if getattr(self, field) is not None
        )

    def uri(self, base_url: str) -> str:
        """Return the full URI under base_url (scheme and host, optionally a path prefix)."""
        query = self.query
        return base_url.rstrip("/") + self.path + (f"?{query}" if query else "")


def _query_value(query: Mapping[str, str] | dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    if not isinstance(values, list):  # a Mapping of single values
        return values
    if not values:
        return None
    if len(values) > 1:
        raise DigitalLinkError(f"query attribute {key} is given {len(values)} times")
    return values[0]


def parse_path(
    path: str, query: str | Mapping[str, str] = "", *, today: date | None = None
) -> tuple[DigitalLink, bool]:
    """Parse a Digital Link path (still percent-encoded) and query into a DigitalLink.

    The path must start with the primary key (``/01/`` or legacy ``/gtin/``); pass the raw
    request path, because a decoded one cannot tell ``%2F`` inside a lot from a separator.
    The second value is True when the input is valid but not canonical (legacy short names,
    a GTIN shorter than 14 digits, or a trailing slash), so the caller can redirect to
    ``link.path``. A trailing slash is tolerated for that reason; empty segments elsewhere
    are not. Query attributes other than 11, 13 and 17 are ignored (e.g. ``linkType``);
    ``today`` fixes the YYMMDD century window in tests.

    :raises DigitalLinkError: on any syntax or value error (the resolver answers 400).
    """
    if not path.startswith("/"):
        raise DigitalLinkError("path must start with '/'")
    non_canonical = False
    segments = path[1:].split("/")
    if len(segments) > 1 and segments[-1] == "":
        segments.pop()
        non_canonical = True
    if any(s == "" for s in segments):
        raise DigitalLinkError("path has an empty segment")
    if len(segments) % 2:
        raise DigitalLinkError("path must be pairs of /AI/value")

    pairs: list[tuple[str, str]] = []
    for i in range(0, len(segments), 2):
        key, raw_value = segments[i], segments[i + 1]
        if key in _LEGACY_NAMES:
            key = _LEGACY_NAMES[key]
            non_canonical = True
        if "%" in raw_value:
            if _BAD_ESCAPE.search(raw_value):
                raise DigitalLinkError(f"malformed percent-encoding in {raw_value!r}")
            try:
                raw_value = unquote(raw_value, errors="strict")
            except UnicodeDecodeError:
                raise DigitalLinkError(f"percent-encoding in {raw_value!r} is not UTF-8") from None
        pairs.append((key, raw_value))

    (primary, gtin), *qualifiers = pairs
    if primary != "01":
        raise DigitalLinkError(f"path must start with /01/ (GTIN), got /{primary}/")
    if len(gtin) != 14:
        non_canonical = True  # raises below unless it is a valid GTIN-8/12/13

    fields: dict[str, str] = {}
    position = -1
    for key, value in qualifiers:
        if key not in _QUALIFIER_FIELDS:
            raise DigitalLinkError(f"unknown or misplaced application identifier /{key}/")
        order = _QUALIFIER_POSITION[key]
        # GS1 Digital Link 1.1 §4.4: key qualifiers appear in a fixed order, each once.
        if order <= position:
            raise DigitalLinkError(f"/{key}/ is out of order; the order is /22/, /10/, /21/")
        position = order
        fields[_QUALIFIER_FIELDS[key]] = value

    dates: dict[str, date] = {}
    if isinstance(query, str):
        query = parse_qs(query.lstrip("?"), keep_blank_values=True) if query else {}
    for ai, field in _DATE_ATTRIBUTES:
        text = _query_value(query, ai)
        if text is not None:
            dates[field] = _decode_yymmdd(text, today=today)

    return DigitalLink(gtin=gtin, **fields, **dates), non_canonical

"""Vietnamese text helpers: ASCII folding, slugs, phone numbers, spreadsheet-safe cells (pure, no Flask)."""

import re
import unicodedata

#: C0 controls PostgreSQL refuses (NUL) or no text field means (the rest); tab, newline and
#: carriage return stay, because multi-line fields (stories, addresses, notes) use them.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(value: str) -> str:
    """Return *value* without NUL and the other C0 controls except tab, newline and carriage return."""
    return CONTROL_RE.sub("", value) if CONTROL_RE.search(value) else value


#: Unicode format characters (category Cf: zero-width space and joiners, soft hyphen, BOM,
#: bidi marks, tags). Invisible, so "Ch\u200bè" must read as "Chè"; a literal class, because
#: finding them with unicodedata takes half a second. Unicode 15 (a superset of Python 3.11's 14);
#: tests/unit/test_text_and_formats.py checks it against the running Python's database.
FORMAT_CHARS_RE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def drop_format_chars(text: str) -> str:
    """Return *text* without invisible format characters: 'Ch\u200bè' -> 'Chè'."""
    return text if text.isascii() else FORMAT_CHARS_RE.sub("", text)


def fold(text: str) -> str:
    """Return lowercase ASCII text: 'Chè Tân Cương Đại Từ' -> 'che tan cuong dai tu'."""
    text = unicodedata.normalize("NFD", drop_format_chars(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()


def slugify(text: str, max_length: int = 80) -> str:
    """Return an ASCII slug: 'Chè Tân Cương' -> 'che-tan-cuong'."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "san-pham"


class PhoneError(ValueError):
    """Not a Vietnamese mobile number."""


def normalize_phone(raw: str) -> str:
    """Return a Vietnamese mobile number as E.164 (+84…) or raise PhoneError."""
    # phonenumbers (58 modules) loads when a form gives a number, not in every worker: pages only show
    # stored numbers (display_phone).
    import phonenumbers

    digits = re.sub(r"[\s.\-()]", "", raw or "")
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(raw) from exc
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise PhoneError(raw)
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise PhoneError(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """Show +84912345678 as '0912 345 678'."""
    if not e164:
        return ""
    if e164.startswith("+84") and len(e164) == 12:
        national = "0" + e164[3:]
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    return e164


#: A cell starting with one of these runs as a formula when a spreadsheet opens the CSV (CSV
#: injection); OWASP's advice is a leading single quote, which shows the text as typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """Return *value* for a CSV cell: text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

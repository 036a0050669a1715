"""Vietnamese text helpers: ASCII folding, slugs, phone numbers (pure, no Flask)."""
import re
import unicodedata

import phonenumbers


def fold(text: str) -> str:
    """Return lowercase ASCII text: 'Chè Tân Cương Đại Từ' -> 'che tan cuong dai tu'."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()


def slugify(text: str, max_length: int = 80) -> str:
    """Return an ASCII slug: 'Chè Tân Cương' -> 'che-tan-cuong'."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "san-pham"


class PhoneError(ValueError):
    """Not a Vietnamese mobile number."""


def normalize_phone(raw: str) -> str:
    """Return a Vietnamese mobile number as E.164 (+84…) or raise PhoneError."""
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

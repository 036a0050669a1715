"""Serials and short codes: random Crockford base32 codes we print, and reading them back as typed or scanned."""

import secrets

from traceability.identifiers.digital_link import MAX_QUALIFIER_LENGTH, DigitalLinkError

#: Crockford base32: digits and upper-case letters without I, L, O, U, so a serial read
#: aloud or retyped from a label cannot confuse 0/O or 1/I/L. 32 symbols = 5 bits each.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

SHORT_CODE_PREFIX = "/t/"
_MIN_SHORT_CODE_LENGTH = 6


def new_serial(length: int = 10) -> str:
    """Return a random serial of length characters from CODE_ALPHABET (5 bits each)."""
    if not 1 <= length <= MAX_QUALIFIER_LENGTH:
        raise ValueError(f"serial length must be 1 to {MAX_QUALIFIER_LENGTH}")
    # secrets, not random: serials must not be guessable from ones already printed.
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_short_code(length: int = 10) -> str:
    """Return a random short code for a product without a GTIN."""
    if not _MIN_SHORT_CODE_LENGTH <= length <= MAX_QUALIFIER_LENGTH:
        raise ValueError(f"short code length must be {_MIN_SHORT_CODE_LENGTH} to {MAX_QUALIFIER_LENGTH}")
    return new_serial(length)


# Crockford base32 decoding: letters easily misread on a label map to the digit they resemble.
_SHORT_CODE_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def parse_short_code(code: str) -> str:
    """Return the canonical (upper-case) form of a short code typed or scanned by a user.

    :raises DigitalLinkError: if the code has a wrong length or characters outside the alphabet.
    """
    if not isinstance(code, str) or not (_MIN_SHORT_CODE_LENGTH <= len(code) <= MAX_QUALIFIER_LENGTH):
        raise DigitalLinkError(f"short code must be {_MIN_SHORT_CODE_LENGTH} to {MAX_QUALIFIER_LENGTH} characters")
    canonical = code.upper().translate(_SHORT_CODE_FIXES)
    if any(c not in CODE_ALPHABET for c in canonical):
        raise DigitalLinkError(f"short code {code!r} has characters outside {CODE_ALPHABET}")
    return canonical


def canonical_serial(serial: str) -> str:
    """Return a serial as we issue it (Crockford base32, upper case) when it reads as one, else unchanged.

    Every serial we print comes from new_serial, so "p270kqz9hn" or "P27OKQZ9HN" can only mean
    "P270KQZ9HN"; a serial with other characters is left as typed (and stays unknown).
    """
    canonical = serial.upper().translate(_SHORT_CODE_FIXES)
    if all(c in CODE_ALPHABET for c in canonical):
        return canonical
    return serial


def short_path(code: str) -> str:
    """Return the non-GS1 path ``/t/{code}`` for a product without a GTIN."""
    return SHORT_CODE_PREFIX + parse_short_code(code)

"""Unit tests for GS1 Digital Link building and parsing."""

from datetime import date

import pytest

from traceability.identifiers.codes import CODE_ALPHABET, new_serial, new_short_code, parse_short_code, short_path
from traceability.identifiers.digital_link import (
    DigitalLink,
    DigitalLinkError,
    gtin_check_digit,
    is_valid_gtin,
    normalize_gtin,
    parse_path,
)

GTIN = "08934567890120"  # Vietnam prefix 893, valid mod-10 check digit
TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("893456789012", 0),
        ("03600029145", 2),  # UPC-A 036000291452
        ("1234567", 0),  # GTIN-8 12345670
        ("400638133393", 1),  # EAN-13 4006381333931
        ("0000000000000", 0),
    ],
)
def test_check_digit_follows_gs1_mod10(body, check):
    assert gtin_check_digit(body) == check


@pytest.mark.parametrize(
    ("gtin", "normalized"),
    [
        ("12345670", "00000012345670"),
        ("036000291452", "00036000291452"),
        ("8934567890120", "08934567890120"),
        ("08934567890120", "08934567890120"),
        ("4006381333931", "04006381333931"),
    ],
)
def test_gtin_8_12_13_are_zero_padded_to_14(gtin, normalized):
    assert normalize_gtin(gtin) == normalized
    assert is_valid_gtin(gtin)


@pytest.mark.parametrize(
    "gtin",
    [
        "08934567890128",  # wrong check digit
        "8934567890121",
        "12345678",
        "1234567",  # 7 digits
        "123456789",  # 9 digits
        "089345678901200",  # 15 digits
        "0893456789012A",
        "",
        "８９３４５６７８９０１２０",  # full-width digits are not GS1 digits
        " 8934567890120",
    ],
)
def test_invalid_gtins_are_rejected(gtin):
    assert not is_valid_gtin(gtin)
    with pytest.raises(DigitalLinkError):
        normalize_gtin(gtin)


def test_is_valid_gtin_is_false_for_non_strings():
    assert not is_valid_gtin(8934567890120)
    assert not is_valid_gtin(None)


@pytest.mark.parametrize(
    ("link", "path", "query"),
    [
        (DigitalLink(GTIN), f"/01/{GTIN}", ""),
        (DigitalLink("8934567890120", lot="L2026-01"), f"/01/{GTIN}/10/L2026-01", ""),
        (
            DigitalLink(GTIN, lot="L1", serial="ABCDEFGHJK", variant="2"),
            f"/01/{GTIN}/22/2/10/L1/21/ABCDEFGHJK",
            "",
        ),
        (DigitalLink(GTIN, serial="X9"), f"/01/{GTIN}/21/X9", ""),
        (DigitalLink(GTIN, lot="A/B"), f"/01/{GTIN}/10/A%2FB", ""),
        (DigitalLink(GTIN, lot="50%"), f"/01/{GTIN}/10/50%25", ""),
        (DigitalLink(GTIN, lot="a?b"), f"/01/{GTIN}/10/a%3Fb", ""),
        (DigitalLink(GTIN, expiry=date(2027, 12, 31)), f"/01/{GTIN}", "17=271231"),
        (
            DigitalLink(
                GTIN,
                expiry=date(2027, 12, 31),
                production_date=date(2026, 1, 5),
                packing_date=date(2026, 1, 6),
            ),
            f"/01/{GTIN}",
            "11=260105&13=260106&17=271231",
        ),
    ],
)
def test_links_build_canonical_path_and_query(link, path, query):
    assert link.path == path
    assert link.query == query


def test_uri_joins_base_url_path_and_query():
    link = DigitalLink(GTIN, lot="L1", serial="S1", expiry=date(2027, 1, 31))
    expected = f"https://ocop.example.vn/01/{GTIN}/10/L1/21/S1?17=270131"
    assert link.uri("https://ocop.example.vn") == expected
    assert link.uri("https://ocop.example.vn/") == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lot": ""},
        {"lot": "A" * 21},
        {"serial": "S" * 21},
        {"serial": "has space"},
        {"lot": "Lô1"},  # ô is outside character set 82
        {"serial": "A#B"},
        {"variant": "v~1"},
        {"lot": "tab\there"},
        {"expiry": "2027-12-31"},
    ],
)
def test_invalid_qualifiers_cannot_be_built(kwargs):
    with pytest.raises(DigitalLinkError):
        DigitalLink(GTIN, **kwargs)


def test_twenty_character_serial_is_allowed():
    assert DigitalLink(GTIN, serial="S" * 20).serial == "S" * 20


@pytest.mark.parametrize(
    ("path", "query", "expected", "non_canonical"),
    [
        (f"/01/{GTIN}", "", DigitalLink(GTIN), False),
        (f"/01/{GTIN}/10/L1/21/ABC", "", DigitalLink(GTIN, lot="L1", serial="ABC"), False),
        (f"/01/{GTIN}/22/V1/10/L1", "", DigitalLink(GTIN, lot="L1", variant="V1"), False),
        (f"/01/{GTIN}/21/ABC", "", DigitalLink(GTIN, serial="ABC"), False),
        ("/01/8934567890120/10/L1", "", DigitalLink(GTIN, lot="L1"), True),
        ("/01/12345670", "", DigitalLink("00000012345670"), True),
        ("/01/036000291452", "", DigitalLink("00036000291452"), True),
        (f"/gtin/{GTIN}/lot/L1/ser/ABC", "", DigitalLink(GTIN, lot="L1", serial="ABC"), True),
        (f"/01/{GTIN}/lot/L1", "", DigitalLink(GTIN, lot="L1"), True),
        (f"/gtin/{GTIN}/cpv/V/lot/L", "", DigitalLink(GTIN, lot="L", variant="V"), True),
        (f"/01/{GTIN}/10/L1/", "", DigitalLink(GTIN, lot="L1"), True),
        (f"/01/{GTIN}/10/A%2FB%25C", "", DigitalLink(GTIN, lot="A/B%C"), False),
        (f"/01/{GTIN}/10/A%2fB", "", DigitalLink(GTIN, lot="A/B"), False),
        (f"/01/{GTIN}/21/x(1)", "", DigitalLink(GTIN, serial="x(1)"), False),
        (f"/01/{GTIN}", "17=271231", DigitalLink(GTIN, expiry=date(2027, 12, 31)), False),
        (f"/01/{GTIN}", "?17=270200", DigitalLink(GTIN, expiry=date(2027, 2, 28)), False),
        (f"/01/{GTIN}", "17=280200", DigitalLink(GTIN, expiry=date(2028, 2, 29)), False),
        (f"/01/{GTIN}", "17=991231", DigitalLink(GTIN, expiry=date(1999, 12, 31)), False),
        (
            f"/01/{GTIN}",
            "11=260105&13=260106&linkType=gs1:pip",
            DigitalLink(GTIN, production_date=date(2026, 1, 5), packing_date=date(2026, 1, 6)),
            False,
        ),
        (f"/01/{GTIN}", {"17": "271231"}, DigitalLink(GTIN, expiry=date(2027, 12, 31)), False),
    ],
)
def test_valid_paths_parse(path, query, expected, non_canonical):
    assert parse_path(path, query, today=TODAY) == (expected, non_canonical)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/01/08934567890128", ""),  # wrong check digit
        (f"/01/{GTIN}/21/ABC/10/L1", ""),  # serial before lot
        (f"/01/{GTIN}/10/L1/22/V", ""),  # variant after lot
        (f"/01/{GTIN}/10/L1/10/L2", ""),  # repeated AI
        (f"/01/{GTIN}/21/" + "S" * 21, ""),
        (f"/01/{GTIN}/10/" + "L" * 21, ""),
        (f"/01/{GTIN}/10/L%201", ""),  # space is not in character set 82
        (f"/01/{GTIN}/10/L%C3%B41", ""),  # "ô"
        (f"/01/{GTIN}/21/A%23B", ""),  # "#"
        (f"/01/{GTIN}/10/L%ZZ", ""),  # malformed escape
        (f"/01/{GTIN}/10/L%2", ""),
        (f"/01/{GTIN}/10/%FF", ""),  # not UTF-8
        (f"/01/{GTIN}//10/L1", ""),
        (f"/01/{GTIN}/10//21/S", ""),
        (f"/01/{GTIN}/10/", ""),
        (f"/01/{GTIN}//", ""),
        ("/01/", ""),
        ("/01", ""),
        ("/", ""),
        ("", ""),
        (f"01/{GTIN}", ""),
        (f"/01/{GTIN}/99/X", ""),  # unknown AI
        (f"/01/{GTIN}/01/{GTIN}", ""),
        (f"/10/L1/01/{GTIN}", ""),
        (f"/00/{GTIN}", ""),
        (f"/x/y/01/{GTIN}", ""),
        (f"/01/{GTIN}", "17=271301"),  # month 13
        (f"/01/{GTIN}", "17=270230"),  # 30 February
        (f"/01/{GTIN}", "17=270229"),  # 2027 is not a leap year
        (f"/01/{GTIN}", "17=2712"),
        (f"/01/{GTIN}", "17=27123A"),
        (f"/01/{GTIN}", "17="),
        (f"/01/{GTIN}", "11=261500"),
        (f"/01/{GTIN}", "17=271231&17=281231"),
    ],
)
def test_invalid_paths_raise(path, query):
    with pytest.raises(DigitalLinkError):
        parse_path(path, query, today=TODAY)


@pytest.mark.parametrize(
    "lot",
    ["A/B", "50%", 'q"<>?', "!&'()*+,-.:;=_", "L2026-01", "Zz09"],
)
def test_percent_encoding_round_trips(lot):
    link = DigitalLink(GTIN, lot=lot, serial=lot[::-1], expiry=date(2027, 12, 31))
    assert parse_path(link.path, link.query, today=TODAY) == (link, False)


def test_digital_link_error_is_a_value_error_with_a_message():
    with pytest.raises(ValueError, match="check digit"):
        parse_path("/01/08934567890128")


def test_serials_are_ten_characters_of_the_alphabet():
    serials = [new_serial() for _ in range(2000)]
    assert all(len(s) == 10 and set(s) <= set(CODE_ALPHABET) for s in serials)
    assert len(set(serials)) == len(serials)
    # With 20,000 draws every one of the 32 symbols shows up (miss chance ~ 32·e^-625).
    assert set("".join(serials)) == set(CODE_ALPHABET)


def test_alphabet_has_no_ambiguous_characters():
    assert len(CODE_ALPHABET) == 32
    assert not set("ILOU") & set(CODE_ALPHABET)


def test_serials_are_valid_digital_link_serials():
    serial = new_serial()
    assert parse_path(f"/01/{GTIN}/21/{serial}")[0].serial == serial


@pytest.mark.parametrize("length", [0, 21])
def test_serial_length_is_bounded(length):
    with pytest.raises(ValueError):
        new_serial(length)


def test_short_codes_round_trip_through_short_path():
    code = new_short_code()
    assert len(code) == 10
    assert short_path(code) == f"/t/{code}"
    assert parse_short_code(code) == code


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("abcdefghjk", "ABCDEFGHJK"), ("O0IL1ABCDE", "00111ABCDE")],
)
def test_short_codes_are_read_leniently(typed, canonical):
    assert parse_short_code(typed) == canonical


@pytest.mark.parametrize("code", ["", "ABC12", "A" * 21, "ABCDEFGHJ!", "ABCDEFGHJU", "ABCDE FGHJ"])
def test_invalid_short_codes_raise(code):
    with pytest.raises(DigitalLinkError):
        parse_short_code(code)
    with pytest.raises(DigitalLinkError):
        short_path(code)

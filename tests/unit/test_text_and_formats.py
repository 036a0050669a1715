"""Pure helpers: folding, slugs, phone numbers, money and date formats, month arithmetic."""

from datetime import date

import pytest

from storefront.clock import add_months
from storefront.filters import month_short, vnd
from storefront.text import PhoneError, display_phone, fold, normalize_phone, slugify, spreadsheet_cell


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Chè Tân Cương Đại Từ", "che tan cuong dai tu"),
        ("đậu xanh", "dau xanh"),
        ("MIẾN DONG", "mien dong"),
        ("Che\u0300 Ta\u0302n", "che tan"),  # decomposed (NFD) input
    ],
)
def test_fold_removes_vietnamese_diacritics_including_d_bar(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Chè Tân Cương", "che-tan-cuong"),
        ("Trà 'tôm nõn' – hương quê!", "tra-tom-non-huong-que"),
        ("  ", "san-pham"),
        ("Miến dong Tài Hoan 500 g", "mien-dong-tai-hoan-500-g"),
    ],
)
def test_slugify_folds_to_ascii(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0912345678", "+84912345678"),
        ("091 234 5678", "+84912345678"),
        ("+84 912.345.678", "+84912345678"),
        ("0387654321", "+84387654321"),
    ],
)
def test_vietnamese_mobile_numbers_are_stored_as_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "12345", "0212345678", "091234567", "09123456789", "abc", "+14155550123"])
def test_numbers_that_are_not_vietnamese_mobiles_are_refused(raw):
    with pytest.raises(PhoneError):
        normalize_phone(raw)


def test_phone_is_displayed_in_national_groups():
    assert display_phone("+84912345678") == "0912 345 678"


@pytest.mark.parametrize(
    ("amount", "text"),
    [(120_000, "120.000\u00a0₫"), (0, "0\u00a0₫"), (1_250_000, "1.250.000\u00a0₫"), (999, "999\u00a0₫")],
)
def test_vnd_uses_dot_groups_a_no_break_space_and_the_dong_sign(amount, text):
    assert vnd(amount) == text


@pytest.mark.parametrize("amount", [0, 7, -5, 999, 1_000, -1_000, 85_000, 1_250_000, -999_999, 10**12, 10**15 + 1])
def test_vnd_groups_as_babel_does_for_vietnamese(amount):
    from babel.numbers import format_decimal

    assert vnd(amount) == f"{format_decimal(amount, locale='vi')}\u00a0₫"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2023, 5, 10), 36, date(2026, 5, 10)),
        (date(2024, 2, 29), 36, date(2027, 2, 28)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("value", "text"), [("2026-10", "10/2026"), ("2027-03", "03/2027"), (date(2026, 1, 31), "01/2026")]
)
def test_a_short_month_is_its_figures_for_a_chart_label_on_a_phone(value, text):
    assert month_short(value) == text


def test_the_format_character_class_covers_every_cf_character_of_this_python():
    import sys
    import unicodedata

    from storefront.text import FORMAT_CHARS_RE

    cf = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    matched = {chr(c) for c in range(sys.maxunicode + 1) if FORMAT_CHARS_RE.match(chr(c))}
    assert cf <= matched
    assert {unicodedata.category(ch) for ch in matched - cf} <= {"Cn"}  # newer Unicode's Cf, unassigned here


def test_fold_drops_format_characters():
    from storefront.text import fold

    assert fold("Ch\u200bè Tân\u00ad Cương") == "che tan cuong"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+84 912", "'+84 912"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Chè = ngon", "Chè = ngon"),
        ("", ""),
        (-5, -5),  # a number is a number, not a formula
        (None, None),
    ],
)
def test_a_spreadsheet_cell_never_starts_a_formula(value, cell):
    assert spreadsheet_cell(value) == cell

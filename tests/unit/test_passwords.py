"""Password strength rules (zxcvbn score ≥ 3, nothing from the e-mail or name)."""

import pytest

from storefront.accounts.passwords import CHECKED_LENGTH, contains_personal_words, is_guessable, personal_words


@pytest.mark.parametrize("password", ["12345678", "password", "aaaaaaaa", "demo1234", "qwertyuiop", "matkhau123"])
def test_guessable_passwords(password):
    assert is_guessable(password)


@pytest.mark.parametrize(
    "password", ["tre xanh giua dong 7", "correct horse 9", "mat-khau-moi-1", "Ấm chè Tân Cương 2026"]
)
def test_strong_passwords(password):
    assert not is_guessable(password)


def test_a_name_alone_is_guessable_once_the_checker_knows_it():
    assert not is_guessable("nguyenthihoa1990x")
    assert is_guessable("nguyenthihoa1990x", full_name="Nguyễn Thị Hoa")


def test_personal_words_are_folded_and_skip_short_parts():
    assert personal_words(email="Hoa.Nguyen@example.vn", full_name="Nguyễn Thị Hoa") == [
        "hoanguyen",
        "nguyenthihoa",
        "nguyen",
        "hoa",
    ]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Hoa.Nguyen!2026", True),  # punctuation and case are dropped before comparing
        ("hoan-guyen-xyz", True),
        ("thi nghiem che 7", False),  # "thi" is too short to count on its own
        ("NguyenThiHoa-99", True),
        ("hoa-sen-tim-42", True),
        ("mây trắng bay xa", False),
    ],
)
def test_passwords_holding_the_name_or_email(password, expected):
    assert contains_personal_words(password, email="hoa.nguyen@example.vn", full_name="Nguyễn Thị Hoa") is expected


def test_very_long_passwords_are_judged_on_their_first_characters_only(monkeypatch):
    """zxcvbn's time grows fast with length: a 410-character password is judged on its first
    CHECKED_LENGTH characters (the real zxcvbn, watched for what it is given; no clock)."""
    import zxcvbn as library

    real, seen = library.zxcvbn, []

    def watched(password, user_inputs=None):
        seen.append(password)
        return real(password, user_inputs=user_inputs)

    monkeypatch.setattr(library, "zxcvbn", watched)
    long_password = "x" * 50 + "tre xanh giua dong" * 20
    assert not is_guessable(long_password)
    assert seen == [long_password[:CHECKED_LENGTH]] and CHECKED_LENGTH < len(long_password)

"""VietQR payloads: CRC, TLV layout, amounts, and the inputs that are refused."""

import pytest

from storefront.checkout.vietqr import (
    VietQRError,
    crc16_ccitt,
    fold_message,
    parse_tlv,
    vietqr_payload,
)

# Published payloads. Each ends in its own CRC, so each is a CRC test vector.
#  - subiz/vietqr README (github.com/subiz/vietqr): 120.000 ₫ to Vietinbank-BIN 970415,
#    memo "ủng hộ lũ lụt" sent lower-case.
#  - a real payOS (pay.payos.vn) QR found in a public SQL dump: letter-and-digit
#    virtual account at BIN 970422 (MB), memo "TL89 100".
SUBIZ_SAMPLE = (
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
    "530370454061200005802VN62170813ung ho lu lut6304C15C"
)
PAYOS_SAMPLE = (
    "00020101021238570010A000000727012700069704220113VQRQADAIJ55120208QRIBFTTA"
    "5303704540470005802VN62120808TL89 1006304E346"
)


def test_crc_matches_the_standard_check_value():
    assert crc16_ccitt(b"123456789") == 0x29B1


@pytest.mark.parametrize("sample", [SUBIZ_SAMPLE, PAYOS_SAMPLE])
def test_crc_matches_published_payloads(sample):
    body, crc = sample[:-4], sample[-4:]
    assert body.endswith("6304")
    assert f"{crc16_ccitt(body.encode('ascii')):04X}" == crc


def test_payload_reproduces_the_published_payos_qr():
    payload = vietqr_payload(bank_bin="970422", account="VQRQADAIJ5512", amount_vnd=7000, message="TL89 100")
    assert payload == PAYOS_SAMPLE


def test_payload_matches_the_subiz_sample_but_with_the_memo_upper_cased():
    payload = vietqr_payload(bank_bin="970415", account="0011001932418", amount_vnd=120000, message="ủng hộ lũ lụt")
    ours, theirs = parse_tlv(payload), parse_tlv(SUBIZ_SAMPLE)
    assert ours["62"] == "0813UNG HO LU LUT"
    assert {k: v for k, v in ours.items() if k not in ("62", "63")} == {
        k: v for k, v in theirs.items() if k not in ("62", "63")
    }


def test_payload_round_trips_through_tlv():
    payload = vietqr_payload(bank_bin="970436", account="1023456789", amount_vnd=1_943_000, message="OC-2026-000123")
    top = parse_tlv(payload)
    assert list(top) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert top["00"] == "01"
    assert top["01"] == "12"
    assert top["53"] == "704"
    assert top["54"] == "1943000"
    assert top["58"] == "VN"
    merchant = parse_tlv(top["38"])
    assert merchant == {"00": "A000000727", "01": "000697043601101023456789", "02": "QRIBFTTA"}
    assert parse_tlv(merchant["01"]) == {"00": "970436", "01": "1023456789"}
    assert parse_tlv(top["62"]) == {"08": "OC-2026-000123"}
    assert top["63"] == f"{crc16_ccitt(payload[:-4].encode('ascii')):04X}"


def test_lengths_are_always_two_digits():
    payload = vietqr_payload(bank_bin="970436", account="1", amount_vnd=5, message="A")
    top = parse_tlv(payload)
    assert payload.startswith("000201010212")
    assert "54015" in payload
    assert top["54"] == "5"
    assert parse_tlv(top["62"]) == {"08": "A"}


@pytest.mark.parametrize(
    ("amount", "field"),
    [(1, "1"), (120_000, "120000"), (1_943_000, "1943000"), (9_999_999_999_999, "9999999999999")],
)
def test_amount_is_whole_dong_without_separators(amount, field):
    payload = vietqr_payload(bank_bin="970436", account="1023456789", amount_vnd=amount, message="X")
    assert parse_tlv(payload)["54"] == field


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Chè Tân Cương Đại Từ", "CHE TAN CUONG DAI TU"),
        ("  đơn   hàng  OC-1 ", "DON HANG OC-1"),
        ("Mật ong bạc hà", "MAT ONG BAC HA"),
    ],
)
def test_message_folds_diacritics_and_case(text, folded):
    assert fold_message(text) == folded


GOOD = {"bank_bin": "970436", "account": "1023456789", "amount_vnd": 120_000, "message": "OC-1"}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"bank_bin": "97043A"}, "BIN with a letter"),
        ({"bank_bin": "97043"}, "BIN of 5 digits"),
        ({"bank_bin": "9704360"}, "BIN of 7 digits"),
        ({"bank_bin": 970436}, "BIN as a number"),
        ({"account": ""}, "empty account"),
        ({"account": "1023-456"}, "account with punctuation"),
        ({"account": "1" * 20}, "account over 19 characters"),
        ({"amount_vnd": 0}, "zero amount"),
        ({"amount_vnd": -1000}, "negative amount"),
        ({"amount_vnd": 1200.5}, "fractional amount"),
        ({"amount_vnd": 120_000.0}, "float amount"),
        ({"amount_vnd": True}, "bool amount"),
        ({"amount_vnd": 10**13}, "amount over 13 digits"),
        ({"message": ""}, "empty message"),
        ({"message": "   "}, "blank message"),
        ({"message": "OC_1"}, "underscore"),
        ({"message": "OC#1"}, "hash"),
        ({"message": "Đơn hàng số 1 của chị Hoa."}, "full stop, and too long"),
        ({"message": "A" * 26}, "26 characters"),
        ({"message": "猫"}, "not Latin"),
    ],
)
def test_bad_input_is_refused(change, why):
    with pytest.raises(VietQRError):
        vietqr_payload(**{**GOOD, **change})


def test_message_of_exactly_25_characters_is_accepted():
    payload = vietqr_payload(**{**GOOD, "message": "A" * 25})
    assert parse_tlv(parse_tlv(payload)["62"]) == {"08": "A" * 25}


@pytest.mark.parametrize("broken", ["0002", "00020", "0A0201", "000201" + "0103AB"])
def test_malformed_tlv_is_refused(broken):
    with pytest.raises(VietQRError):
        parse_tlv(broken)


def test_vietqr_error_is_a_value_error():
    assert issubclass(VietQRError, ValueError)

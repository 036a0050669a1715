"""NAPAS VietQR (EMVCo merchant-presented) payloads for bank transfers; pure, no Flask."""

import re
import unicodedata

#: NAPAS GUID inside merchant account information (tag 38, sub-tag 00).
NAPAS_GUID = "A000000727"
#: Service code "inter-bank fund transfer 24/7 to account".
SERVICE_TO_ACCOUNT = "QRIBFTTA"
#: ISO 4217 numeric code of the Vietnamese đồng.
CURRENCY_VND = "704"
#: Longest message banks keep: EMVCo tag 62-08 "purpose of transaction" is "ans ..25".
MESSAGE_MAX_LEN = 25
#: EMVCo tag 54 "transaction amount" holds at most 13 characters.
AMOUNT_MAX_VND = 10**13 - 1
#: EMVCo tag 38-01-01 (account or virtual account) is "ans ..19"; payOS and other
#: gateways issue letter-and-digit virtual accounts, so letters are allowed.
ACCOUNT_MAX_LEN = 19

_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(rf"[A-Z0-9]{{1,{ACCOUNT_MAX_LEN}}}")
_MESSAGE = re.compile(rf"[A-Z0-9 -]{{1,{MESSAGE_MAX_LEN}}}")


class VietQRError(ValueError):
    """Input that cannot go into a VietQR payload, or a payload that is malformed."""


def crc16_ccitt(data: bytes) -> int:
    """Return the CRC-16/CCITT-FALSE of *data* (poly 0x1021, init 0xFFFF, no reflection)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def fold_message(text: str) -> str:
    """Return *text* without Vietnamese diacritics, upper-cased, with single spaces.

    Bank transfer memos are matched against the order code when the shop
    reconciles its statement, and banks handle non-ASCII memos inconsistently
    (some drop the marks, some drop the whole character, some reject the
    transfer), so the memo is reduced to what every bank keeps.
    """
    # "đ"/"Đ" are letters of their own, not "d" plus a combining mark.
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split()).upper()


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"value of tag {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def vietqr_payload(*, bank_bin: str, account: str, amount_vnd: int, message: str) -> str:
    """Build the dynamic VietQR payload asking for *amount_vnd* đồng to *account* at *bank_bin*.

    :param message: the order code; diacritics are folded and letters upper-cased,
        then only A-Z, 0-9, space and "-" are allowed, at most 25 characters.
    :raises VietQRError: on a BIN that is not 6 digits, a bad account, an amount
        that is not a positive whole number of đồng, or a message that does not fit.
    """
    if not isinstance(bank_bin, str) or not _BIN.fullmatch(bank_bin):
        raise VietQRError(f"bank BIN must be 6 digits, got {bank_bin!r}")
    if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
        raise VietQRError(f"account must be 1-{ACCOUNT_MAX_LEN} characters A-Z or 0-9, got {account!r}")
    # bool is an int subclass; True đồng is a bug, not an amount.
    if type(amount_vnd) is not int or not 0 < amount_vnd <= AMOUNT_MAX_VND:
        raise VietQRError(f"amount must be a whole number of đồng from 1, got {amount_vnd!r}")
    if not isinstance(message, str):
        raise VietQRError(f"message must be text, got {message!r}")
    folded = fold_message(message)
    if not _MESSAGE.fullmatch(folded):
        raise VietQRError(
            f"message must be 1-{MESSAGE_MAX_LEN} characters A-Z, 0-9, space or '-' "
            f"after folding diacritics, got {folded!r}"
        )

    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        _tlv("00", "01")  # payload format indicator
        + _tlv("01", "12")  # 12 = dynamic: this QR is for one amount
        + _tlv("38", merchant)
        + _tlv("53", CURRENCY_VND)
        + _tlv("54", str(amount_vnd))
        + _tlv("58", "VN")
        + _tlv("62", _tlv("08", folded))
        + "6304"
    )
    return body + f"{crc16_ccitt(body.encode('ascii')):04X}"


def parse_tlv(payload: str) -> dict[str, str]:
    """Split one level of EMVCo tag-length-value text into ``{tag: value}``, in order.

    Nested templates (tags 38 and 62) come back as text; parse their values again.

    :raises VietQRError: on a length that is not two digits or runs past the end.
    """
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(payload):
        head = payload[pos : pos + 4]
        if len(head) < 4 or not head.isdigit():
            raise VietQRError(f"bad tag/length {head!r} at offset {pos}")
        tag, length = head[:2], int(head[2:])
        value = payload[pos + 4 : pos + 4 + length]
        if len(value) != length:
            raise VietQRError(f"tag {tag} at offset {pos} runs past the end")
        if tag in fields:
            raise VietQRError(f"tag {tag} appears twice")
        fields[tag] = value
        pos += 4 + length
    return fields


def vietqr_png(payload: str, *, box_size: int = 8) -> bytes:
    """Render a payload as a PNG QR code (error correction M, 4-module quiet zone)."""
    import io

    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()

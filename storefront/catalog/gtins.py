"""A producer's GTINs lie under the GS1 company prefix GS1 Vietnam licensed to it.

GS1 General Specifications: a GTIN-13 begins with its owner's company prefix (GS1 Vietnam's begin
with 893, the only ones recorded here); the 14-digit form we store is it behind a leading 0 (or a case's indicator digit).
The office records each producer's prefix from its licence (office/approvals.py); a producer
without one sells without a GTIN, its stamps on the non-GS1 /t/ path. So nobody can claim
another company's GTIN (its scans would come to our resolver) and a mistyped GTIN with a valid
check digit is caught. GTINs entered before prefixes were recorded stay until changed.
"""

from flask_babel import gettext as _

#: Lengths of a GS1 company prefix (GS1 General Specifications 1.4.4: 6 to 12 digits).
PREFIX_LENGTHS = range(6, 13)
#: GS1 Vietnam's prefix: every company prefix it licenses begins with it. Others are refused: the
#: ranges of in-store numbers (02, 04, 2), coupons (05, 98, 99) and GTIN-8s (0000) belong to no company.
VIETNAM = "893"


def clean_prefix(raw: str | None) -> str:
    """Return a company prefix as digits ("" for none), or raise ValueError with a message to show."""
    text = (raw or "").strip().replace(" ", "")
    if not text:
        return ""
    if not (text.isascii() and text.isdigit()) or len(text) not in PREFIX_LENGTHS or not text.startswith(VIETNAM):
        raise ValueError(_("Mã doanh nghiệp GS1 gồm 6 đến 12 chữ số (ở Việt Nam bắt đầu bằng 893)."))
    return text


def is_under(gtin: str, prefix: str) -> bool:
    """Whether a 14-digit GTIN lies under the prefix (its digits after the indicator begin with it)."""
    return bool(prefix) and gtin[1:].startswith(prefix)


def gtin_refusal(gs1_prefix: str, gtin: str | None) -> str | None:
    """Why a producer with this prefix may not give a product this GTIN; None when it may."""
    if gtin is None:
        return None
    if not gs1_prefix:
        return _(
            "Cơ sở chưa có mã doanh nghiệp GS1 do Văn phòng OCOP ghi nhận, nên chưa gắn được GTIN. "
            "Để trống ô này (tem dùng đường dẫn /t/), hoặc gửi giấy chứng nhận mã số mã vạch cho Văn phòng OCOP."
        )
    if gtin.startswith("000000"):  # a GTIN-8: GS1 Vietnam licenses those one by one, under no company prefix
        return _("GTIN-8 không thuộc mã doanh nghiệp GS1 nào: hãy dùng GTIN-13 theo mã %(prefix)s.", prefix=gs1_prefix)
    if not is_under(gtin, gs1_prefix):
        return _("GTIN này không thuộc mã doanh nghiệp GS1 %(prefix)s của cơ sở.", prefix=gs1_prefix)
    return None

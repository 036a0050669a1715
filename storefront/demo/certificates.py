"""Demo certificates: issued by the OCOP rules in force on the decision day, marked as demo.

A real product gets a certificate only when its CSV row gives both its stars and its year of
recognition; it is then dated by that year only, with no decision number or day (none is
invented). A row without a year gets no certificate: the demo never dates a decision no source
dates. Revoked
and lapsed certificates are shown on fictional products only (storefront/demo/fictional.py).
"""

from datetime import date, timedelta

from storefront.addresses import format_address
from storefront.catalog.models import Certificate, CriteriaSet, IssuingLevel, Producer
from storefront.clock import add_months
from storefront.demo.batches import vn_moment

#: Decision 148/QĐ-TTg (24/02/2023) replaced 1048/QĐ-TTg (2019).
CRITERIA_148_FROM = date(2023, 2, 24)
#: Decision 1489/QĐ-TTg: from 07/2025 the province certifies 3–4★ (districts were abolished).
PROVINCE_CERTIFIES_FROM = date(2025, 7, 1)
#: The Ministry of Agriculture and Environment exists since 03/2025 (merger of MARD and MONRE).
MAE_FROM = date(2025, 3, 1)
#: OCOP certificates are valid 36 months from the decision.
VALIDITY_MONTHS = 36


def real_certificate(product, producer, stars, year) -> Certificate:
    """Return the certificate of a real product recognised in `year` (from its CSV row).

    The sources give the stars and the year, not the decision's number or day, so none is invented:
    the certificate is dated by year only (decision_day_known=False). Its validity is counted from 1
    January of that year, the earliest day it can end, so the badge is never shown past its real
    expiry; the issuing body follows the rules in force in the middle of that year.
    """
    decided = date(year, 1, 1)
    rules_day = date(year, 7, 1)
    criteria = CriteriaSet.QD_148_2023 if rules_day >= CRITERIA_148_FROM else CriteriaSet.QD_1048_2019
    level, body, _suffix = issuer(producer, stars, rules_day, criteria)
    after_reform = rules_day >= PROVINCE_CERTIFIES_FROM
    return Certificate(
        product=product,
        stars=stars,
        criteria_set=criteria,
        issuing_level=level,
        issuing_body=body,
        decision_number="",
        decision_date=decided,
        decision_day_known=False,
        valid_until=add_months(decided, VALIDITY_MONTHS),
        producer_name=producer.name,
        producer_address=(
            format_address(producer.street, producer.ward_code, producer.province_code)
            if after_reform and producer.ward_code
            else producer.legacy_address
        ),
    )


def fictional_certificate(today, product, producer, stars, age_days, number, *, revoked=False) -> Certificate:
    """Return a demo certificate of a fictional product, decided `age_days` ago by a fictional council."""
    decision_date = today - timedelta(days=age_days)
    certificate = Certificate(
        product=product,
        stars=stars,
        criteria_set=CriteriaSet.QD_148_2023,
        issuing_level=IssuingLevel.CENTRAL if stars == 5 else IssuingLevel.PROVINCE,
        issuing_body="Hội đồng OCOP hư cấu (dữ liệu minh hoạ)",
        decision_number=number,
        decision_date=decision_date,
        valid_until=add_months(decision_date, VALIDITY_MONTHS),
        producer_name=producer.name,
        producer_address=format_address(producer.street, producer.ward_code, producer.province_code),
    )
    if revoked:
        certificate.is_revoked = True
        certificate.revoked_reason = (
            "Dữ liệu hư cấu: chứng nhận bị thu hồi để trình diễn giao diện, không phải quyết định thật."
        )
        certificate.revoked_at = vn_moment(today - timedelta(days=20), 10)
    return certificate


def count_certificate(certificate: Certificate, today: date, summary) -> None:
    """Add a certificate to the summary's valid, expired or revoked count."""
    if certificate.is_revoked:
        summary.certificates_revoked += 1
    elif certificate.is_valid_on(today):
        summary.certificates_valid += 1
    elif certificate.valid_until < today:
        summary.certificates_expired += 1


def issuer(producer: Producer, stars: int, decided: date, criteria: CriteriaSet):
    """Return (level, body, decision-number suffix) by the OCOP rules in force on that day."""
    old_province = "Bắc Kạn" if producer.legacy_address.endswith("Bắc Kạn") else "Thái Nguyên"
    if decided >= PROVINCE_CERTIFIES_FROM:
        old_province = "Thái Nguyên"
    if stars == 5:
        if decided >= MAE_FROM:
            return IssuingLevel.CENTRAL, "Bộ Nông nghiệp và Môi trường", "QĐ-BNNMT"
        return IssuingLevel.CENTRAL, "Bộ Nông nghiệp và Phát triển nông thôn", "QĐ-BNN-KTHT"
    # Under 148/QĐ-TTg districts certified 3★ until 07/2025; 1048 left 3★ to the province.
    if (
        stars == 3
        and criteria is CriteriaSet.QD_148_2023
        and decided < PROVINCE_CERTIFIES_FROM
        and producer.legacy_district
    ):
        district = producer.legacy_district
        body = f"UBND {'thành phố ' + district[3:] if district.startswith('TP ') else 'huyện ' + district}"
        return IssuingLevel.DISTRICT, body, "QĐ-UBND"
    return IssuingLevel.PROVINCE, f"UBND tỉnh {old_province}", "QĐ-UBND"

"""The certificate register: OCOP rules for a recognition decision, recording and revoking it, its state."""

import enum
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.addresses import format_address
from storefront.audit.services import log_action, snapshot
from storefront.catalog.models import Certificate, CriteriaSet, IssuingLevel, Producer, Product
from storefront.clock import add_months, today_vn
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.office import documents
from storefront.office.rules import FieldErrors, OfficeError, mail_producer, require_reason

#: Decision 1489/QĐ-TTg (06/07/2025) abolished districts: from July 2025 the province
#: recognises 3–4★ and the central ministry 5★.
DISTRICTS_ABOLISHED = date(2025, 7, 1)
#: Decision 148/QĐ-TTg was signed on 24/02/2023; no rating can use it before then.
QD_148_SIGNED = date(2023, 2, 24)
CERTIFICATE_MONTHS = 36

CERTIFICATE_FIELDS = (
    "product_id",
    "stars",
    "score",
    "criteria_set",
    "issuing_level",
    "issuing_body",
    "decision_number",
    "decision_date",
    "valid_until",
    "document_filename",
    "is_revoked",
    "revoked_reason",
)


class CertificateInvalid(FieldErrors):
    pass


class CertificateAlreadyRevoked(OfficeError):
    pass


def allowed_issuing_levels(stars: int, decision_date: date) -> set[IssuingLevel]:
    """Return the levels that may recognise a rating of this many stars on that date."""
    if stars == 5:
        return {IssuingLevel.CENTRAL}
    if decision_date >= DISTRICTS_ABOLISHED:
        return {IssuingLevel.PROVINCE}
    if stars == 4:
        return {IssuingLevel.PROVINCE}
    # Under 1048/2019 the province recognised 3★; under 148/2023 the district did.
    return {IssuingLevel.DISTRICT, IssuingLevel.PROVINCE}


LEVEL_NAMES = {
    IssuingLevel.DISTRICT: _l("cấp huyện"),
    IssuingLevel.PROVINCE: _l("cấp tỉnh"),
    IssuingLevel.CENTRAL: _l("cấp trung ương"),
}


def certificate_errors(
    *,
    stars,
    score,
    criteria_set: CriteriaSet,
    issuing_level: IssuingLevel,
    decision_date: date,
    valid_until: date | None,
    today: date,
) -> dict[str, str]:
    """Return field → message for each OCOP rule a certificate record breaks (empty when valid)."""
    errors = {}
    if stars is None or not 1 <= stars <= 5:
        errors["stars"] = _("Số sao phải từ 1 đến 5.")
    if score is not None and not 0 <= score <= 100:
        errors["score"] = _("Điểm phải từ 0 đến 100.")
    if decision_date > today:
        errors["decision_date"] = _("Ngày quyết định không được ở tương lai.")
    elif criteria_set is CriteriaSet.QD_148_2023 and decision_date < QD_148_SIGNED:
        errors["criteria_set"] = _("Bộ tiêu chí 148/2023 chỉ áp dụng cho quyết định từ 24/02/2023.")
    if "stars" not in errors and issuing_level not in allowed_issuing_levels(stars, decision_date):
        if decision_date < DISTRICTS_ABOLISHED or stars == 5:
            errors["issuing_level"] = _(
                "Sản phẩm %(n)s sao không do %(level)s công nhận (3 sao: huyện hoặc tỉnh, 4 sao: tỉnh, "
                "5 sao: trung ương).",
                n=stars,
                level=LEVEL_NAMES[issuing_level],
            )
        else:
            errors["issuing_level"] = _(
                "Từ 07/2025 không còn cấp huyện: cấp tỉnh công nhận 3–4 sao, trung ương công nhận 5 sao."
            )
    if valid_until is not None and valid_until < decision_date:
        errors["valid_until"] = _("Ngày hết hiệu lực phải sau ngày quyết định.")
    return errors


def _decision_exists(product: Product, decision_number: str) -> bool:
    return (
        db.session.scalar(
            select(Certificate.id).where(
                Certificate.product_id == product.id, Certificate.decision_number == decision_number
            )
        )
        is not None
    )


def _address_on_decision(producer: Producer, decision_date: date) -> str:
    # Decisions signed before the 2025 merger carry the old three-level address.
    if decision_date < DISTRICTS_ABOLISHED and producer.legacy_address:
        return producer.legacy_address
    return format_address(producer.street, producer.ward_code, producer.province_code)


def record_certificate(
    product: Product,
    *,
    stars: int,
    score: int | None,
    criteria_set: CriteriaSet,
    issuing_level: IssuingLevel,
    issuing_body: str,
    decision_number: str,
    decision_date: date,
    valid_until: date | None = None,
    document=None,
    actor: User,
    today: date | None = None,
) -> Certificate:
    """Add a recognition decision to the register; the shop badge follows it at once.

    :param document: an uploaded file (anything with ``read()``) holding the decision scan.
    :raises CertificateInvalid: with field → message for every broken rule; nothing is written.
    """
    decision_number = (decision_number or "").strip()
    errors = certificate_errors(
        stars=stars,
        score=score,
        criteria_set=criteria_set,
        issuing_level=issuing_level,
        decision_date=decision_date,
        valid_until=valid_until,
        today=today or today_vn(),
    )
    if not decision_number:
        errors["decision_number"] = _("Cần nhập số quyết định.")
    elif _decision_exists(product, decision_number):
        errors["decision_number"] = _("Sản phẩm này đã có quyết định số %(n)s.", n=decision_number)
    scan = None
    if document is not None:
        try:
            scan = documents.read_scan(document)
        except documents.DocumentInvalid as error:
            errors["document"] = str(error)
    if errors:
        raise CertificateInvalid(errors)
    certificate = Certificate(
        product=product,
        stars=stars,
        score=score,
        criteria_set=criteria_set,
        issuing_level=issuing_level,
        issuing_body=issuing_body.strip(),
        decision_number=decision_number,
        decision_date=decision_date,
        valid_until=valid_until or add_months(decision_date, CERTIFICATE_MONTHS),
        producer_name=product.producer.name,
        producer_address=_address_on_decision(product.producer, decision_date),
        document_filename=documents.store_scan(*scan) if scan else None,
    )
    db.session.add(certificate)
    db.session.flush()
    log_action(actor, "certificate.record", certificate, after=snapshot(certificate, CERTIFICATE_FIELDS))
    return certificate


def revoke_certificate(certificate: Certificate, *, reason: str, actor: User) -> Certificate:
    """Revoke a certificate; the product loses its badge at once."""
    reason = require_reason(reason)
    if certificate.is_revoked:
        raise CertificateAlreadyRevoked()
    before = snapshot(certificate, CERTIFICATE_FIELDS)
    certificate.is_revoked = True
    certificate.revoked_reason = reason
    certificate.revoked_at = utcnow()
    db.session.flush()
    log_action(
        actor,
        "certificate.revoke",
        certificate,
        before=before,
        after=snapshot(certificate, CERTIFICATE_FIELDS),
        reason=reason,
    )
    producer = certificate.product.producer
    mail_producer(
        producer,
        _("Chứng nhận OCOP bị thu hồi – OCOP Thái Nguyên"),
        _(
            'Xin chào %(name)s,\n\nChứng nhận OCOP theo quyết định số %(n)s của sản phẩm "%(product)s" '
            "đã bị thu hồi.\nLý do: %(reason)s",
            name=producer.name,
            n=certificate.decision_number,
            product=certificate.product.name_vi,
            reason=reason,
        ),
    )
    return certificate


class CertificateState(enum.Enum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_CERTIFIED = "not_certified"


EXPIRING_DAYS = 90


def certificate_state(certificate: Certificate, today: date) -> CertificateState:
    """Say where a certificate stands for the register: valid, expiring within 90 days, expired, revoked."""
    if certificate.is_revoked:
        return CertificateState.REVOKED
    if certificate.valid_until < today:
        return CertificateState.EXPIRED
    if certificate.stars < 3:
        return CertificateState.NOT_CERTIFIED
    if (certificate.valid_until - today).days <= EXPIRING_DAYS:
        return CertificateState.EXPIRING
    return CertificateState.VALID


REGISTER_FILTERS = {
    "expiring": lambda today: (
        Certificate.is_revoked.is_(False),
        Certificate.valid_until >= today,
        Certificate.valid_until <= today + timedelta(days=EXPIRING_DAYS),
    ),
    "expired": lambda today: (Certificate.is_revoked.is_(False), Certificate.valid_until < today),
    "revoked": lambda today: (Certificate.is_revoked.is_(True),),
    "all": lambda today: (),
}


def register_query(status: str, today: date):
    """The register's rows in one of REGISTER_FILTERS, soonest expiry first (products and producers loaded)."""
    return (
        select(Certificate)
        .join(Certificate.product)
        .options(selectinload(Certificate.product).selectinload(Product.producer))
        .where(*REGISTER_FILTERS[status](today))
        .order_by(Certificate.valid_until, Certificate.id)
    )


def register_page(status: str, today: date, *, page: int, per_page: int):
    return db.paginate(register_query(status, today), page=page, per_page=per_page)


def register_entries(status: str, today: date) -> list[Certificate]:
    return db.session.scalars(register_query(status, today)).all()


def product_names() -> list[tuple[int, str, str]]:
    """Return (product id, product name, producer name) of every product, by product name (form choices)."""
    return db.session.execute(
        select(Product.id, Product.name_vi, Producer.name).join(Product.producer).order_by(Product.name_vi)
    ).all()

"""Office rules: producer approval, the certificate register, moderation, scoresheets, audit log."""

import enum
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.accounts.services import register_user
from storefront.addresses import format_address
from storefront.catalog.models import Certificate, CriteriaSet, IssuingLevel, Producer, ProducerStatus, Product
from storefront.checkout import services as checkout
from storefront.checkout.models import Order, OrderStatus, Payment, PaymentMethod, PaymentStatus
from storefront.clock import add_months, today_vn
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.office import documents
from storefront.office.models import (
    AuditLogEntry,
    CriteriaPart,
    CriteriaSetDefinition,
    Evaluation,
    EvaluationStatus,
    ScoreLine,
    Scoresheet,
)
from storefront.outbox.services import queue_mail

#: Decision 1489/QĐ-TTg (06/07/2025) abolished districts: from July 2025 the province
#: recognises 3–4★ and the central ministry 5★.
DISTRICTS_ABOLISHED = date(2025, 7, 1)
#: Decision 148/QĐ-TTg was signed on 24/02/2023; no rating can use it before then.
QD_148_SIGNED = date(2023, 2, 24)
CERTIFICATE_MONTHS = 36


class OfficeError(DomainError):
    pass


class ReasonRequired(OfficeError):
    pass


class IllegalProducerTransition(OfficeError):
    def __init__(self, status: ProducerStatus, action: str):
        super().__init__(f"cannot {action} a producer in status {status.value}")
        self.status = status
        self.action = action


class FieldErrors(OfficeError):
    """Field name → message for every rule the input breaks; views show them beside the fields."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class CertificateInvalid(FieldErrors):
    pass


class CertificateAlreadyRevoked(OfficeError):
    pass


class ModerationError(OfficeError):
    pass


class ReportAlreadyHandled(OfficeError):
    pass


class ScoresheetInvalid(FieldErrors):
    """Keyed by criteria part code."""


class EvaluationClosed(OfficeError):
    pass


class NotChair(OfficeError):
    pass


class NotCertifiable(OfficeError):
    """The averaged result is 'không đạt' or below 3★, so no certificate can be issued."""

    def __init__(self, result):
        super().__init__("evaluation result is not certifiable")
        self.result = result


# --- audit log -------------------------------------------------------------------------

PRODUCER_FIELDS = ("status", "status_reason", "is_story_hidden", "hidden_reason")
PRODUCT_FIELDS = ("is_hidden", "hidden_reason")
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


def _json_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(obj, fields) -> dict:
    """Return the named attributes of a model as a JSON-safe dict."""
    return {name: _json_value(getattr(obj, name)) for name in fields}


def log_action(actor: User | None, action: str, obj, *, before=None, after=None, reason: str = "") -> AuditLogEntry:
    """Append one entry to the audit log in the current transaction."""
    entry = AuditLogEntry(
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else "",
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        before=before,
        after=after,
        reason=reason[:500],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason


def _producer_address(producer: Producer) -> str:
    return producer.email or (producer.owner.email if producer.owner else "")


def _mail_producer(producer: Producer, subject: str, body: str) -> None:
    queue_mail(_producer_address(producer), subject, body)


# --- producers -------------------------------------------------------------------------

#: action → (statuses it may start from, status it leads to)
PRODUCER_TRANSITIONS = {
    "approve": ({ProducerStatus.PENDING, ProducerStatus.REJECTED}, ProducerStatus.APPROVED),
    "reject": ({ProducerStatus.PENDING}, ProducerStatus.REJECTED),
    "suspend": ({ProducerStatus.APPROVED}, ProducerStatus.SUSPENDED),
    "reinstate": ({ProducerStatus.SUSPENDED}, ProducerStatus.APPROVED),
}


def _move_producer(producer: Producer, action: str, *, reason: str, actor: User) -> Producer:
    sources, target = PRODUCER_TRANSITIONS[action]
    if producer.status not in sources:
        raise IllegalProducerTransition(producer.status, action)
    before = snapshot(producer, PRODUCER_FIELDS)
    producer.status = target
    producer.status_reason = reason
    if action == "approve":
        producer.approved_at = utcnow()
    db.session.flush()
    log_action(
        actor, f"producer.{action}", producer, before=before, after=snapshot(producer, PRODUCER_FIELDS), reason=reason
    )
    return producer


def approve_producer(producer: Producer, *, actor: User) -> Producer:
    """Approve a registration so the producer's products may be sold."""
    _move_producer(producer, "approve", reason="", actor=actor)
    _mail_producer(
        producer,
        _("Hồ sơ của bạn đã được duyệt – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nVăn phòng OCOP đã duyệt hồ sơ của cơ sở. Sản phẩm đã đăng của bạn "
            "giờ hiển thị trên sàn.",
            name=producer.name,
        ),
    )
    return producer


def reject_producer(producer: Producer, *, reason: str, actor: User) -> Producer:
    """Reject a pending registration with a reason the producer is told."""
    reason = _require_reason(reason)
    _move_producer(producer, "reject", reason=reason, actor=actor)
    _mail_producer(
        producer,
        _("Hồ sơ của bạn chưa được duyệt – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nVăn phòng OCOP chưa duyệt hồ sơ của cơ sở.\nLý do: %(reason)s\n\n"
            "Bạn có thể bổ sung hồ sơ và liên hệ văn phòng.",
            name=producer.name,
            reason=reason,
        ),
    )
    return producer


def suspend_producer(producer: Producer, *, reason: str, actor: User) -> Producer:
    """Suspend a producer: its products leave the shop; orders already placed are kept."""
    reason = _require_reason(reason)
    _move_producer(producer, "suspend", reason=reason, actor=actor)
    _mail_producer(
        producer,
        _("Cơ sở của bạn bị tạm ngừng bán – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nVăn phòng OCOP đã tạm ngừng bán các sản phẩm của cơ sở.\n"
            "Lý do: %(reason)s\n\nCác đơn hàng đã đặt vẫn cần được giao.",
            name=producer.name,
            reason=reason,
        ),
    )
    return producer


def reinstate_producer(producer: Producer, *, actor: User) -> Producer:
    """Lift a suspension; the producer's products return to the shop."""
    _move_producer(producer, "reinstate", reason="", actor=actor)
    _mail_producer(
        producer,
        _("Cơ sở của bạn được bán trở lại – OCOP Thái Nguyên"),
        _("Xin chào %(name)s,\n\nVăn phòng OCOP đã cho cơ sở bán hàng trở lại.", name=producer.name),
    )
    return producer


# --- certificate register --------------------------------------------------------------


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
    reason = _require_reason(reason)
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
    _mail_producer(
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


# --- moderation ------------------------------------------------------------------------


def _set_hidden(obj, flag: str, fields, action: str, *, hidden: bool, reason: str, actor: User) -> None:
    """Hide or show a product or a story and log before/after; refuse a change that changes nothing."""
    if getattr(obj, flag) == hidden:
        raise ModerationError("already hidden" if hidden else "not hidden")
    before = snapshot(obj, fields)
    setattr(obj, flag, hidden)
    obj.hidden_reason = reason
    db.session.flush()
    log_action(actor, action, obj, before=before, after=snapshot(obj, fields), reason=reason)


def hide_product(product: Product, *, reason: str, actor: User) -> Product:
    """Hide a product from the shop with a reason its producer sees."""
    reason = _require_reason(reason)
    _set_hidden(product, "is_hidden", PRODUCT_FIELDS, "product.hide", hidden=True, reason=reason, actor=actor)
    _mail_producer(
        product.producer,
        _("Sản phẩm của bạn bị ẩn – OCOP Thái Nguyên"),
        _(
            'Xin chào %(name)s,\n\nVăn phòng OCOP đã ẩn sản phẩm "%(product)s" khỏi sàn.\nLý do: %(reason)s',
            name=product.producer.name,
            product=product.name_vi,
            reason=reason,
        ),
    )
    return product


def unhide_product(product: Product, *, actor: User) -> Product:
    """Show a hidden product again."""
    _set_hidden(product, "is_hidden", PRODUCT_FIELDS, "product.unhide", hidden=False, reason="", actor=actor)
    return product


def hide_story(producer: Producer, *, reason: str, actor: User) -> Producer:
    """Hide a producer's story with a reason the producer sees."""
    reason = _require_reason(reason)
    _set_hidden(
        producer, "is_story_hidden", PRODUCER_FIELDS, "producer.hide_story", hidden=True, reason=reason, actor=actor
    )
    _mail_producer(
        producer,
        _("Câu chuyện cơ sở bị ẩn – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nVăn phòng OCOP đã ẩn câu chuyện của cơ sở trên sàn.\nLý do: %(reason)s",
            name=producer.name,
            reason=reason,
        ),
    )
    return producer


def unhide_story(producer: Producer, *, actor: User) -> Producer:
    """Show a producer's story again."""
    _set_hidden(
        producer, "is_story_hidden", PRODUCER_FIELDS, "producer.unhide_story", hidden=False, reason="", actor=actor
    )
    return producer


# --- orders and payments ---------------------------------------------------------------


class PaymentNotAwaitingRefund(OfficeError):
    pass


def _order_snapshot(order: Order) -> dict:
    return {
        "status": order.status.value,
        "cancel_reason": order.cancel_reason,
        "payments": {str(p.id): p.status.value for p in order.payments},
    }


def bank_transfers_awaiting(*, limit: int = 100) -> list[Order]:
    """Return bank-transfer orders still unpaid (or whose hold lapsed), oldest first."""
    return db.session.scalars(
        select(Order)
        .where(
            Order.payment_method == PaymentMethod.BANK_TRANSFER,
            Order.status.in_((OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)),
        )
        .order_by(Order.created_at, Order.id)
        .limit(limit)
    ).all()


def confirm_payment_received(order: Order, *, actor: User) -> Order:
    """Record that the office saw the transfer (or COD cash) arrive; the order becomes paid.

    :raises storefront.checkout.services.PaymentTooLate: the hold lapsed and the units are gone.
    """
    before = _order_snapshot(order)
    checkout.mark_payment_received(order, actor=actor)
    log_action(actor, "order.payment_received", order, before=before, after=_order_snapshot(order))
    return order


def cancel_order(order: Order, *, reason: str, actor: User) -> Order:
    """Cancel an order that has not shipped, with a reason the customer is told."""
    reason = _require_reason(reason)
    before = _order_snapshot(order)
    checkout.cancel_order(order, actor=actor, reason=reason)
    log_action(actor, "order.cancel", order, before=before, after=_order_snapshot(order), reason=reason)
    return order


def record_refund(payment: Payment, *, reason: str, actor: User) -> Payment:
    """Record that the office refunded a payment the shop could not use (by Stripe or bank, outside the shop).

    :param reason: how and when it was refunded, for the audit log.
    """
    reason = _require_reason(reason)
    if payment.status is not PaymentStatus.NEEDS_REFUND:
        raise PaymentNotAwaitingRefund()
    before = {
        "status": payment.status.value,
        "amount_vnd": payment.amount_vnd,
        "attention_reason": payment.attention_reason,
    }
    payment.status = PaymentStatus.REFUNDED
    payment.confirmed_by_id = actor.id
    db.session.flush()
    log_action(
        actor, "payment.refund", payment, before=before, after={**before, "status": payment.status.value}, reason=reason
    )
    return payment


# Deliberate exception to "storefront never imports traceability": the office handles the
# reports that origin pages collect, so these functions (and dashboard.py's scan figures)
# read traceability's models. No other storefront module does.


def counterfeit_reports(*, limit: int = 200) -> list:
    """Return reports, open ones first, newest first."""
    from traceability.models import CounterfeitReport, ReportStatus

    return db.session.scalars(
        select(CounterfeitReport)
        .order_by(CounterfeitReport.status != ReportStatus.OPEN, CounterfeitReport.created_at.desc())
        .limit(limit)
    ).all()


def find_counterfeit_report(report_id: int):
    from traceability.models import CounterfeitReport

    return db.session.get(CounterfeitReport, report_id)


def clear_copy_warning(stamp, *, reason: str, actor: User):
    """Clear a false copy warning on a stamp (traceability's rule), recorded in the audit log with its reason.

    Used by the office and by the stamp's producer: the log says who, when and why either way.
    """
    from traceability.services import clear_scan_warning

    fields = ("device_count", "devices_at_clear", "warning_cleared_at", "warning_clear_reason")
    before = snapshot(stamp, fields)
    clear_scan_warning(stamp, reason=reason, actor=actor)
    log_action(
        actor,
        "stamp.clear_warning",
        stamp,
        before=before,
        after=snapshot(stamp, fields),
        reason=stamp.warning_clear_reason,
    )
    return stamp


def mark_display_stamps(batch, serials: str, *, is_display: bool, reason: str, actor: User) -> int:
    """Mark (or unmark) a batch's stamps as on display units (traceability's rule), recorded in the
    audit log with who, when and why, like clearing a copy warning; returns how many changed.

    One entry per change, on the batch, naming the stamps whose mark changed (none: no entry).
    """
    from traceability import services as trace

    reason = _require_reason(reason)
    changing = [
        stamp.serial
        for stamp in trace.stamps_by_serials(batch, serials)
        if stamp.serial is not None and stamp.is_display != is_display
    ]
    changed = trace.mark_display_stamps(batch, serials, is_display=is_display)
    if changed:
        log_action(
            actor,
            "stamp.mark_display" if is_display else "stamp.unmark_display",
            batch,
            before={"is_display": not is_display, "serials": changing},
            after={"is_display": is_display, "serials": changing},
            reason=reason,
        )
    return changed


def handle_counterfeit_report(report, *, status, resolution: str, actor: User):
    """Close an open 'suspected fake' report as confirmed or dismissed (status given as enum or its value)."""
    from traceability.models import ReportStatus

    resolution = _require_reason(resolution)
    status = ReportStatus(getattr(status, "value", status))
    if report.status is not ReportStatus.OPEN:
        raise ReportAlreadyHandled()
    if status not in (ReportStatus.CONFIRMED, ReportStatus.DISMISSED):
        raise ValueError(status)
    before = {"status": report.status.value, "resolution": report.resolution}
    report.status, report.resolution, report.handled_by_id = status, resolution, actor.id
    db.session.flush()
    log_action(
        actor,
        f"report.{status.value}",
        report,
        before=before,
        after={"status": report.status.value, "resolution": report.resolution},
        reason=resolution,
    )
    return report


# --- digital scoresheet ----------------------------------------------------------------


def N_(text: str) -> str:
    """Mark a seeded name for the catalogue: stored in Vietnamese, translated where shown (`.label`)."""
    return text


#: Criteria sets seeded as data: (code, name, [(part, name, max points)]).
CRITERIA_SEEDS = (
    (
        "148/2023",
        N_("Quyết định 148/QĐ-TTg (24/02/2023)"),
        (
            ("A", N_("Sản phẩm và sức mạnh cộng đồng"), 40),
            ("B", N_("Khả năng tiếp thị và câu chuyện sản phẩm"), 25),
            ("C", N_("Chất lượng sản phẩm"), 35),
        ),
    ),
    (
        "1048/2019",
        N_("Quyết định 1048/QĐ-TTg (2019)"),
        (
            ("A", N_("Sản phẩm và sức mạnh cộng đồng"), 35),
            ("B", N_("Khả năng tiếp thị"), 25),
            ("C", N_("Chất lượng sản phẩm"), 40),
        ),
    ),
)


def ensure_criteria_sets() -> list[CriteriaSetDefinition]:
    """Create the seeded criteria sets that are missing; leave existing ones as the office edited them."""
    existing = {c.code: c for c in db.session.scalars(select(CriteriaSetDefinition))}
    for code, name, parts in CRITERIA_SEEDS:
        if code not in existing:
            existing[code] = CriteriaSetDefinition(
                code=code,
                name=name,
                parts=[
                    CriteriaPart(code=part, name=part_name, max_points=points, position=i)
                    for i, (part, part_name, points) in enumerate(parts)
                ],
            )
            db.session.add(existing[code])
    db.session.flush()
    return sorted(existing.values(), key=lambda c: c.code != "148/2023")


def star_band(score) -> int:
    """Return the OCOP star band of a score out of 100: <30 1★, 30–49 2★, 50–69 3★, 70–89 4★, 90–100 5★."""
    if not 0 <= score <= 100:
        raise ValueError(f"score out of range: {score}")
    for floor, stars in ((90, 5), (70, 4), (50, 3), (30, 2)):
        if score >= floor:
            return stars
    return 1


@dataclass(frozen=True)
class EvaluationResult:
    sheet_count: int
    #: Exact mean of the members' totals.
    average: Fraction
    #: The mean rounded half up to whole points, as a certificate stores it.
    score: int
    stars: int
    fails_mandatory: bool

    @property
    def is_certified(self) -> bool:
        """Only 3–5★ without a failed mandatory requirement may carry the OCOP mark."""
        return not self.fails_mandatory and self.stars >= 3

    @property
    def average_display(self) -> str:
        return f"{float(self.average):.1f}".replace(".", ",")


def evaluation_result(evaluation: Evaluation) -> EvaluationResult | None:
    """Average the members' sheets; any failed mandatory requirement makes the result 'không đạt'."""
    sheets = evaluation.sheets
    if not sheets:
        return None
    average = Fraction(sum(sheet.total for sheet in sheets), len(sheets))
    score = int(average + Fraction(1, 2))  # round half up
    return EvaluationResult(
        sheet_count=len(sheets),
        average=average,
        score=score,
        stars=star_band(score),
        fails_mandatory=any(sheet.fails_mandatory for sheet in sheets),
    )


def open_evaluation(product: Product, *, criteria_set: CriteriaSetDefinition, chair: User, actor: User) -> Evaluation:
    """Put a candidate product before the council with a chair."""
    evaluation = Evaluation(product=product, criteria_set=criteria_set, chair=chair)
    db.session.add(evaluation)
    db.session.flush()
    log_action(
        actor,
        "evaluation.open",
        evaluation,
        after={"product_id": product.id, "criteria_set": criteria_set.code, "chair_id": chair.id},
    )
    return evaluation


def submit_scoresheet(
    evaluation: Evaluation, *, member: User, points: dict[str, int], fails_mandatory: bool = False, note: str = ""
) -> Scoresheet:
    """Create or replace a member's sheet; every part is bounded by its maximum points."""
    if evaluation.status is not EvaluationStatus.OPEN:
        raise EvaluationClosed()
    errors = {}
    for part in evaluation.criteria_set.parts:
        value = points.get(part.code)
        if value is None:
            errors[part.code] = _("Cần chấm phần %(code)s.", code=part.code)
        elif not 0 <= value <= part.max_points:
            errors[part.code] = _("Phần %(code)s chấm từ 0 đến %(max)s điểm.", code=part.code, max=part.max_points)
    if errors:
        raise ScoresheetInvalid(errors)
    sheet = next((s for s in evaluation.sheets if s.member_id == member.id), None)
    before = _sheet_snapshot(sheet) if sheet else None
    if sheet is None:
        sheet = Scoresheet(evaluation=evaluation, member=member)
        db.session.add(sheet)
    by_part = {line.part_id: line for line in sheet.lines}
    for part in evaluation.criteria_set.parts:
        line = by_part.get(part.id)
        if line is None:
            sheet.lines.append(ScoreLine(part=part, points=points[part.code]))
        else:
            line.points = points[part.code]
    sheet.fails_mandatory, sheet.note = fails_mandatory, note.strip()
    db.session.flush()
    log_action(member, "scoresheet.submit", sheet, before=before, after=_sheet_snapshot(sheet))
    return sheet


def _sheet_snapshot(sheet: Scoresheet) -> dict:
    return {
        "evaluation_id": sheet.evaluation_id,
        "fails_mandatory": sheet.fails_mandatory,
        "points": {line.part.code: line.points for line in sheet.lines},
    }


def certify_evaluation(
    evaluation: Evaluation,
    *,
    decision_number: str,
    decision_date: date,
    issuing_level: IssuingLevel,
    issuing_body: str,
    valid_until: date | None = None,
    document=None,
    actor: User,
    today: date | None = None,
) -> Certificate:
    """Let the chair turn a certifiable result into a certificate record with the decision number."""
    if evaluation.status is not EvaluationStatus.OPEN:
        raise EvaluationClosed()
    if actor.id != evaluation.chair_id:
        raise NotChair()
    result = evaluation_result(evaluation)
    if result is None or not result.is_certified:
        raise NotCertifiable(result)
    try:
        criteria_set = CriteriaSet(evaluation.criteria_set.code)
    except ValueError:
        raise CertificateInvalid({"criteria_set": _("Bộ tiêu chí này chưa có trong sổ chứng nhận.")}) from None
    certificate = record_certificate(
        evaluation.product,
        stars=result.stars,
        score=result.score,
        criteria_set=criteria_set,
        issuing_level=issuing_level,
        issuing_body=issuing_body,
        decision_number=decision_number,
        decision_date=decision_date,
        valid_until=valid_until,
        document=document,
        actor=actor,
        today=today,
    )
    evaluation.status, evaluation.certificate, evaluation.decided_at = EvaluationStatus.DECIDED, certificate, utcnow()
    db.session.flush()
    log_action(
        actor,
        "evaluation.certify",
        evaluation,
        after={"certificate_id": certificate.id, "stars": result.stars, "score": result.score},
    )
    return certificate


# --- accounts --------------------------------------------------------------------------


def create_office_user(*, email: str, password: str, full_name: str = "") -> User:
    """Create an office account (the CLI's job; there is no sign-up for it)."""
    user = register_user(email=email, password=password, full_name=full_name, role=Role.OFFICE)
    log_action(None, "user.create_office", user, after={"email": user.email, "role": user.role.value})
    return user

"""The digital scoresheet: criteria sets as data, council members' sheets, the averaged result, certifying it."""

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.audit.services import log_action
from storefront.catalog.models import Certificate, CriteriaSet, IssuingLevel, Product
from storefront.columns import utcnow
from storefront.extensions import db
from storefront.office.models import (
    CriteriaPart,
    CriteriaSetDefinition,
    Evaluation,
    EvaluationStatus,
    ScoreLine,
    Scoresheet,
)
from storefront.office.register import CertificateInvalid, record_certificate
from storefront.office.rules import FieldErrors, OfficeError


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


def recent_evaluations(limit: int = 200) -> list[Evaluation]:
    """Return the latest evaluations, newest first, with their products and sheets loaded."""
    return db.session.scalars(
        select(Evaluation)
        .options(selectinload(Evaluation.product), selectinload(Evaluation.sheets).selectinload(Scoresheet.lines))
        .order_by(Evaluation.id.desc())
        .limit(limit)
    ).all()

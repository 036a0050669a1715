"""OCOP office records: criteria sets as data, evaluations and scoresheets (the audit log is storefront.audit)."""

import enum
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.columns import UTCDateTime, str_enum, utcnow
from storefront.extensions import db


class CriteriaSetDefinition(db.Model):
    """A criteria set (e.g. Decision 148/QĐ-TTg) kept as data so a new one needs no code."""

    __tablename__ = "criteria_set_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Matches catalog.models.CriteriaSet values, e.g. "148/2023".
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)

    parts: Mapped[list["CriteriaPart"]] = relationship(
        back_populates="criteria_set", order_by="CriteriaPart.position", cascade="all, delete-orphan"
    )

    @property
    def max_total(self) -> int:
        return sum(part.max_points for part in self.parts)

    @property
    def label(self) -> str:
        """The name in the page's language if it is a seeded one (office/scoring.py), else as typed."""
        return gettext(self.name) if self.name else ""


class CriteriaPart(db.Model):
    """One scored part of a criteria set (A, B, C) with its maximum points."""

    __tablename__ = "criteria_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("criteria_set_definitions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    max_points: Mapped[int] = mapped_column(SmallInteger)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    criteria_set: Mapped[CriteriaSetDefinition] = relationship(back_populates="parts")

    @property
    def label(self) -> str:
        """The name in the page's language if it is a seeded one (office/scoring.py), else as typed."""
        return gettext(self.name) if self.name else ""

    __table_args__ = (
        UniqueConstraint("criteria_set_id", "code"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
    )


class EvaluationStatus(enum.Enum):
    OPEN = "open"
    DECIDED = "decided"


class Evaluation(db.Model):
    """A council's rating of one candidate product: members' scoresheets, then the chair's decision."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("criteria_set_definitions.id", ondelete="RESTRICT"))
    #: The council chair, the one member who may turn the result into a certificate.
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[EvaluationStatus] = mapped_column(str_enum(EvaluationStatus), default=EvaluationStatus.OPEN)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product = relationship("Product")
    criteria_set: Mapped[CriteriaSetDefinition] = relationship()
    chair = relationship("User")
    certificate = relationship("Certificate")
    sheets: Mapped[list["Scoresheet"]] = relationship(
        back_populates="evaluation", order_by="Scoresheet.id", cascade="all, delete-orphan"
    )


class Scoresheet(db.Model):
    """One council member's scores for one evaluation."""

    __tablename__ = "scoresheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The product misses a mandatory requirement of its group: "không đạt" whatever the score.
    fails_mandatory: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    evaluation: Mapped[Evaluation] = relationship(back_populates="sheets")
    member = relationship("User")
    lines: Mapped[list["ScoreLine"]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", order_by="ScoreLine.id"
    )

    __table_args__ = (UniqueConstraint("evaluation_id", "member_id"),)

    @property
    def total(self) -> int:
        return sum(line.points for line in self.lines)


class ScoreLine(db.Model):
    __tablename__ = "score_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("scoresheets.id", ondelete="CASCADE"))
    part_id: Mapped[int] = mapped_column(ForeignKey("criteria_parts.id", ondelete="RESTRICT"))
    points: Mapped[int] = mapped_column(SmallInteger)

    sheet: Mapped[Scoresheet] = relationship(back_populates="lines")
    part: Mapped[CriteriaPart] = relationship()

    __table_args__ = (
        UniqueConstraint("sheet_id", "part_id"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

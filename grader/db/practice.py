"""Models of practice: the items served, each student's mastery per skill, and the evidence
(every graded part's observation about a skill) that mastery and the class views read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grader.db.models import Base, JSONType, utcnow


class PracticeItem(Base):
    """One generated exercise served to one student: regenerated exactly from (template,
    seed); its YAML is kept too, so a later change of a grammar never changes a served item."""

    __tablename__ = "practice_items"
    __table_args__ = (Index("ix_practice_items_student_course", "student_id", "course_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(BigInteger)
    yaml_text: Mapped[str] = mapped_column(Text)
    chosen: Mapped[str | None] = mapped_column(String(64))  # the skill the student asked for
    reason: Mapped[dict[str, Any]] = mapped_column(JSONType)  # a message: code and args
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # the first submission counts for mastery; later ones are feedback only
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    answered_at: Mapped[datetime | None]


class SkillMastery(Base):
    """A student's estimate of one skill in one course (grader/engine/mastery.py)."""

    __tablename__ = "skill_mastery"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(64), primary_key=True)
    estimate: Mapped[float] = mapped_column(Float)
    evidence: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SkillEvent(Base):
    """One observation of one skill: right, wrong, or a diagnosed misconception, from a
    practice item or an assignment's graded part."""

    __tablename__ = "skill_events"
    __table_args__ = (
        Index("ix_skill_events_student_course", "student_id", "course_id", "id"),
        Index("ix_skill_events_course_created", "course_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(64))
    observation: Mapped[str] = mapped_column(String(16))  # mastery.Observation
    diagnosis: Mapped[str | None] = mapped_column(String(64))
    practice_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("practice_items.id", ondelete="CASCADE")
    )
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

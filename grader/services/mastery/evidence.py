"""Evidence and mastery rows: every graded part (practice or assignment) becomes observations
of skills (``skill_events``) and updates the student's estimate (``skill_mastery``) with the
engine's model (grader/engine/mastery.py)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.db.models import Assignment, ExerciseVersion, Membership, Submission, utcnow
from grader.db.practice import SkillEvent, SkillMastery
from grader.engine import yamlsafe
from grader.engine.mastery import (
    DEFAULT,
    Observation,
    SkillState,
    evidence_from_part,
    level_of,
    update,
)
from grader.engine.scheduler import RECENT, Event, Progress
from grader.engine.skills import skill_map
from grader.vocabulary import SubmissionStatus


@dataclass(frozen=True)
class Mastery:
    """A student's standing in one skill, as pages and the API show it."""

    skill: str
    level: str
    estimate: float
    evidence: int

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "estimate": round(self.estimate, 4), "evidence": self.evidence}


def as_mastery(row: SkillMastery) -> Mastery:
    return Mastery(row.skill, row.level, row.estimate, row.evidence)


def record(
    session: Session,
    course_id: int,
    student_id: int,
    parts: Iterable[tuple[list[str], Mapping[str, Any]]],
    *,
    practice_item_id: int | None = None,
    submission_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Mastery]:
    """Record what each graded part (its skills, its result dict) says and update the
    estimates; returns the skills touched, as they stand now."""
    now = now or utcnow()
    rows: dict[str, SkillMastery] = {}
    for skills, result in parts:
        found = evidence_from_part(
            skills,
            bool(result.get("correct")),
            result.get("diagnosis"),
            readable=not result.get("error"),
        )
        for ev in found:
            row = rows.get(ev.skill) or _row(session, course_id, student_id, ev.skill)
            rows[ev.skill] = row
            state = update(SkillState(row.estimate, row.evidence), ev.observation)
            row.estimate, row.evidence = state.estimate, state.evidence
            row.level = level_of(state.estimate, state.evidence).value
            row.updated_at = now
            session.add(
                SkillEvent(
                    course_id=course_id,
                    student_id=student_id,
                    skill=ev.skill,
                    observation=ev.observation.value,
                    diagnosis=ev.diagnosis,
                    practice_item_id=practice_item_id,
                    submission_id=submission_id,
                    created_at=now,
                )
            )
    return {s: as_mastery(r) for s, r in rows.items()}


def _row(session: Session, course_id: int, student_id: int, skill: str) -> SkillMastery:
    row = session.get(SkillMastery, (course_id, student_id, skill))
    if row is None:
        row = SkillMastery(
            course_id=course_id,
            student_id=student_id,
            skill=skill,
            estimate=DEFAULT.prior,
            evidence=0,
            level=level_of(DEFAULT.prior, 0).value,
            updated_at=utcnow(),
        )
        session.add(row)
    return row


def progress(session: Session, course_id: int, student_id: int) -> dict[str, Progress]:
    """The scheduler's view of each skill the student has evidence in."""
    rows = session.scalars(
        select(SkillMastery).where(
            SkillMastery.course_id == course_id, SkillMastery.student_id == student_id
        )
    )
    return {r.skill: Progress(SkillState(r.estimate, r.evidence), r.updated_at) for r in rows}


def recent(session: Session, course_id: int, student_id: int, n: int = RECENT) -> list[Event]:
    """The student's last ``n`` observations in the course, oldest first."""
    rows = session.execute(
        select(
            SkillEvent.skill, SkillEvent.observation, SkillEvent.created_at, SkillEvent.diagnosis
        )
        .where(SkillEvent.course_id == course_id, SkillEvent.student_id == student_id)
        .order_by(SkillEvent.id.desc())
        .limit(n)
    ).all()
    return [Event(r.skill, Observation(r.observation), r.created_at, r.diagnosis) for r in rows][
        ::-1
    ]


# ------------------------------------------------------------------------------ assignments

_SKILLS: OrderedDict[str, tuple[list[str], dict[str, list[str]]]] = OrderedDict()
MAX_CACHED = 1024
_LOCK = threading.Lock()  # the threaded server's requests share the cache


def cached_skills(sha256: str) -> tuple[list[str], dict[str, list[str]]] | None:
    return _SKILLS.get(sha256)


def version_skills(sha256: str, yaml_text: str) -> tuple[list[str], dict[str, list[str]]]:
    """(the exercise's skills, each part's own) read from a stored version's YAML, cached by
    its content hash (the same text, the same skills)."""
    with _LOCK:
        found = _SKILLS.get(sha256)
    if found is None:
        try:
            data = yamlsafe.load(yaml_text).data
        except yamlsafe.YamlError:
            data = {}
        data = data if isinstance(data, dict) else {}
        own = [str(s) for s in data.get("skills") or [] if s in skill_map()]
        parts: dict[str, list[str]] = {}
        for p in data.get("parts") or []:
            if isinstance(p, dict) and isinstance(p.get("skills"), list):
                parts[str(p.get("id"))] = [str(s) for s in p["skills"] if s in skill_map()]
        found = (own, parts)
        with _LOCK:
            _SKILLS[sha256] = found
            while len(_SKILLS) > MAX_CACHED:
                _SKILLS.popitem(last=False)
    return found


def record_submissions(
    session: Session, submission_ids: list[int]
) -> list[tuple[int, int, list[str]]]:
    """Evidence from assignments' graded submissions, in the transaction that stores them;
    returns (course, student, skills observed) per submission that added any.

    Students' own graded work only: not an instructor's preview, not an exam (its feedback may
    be held back, and a mastery that moved would tell), and once per submission (a regrade
    adds nothing)."""
    if not submission_ids:
        return []
    rows = session.execute(
        select(
            Submission.id,
            Submission.student_id,
            Submission.answers,
            Submission.results,
            Assignment.course_id,
            ExerciseVersion.sha256,
            ExerciseVersion.yaml_text,
        )
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(ExerciseVersion, ExerciseVersion.id == Submission.exercise_version_id)
        .join(
            Membership,
            (Membership.course_id == Assignment.course_id)
            & (Membership.user_id == Submission.student_id),
        )
        .where(
            Submission.id.in_(submission_ids),
            Submission.status == SubmissionStatus.GRADED,
            Submission.preview.is_(False),
            Assignment.kind != "exam",
            Membership.role == "student",
        )
    ).all()
    done = set(
        session.scalars(
            select(SkillEvent.submission_id).where(
                SkillEvent.submission_id.in_([r.id for r in rows])
            )
        )
    )
    observed: list[tuple[int, int, list[str]]] = []
    for r in rows:
        if r.id in done or not r.results:
            continue
        own, per_part = version_skills(r.sha256, r.yaml_text)
        answered = r.answers or {}
        parts = [  # a part left blank says nothing about its skills
            (per_part.get(pid, own), result)
            for pid, result in (r.results.get("parts") or {}).items()
            if pid in answered
        ]
        touched = record(session, r.course_id, r.student_id, parts, submission_id=r.id)
        if touched:
            observed.append((r.course_id, r.student_id, list(touched)))
    return observed


def standing(
    session: Session, course_id: int, student_id: int, skills: Iterable[str]
) -> dict[str, Mastery]:
    """The student's standing in each of ``skills`` (not started where there is no row)."""
    wanted = list(dict.fromkeys(skills))
    rows = {
        r.skill: r
        for r in session.scalars(
            select(SkillMastery).where(
                SkillMastery.course_id == course_id,
                SkillMastery.student_id == student_id,
                SkillMastery.skill.in_(wanted),
            )
        )
    }
    start = Mastery("", level_of(DEFAULT.prior, 0).value, DEFAULT.prior, 0)
    return {
        s: as_mastery(rows[s]) if s in rows else Mastery(s, start.level, start.estimate, 0)
        for s in wanted
    }

"""Which skills a course practises, and which templates practise each skill."""

from __future__ import annotations

from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.db.models import Assignment, AssignmentQuestion, ExerciseVersion
from grader.engine.generate import builtin_templates
from grader.engine.skills import skill_map
from grader.services.mastery import cached_skills, version_skills


@cache
def templates_by_skill() -> dict[str, list[str]]:
    """Template ids per skill: a template practises each skill it lists."""
    out: dict[str, list[str]] = {}
    for t in builtin_templates().values():
        for s in t.skills:
            out.setdefault(s, []).append(t.id)
    return out


def course_skills(session: Session, course_id: int) -> list[str]:
    """The skills of the course's exercises and practice assignments that have templates,
    in the skill map's order; every such skill where the course sets none yet."""
    versions: set[int] = set()
    named: set[str] = set()
    for q_version, pool in session.execute(
        select(AssignmentQuestion.exercise_version_id, AssignmentQuestion.pool)
        .join(Assignment, Assignment.id == AssignmentQuestion.assignment_id)
        .where(Assignment.course_id == course_id)
    ):
        if q_version is not None:
            versions.add(q_version)
        versions.update(pool or [])
    for targets in session.scalars(
        select(Assignment.target_skills).where(
            Assignment.course_id == course_id, Assignment.target_skills.is_not(None)
        )
    ):
        named.update(targets or [])
    if versions:
        hashes = {
            vid: sha
            for vid, sha in session.execute(
                select(ExerciseVersion.id, ExerciseVersion.sha256).where(
                    ExerciseVersion.id.in_(versions)
                )
            )
        }
        unread = [vid for vid, sha in hashes.items() if cached_skills(sha) is None]
        texts = {
            vid: text
            for vid, text in session.execute(
                select(ExerciseVersion.id, ExerciseVersion.yaml_text).where(
                    ExerciseVersion.id.in_(unread)
                )
            )
        }
        for vid, sha in hashes.items():
            own, parts = version_skills(sha, texts.get(vid, ""))
            named.update(own)
            for skills in parts.values():
                named.update(skills)
    practised = templates_by_skill()
    every = [s for s in skill_map().ids() if s in practised]
    chosen = [s for s in every if s in named]
    return chosen or every

"""Practice assignments ("reach proficient in chain and product rule by Friday"): each target
skill whose level reached the target before the due date earns one point.

The level is replayed from the evidence (``skill_events``) up to the due date, so the score
of an assignment past due never changes with later practice, and a skill that reached the
target and slipped once afterwards (before the due date) still counts: it was reached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.db.practice import SkillEvent
from grader.engine.mastery import Level, Observation, SkillState, at_least, start, update


@dataclass(frozen=True)
class Goal:
    assignment_id: int
    course_id: int
    skills: tuple[str, ...]
    level: str
    due_at: datetime | None

    @property
    def max_score(self) -> float:
        return float(len(self.skills))


def best_levels(
    session: Session, goal: Goal, student_ids: Iterable[int] | None = None
) -> dict[int, dict[str, Level]]:
    """Per student, the best level reached in each target skill before the due date."""
    query = (
        select(SkillEvent.student_id, SkillEvent.skill, SkillEvent.observation)
        .where(SkillEvent.course_id == goal.course_id, SkillEvent.skill.in_(goal.skills))
        .order_by(SkillEvent.id)
    )
    if goal.due_at is not None:
        query = query.where(SkillEvent.created_at <= goal.due_at)
    if student_ids is not None:
        query = query.where(SkillEvent.student_id.in_(list(student_ids)))
    states: dict[tuple[int, str], SkillState] = {}
    best: dict[int, dict[str, Level]] = defaultdict(dict)
    for sid, skill, observation in session.execute(query):
        state = update(states.get((sid, skill)) or start(), Observation(observation))
        states[(sid, skill)] = state
        level = state.level()
        if not at_least(best[sid].get(skill, Level.NOT_STARTED), level):
            best[sid][skill] = level
    return best


def goal_scores(
    session: Session, goal: Goal, student_ids: Iterable[int] | None = None
) -> dict[int, float]:
    """Per student with any evidence, the target skills reached (one point each)."""
    return {
        sid: float(sum(at_least(levels.get(s, Level.NOT_STARTED), goal.level) for s in goal.skills))
        for sid, levels in best_levels(session, goal, student_ids).items()
    }

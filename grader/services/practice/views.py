"""What students and instructors see of mastery: the skill map, a course's skills × students
grid (a student sees their own row), and the class's most frequent misconceptions over time."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from grader.db.models import Membership, User, utcnow
from grader.db.practice import SkillEvent, SkillMastery
from grader.engine.mastery import DEFAULT, Level, level_of
from grader.engine.skills import skill_map
from grader.services.accounts.access import course_role, require_course_staff
from grader.services.context import Actor, Services
from grader.services.mastery import Mastery
from grader.services.practice.scope import course_skills, templates_by_skill

MAX_WEEKS = 52


def skills_catalogue() -> dict[str, Any]:
    """The skill map: each skill with its prerequisites and the templates that practise it;
    the levels in order; which diagnosis is evidence against which skill."""
    practised = templates_by_skill()
    return {
        "skills": [
            {**s.to_dict(), "templates": practised.get(s.id, [])}
            for s in skill_map().skills.values()
        ],
        "levels": [level.value for level in Level],
        "diagnoses": dict(skill_map().diagnoses),
    }


@dataclass
class StudentRow:
    username: str
    display_name: str | None
    skills: dict[str, Mastery]

    def to_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "skills": {s: m.to_dict() for s, m in self.skills.items()},
        }


@dataclass
class CourseMastery:
    course_id: int
    skills: list[str]
    students: list[StudentRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        names = skill_map()
        return {
            "course_id": self.course_id,
            "skills": [{"id": s, "name": names[s].name} for s in self.skills],
            "students": [s.to_dict() for s in self.students],
        }

    def counts(self) -> dict[str, dict[str, int]]:
        """Per skill, how many students stand at each level (the grid's footer)."""
        out: dict[str, dict[str, int]] = {}
        for s in self.skills:
            tally = Counter(row.skills[s].level for row in self.students)
            out[s] = {level.value: tally.get(level.value, 0) for level in Level}
        return out


def course_mastery(svc: Services, actor: Actor, course_id: int) -> CourseMastery:
    """Students' standing per skill of the course: every student for its staff, one's own
    row for a student (skills with no evidence are "not_started")."""
    with svc.db.read() as session:
        role = course_role(session, actor, course_id)
        scope = course_skills(session, course_id)
        students = select(User.id, User.username, User.display_name)
        if role == "student":
            people = session.execute(students.where(User.id == actor.id)).all()
        else:
            people = session.execute(
                students.join(Membership, Membership.user_id == User.id)
                .where(Membership.course_id == course_id, Membership.role == "student")
                .order_by(User.username)
            ).all()
        ids = [p.id for p in people]
        rows = session.scalars(
            select(SkillMastery).where(
                SkillMastery.course_id == course_id, SkillMastery.student_id.in_(ids)
            )
        ).all()
    by_student: dict[int, dict[str, SkillMastery]] = defaultdict(dict)
    extra: set[str] = set()
    for r in rows:
        by_student[r.student_id][r.skill] = r
        extra.add(r.skill)
    # skills with evidence from outside the course's own list (a tagged exercise added late)
    skills = [s for s in skill_map().ids() if s in scope or s in extra]
    blank = level_of(DEFAULT.prior, 0).value
    out = CourseMastery(course_id, skills)
    for p in people:
        mine = by_student.get(p.id, {})
        out.students.append(
            StudentRow(
                p.username,
                p.display_name,
                {
                    s: Mastery(s, mine[s].level, mine[s].estimate, mine[s].evidence)
                    if s in mine
                    else Mastery(s, blank, DEFAULT.prior, 0)
                    for s in skills
                },
            )
        )
    return out


@dataclass
class Misconceptions:
    """Diagnosed misconceptions of a course per week (Monday 00:00 UTC), most frequent first."""

    course_id: int
    weeks: list[str]  # ISO dates of each week's Monday, oldest first
    rows: list[dict[str, Any]]  # {diagnosis, skill, total, per_week: [n, ...]}

    def to_dict(self) -> dict[str, Any]:
        return {"course_id": self.course_id, "weeks": self.weeks, "misconceptions": self.rows}


def misconceptions(
    svc: Services, actor: Actor, course_id: int, weeks: int = 8, now: datetime | None = None
) -> Misconceptions:
    """The course's diagnosed misconceptions (practice and assignments) in the last ``weeks``
    weeks, per diagnosis and week (its staff)."""
    weeks = max(1, min(weeks, MAX_WEEKS))
    now = now or utcnow()
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    starts = [monday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    with svc.db.read() as session:
        require_course_staff(session, actor, course_id)
        found = session.execute(
            select(SkillEvent.diagnosis, SkillEvent.skill, SkillEvent.created_at).where(
                SkillEvent.course_id == course_id,
                SkillEvent.observation == "misconception",
                SkillEvent.created_at >= starts[0],
            )
        ).all()
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * weeks)
    for diagnosis, skill, at in found:
        index = min(weeks - 1, max(0, (at - starts[0]).days // 7))
        table[(diagnosis or "", skill)][index] += 1
    rows: list[dict[str, Any]] = [
        {"diagnosis": d, "skill": s, "total": sum(counts), "per_week": counts}
        for (d, s), counts in table.items()
    ]
    rows.sort(key=lambda r: (-r["total"], r["diagnosis"]))
    return Misconceptions(course_id, [d.date().isoformat() for d in starts], rows)

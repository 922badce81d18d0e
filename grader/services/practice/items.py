"""Practice items: the next generated exercise for a student, and grading their answer.

The scheduler (grader/engine/scheduler.py) picks the skill and template from the student's
mastery and recent misconceptions; the template draws the item (grader/engine/generate.py),
which is stored with its seed and YAML. The first submission to an item counts for mastery;
later ones get feedback only. Choosing and generating happen outside the write transaction,
which only inserts the row.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.db.models import Course, utcnow
from grader.db.practice import PracticeItem
from grader.engine import Exercise, grade, load_exercise
from grader.engine.generate import GenerationFailed, builtin_templates, generate
from grader.engine.instance import stable_seed
from grader.engine.messages import Message, Number, Words, render
from grader.engine.scheduler import choose_next
from grader.engine.skills import skill_map
from grader.services import integrations, mastery
from grader.services.accounts.access import course_role
from grader.services.assignments.assignment import preview_for
from grader.services.context import Actor, Services
from grader.services.errors import Forbidden, Invalid, NotFound, Unavailable
from grader.services.exercises.markup import latex_to_mathml, render_markdown
from grader.services.grading.submissions import check_answers, present_parts
from grader.services.practice.scope import course_skills, templates_by_skill


@dataclass
class ServedItem:
    """An item as the student sees it: statement, parts and why it was chosen."""

    id: int
    course_id: int
    skill: str
    skill_name: str
    template: str
    seed: int
    title: str
    statement: str
    statement_html: str
    parts: list[dict[str, Any]]
    reason: Message
    attempts: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "course_id": self.course_id,
            "skill": self.skill,
            "skill_name": self.skill_name,
            "template": self.template,
            "seed": self.seed,
            "title": self.title,
            "statement": self.statement,
            "statement_html": self.statement_html,
            "parts": self.parts,
            "attempts": self.attempts,
        }


@dataclass
class Next:
    item: ServedItem
    reason: Message

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item.to_dict(),
            "reason": render(self.reason, "plain"),
            "reason_message": self.reason.to_dict(),
        }


@dataclass
class Graded:
    """A graded practice answer: the result as for assignments, plus mastery now."""

    item_id: int
    score: float
    max_score: float
    parts: dict[str, Any]
    counted: bool  # the first answer to the item: it moved mastery
    mastery: dict[str, mastery.Mastery] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "score": self.score,
            "max_score": self.max_score,
            "parts": self.parts,
            "counted": self.counted,
            "mastery": {s: m.to_dict() for s, m in self.mastery.items()},
        }


# ------------------------------------------------------------------------------ next item


def next_item(svc: Services, actor: Actor, course_id: int, skill: str | None = None) -> Next:
    """The student's unanswered item (of ``skill`` when given), else a new one chosen by the
    scheduler. Any member may practise; an archived course is read-only."""
    with svc.db.read() as session:
        _open_course(session, actor, course_id)
        scope = course_skills(session, course_id)
        if skill is not None:
            _check_skill(skill, scope)
        pending = session.scalar(
            select(PracticeItem)
            .where(
                PracticeItem.student_id == actor.id,
                PracticeItem.course_id == course_id,
                PracticeItem.attempts == 0,
            )
            .order_by(PracticeItem.id.desc())
            .limit(1)
        )
        if pending is not None and (skill is None or pending.skill == skill):
            again = _served(pending)
            return Next(again, again.reason)
        states = mastery.progress(session, course_id, actor.id)
        events = mastery.recent(session, course_id, actor.id)
        last = session.execute(
            select(PracticeItem.template, PracticeItem.seed)
            .where(PracticeItem.student_id == actor.id, PracticeItem.course_id == course_id)
            .order_by(PracticeItem.id.desc())
            .limit(1)
        ).first()
        served = session.scalar(
            select(func.count(PracticeItem.id)).where(
                PracticeItem.student_id == actor.id, PracticeItem.course_id == course_id
            )
        )
    rng = random.Random(stable_seed("practice", actor.id, course_id, served or 0))
    choice = choose_next(
        scope,
        states,
        events,
        templates_by_skill(),
        utcnow(),
        rng,
        last=(last.template, last.seed) if last else None,
        chosen=skill,
    )
    try:
        item = generate(builtin_templates()[choice.template], choice.seed)
    except GenerationFailed as exc:  # a template bug: the tests draw 200 seeds of each
        raise Unavailable(f"no exercise could be drawn for {choice.skill} ({exc})") from None
    _keep(item.text, item.exercise)
    with svc.db.write() as session:
        row = PracticeItem(
            course_id=course_id,
            student_id=actor.id,
            skill=choice.skill,
            template=choice.template,
            seed=choice.seed,
            yaml_text=item.text,
            chosen=skill,
            reason=choice.reason.to_dict(),
            max_score=item.exercise.max_score,
            attempts=0,
        )
        session.add(row)
        session.flush()
        return Next(_served(row, item.exercise, choice.reason), choice.reason)


def _open_course(session: Session, actor: Actor, course_id: int) -> str:
    role = course_role(session, actor, course_id)
    if session.get_one(Course, course_id).archived_at is not None:
        raise Forbidden(f"course {course_id} is archived; practice is closed")
    return role


def _check_skill(skill: str, scope: list[str]) -> None:
    if skill not in skill_map():
        raise NotFound(f"no skill {skill!r} (GET /api/v1/skills lists them)")
    if skill not in scope:
        raise Invalid(f"{skill!r} is not practised in this course (its skills: {', '.join(scope)})")


_EXERCISES: OrderedDict[str, Exercise] = OrderedDict()
_LOCK = threading.Lock()  # the threaded server's requests share the cache
MAX_CACHED = 256


def item_exercise(text: str) -> Exercise:
    """A stored item's exercise (kept for the next request: a student answers what they just
    fetched)."""
    with _LOCK:
        found = _EXERCISES.get(text)
        if found is not None:
            _EXERCISES.move_to_end(text)
            return found
    found = load_exercise(text, source="practice item", validated=True)
    _keep(text, found)
    return found


def _keep(text: str, exercise: Exercise) -> None:
    with _LOCK:
        _EXERCISES[text] = exercise
        while len(_EXERCISES) > MAX_CACHED:
            _EXERCISES.popitem(last=False)


def _served(
    row: PracticeItem, exercise: Exercise | None = None, reason: Message | None = None
) -> ServedItem:
    exercise = exercise or item_exercise(row.yaml_text)
    inst = exercise.instance(row.seed)
    parts = []
    for part in inst.prompts:
        latex = part.get("prompt_latex") or ""
        parts.append({**part, "prompt_mathml": latex_to_mathml(latex) if latex else ""})
    return ServedItem(
        id=row.id,
        course_id=row.course_id,
        skill=row.skill,
        skill_name=skill_map()[row.skill].name if row.skill in skill_map() else row.skill,
        template=row.template,
        seed=row.seed,
        title=exercise.title,
        statement=inst.statement,
        statement_html=render_markdown(inst.statement),
        parts=parts,
        reason=reason or message_of(row.reason),
        attempts=row.attempts,
    )


def message_of(data: dict[str, Any]) -> Message:
    """A stored reason back as a message (its words come from the catalogue when shown)."""
    args: dict[str, Any] = {}
    for name, arg in (data.get("args") or {}).items():
        if arg.get("type") == "number":
            args[name] = Number(float(arg.get("value") or 0))
        else:
            args[name] = Words(str(arg.get("text") or ""))
    return Message(str(data.get("code") or "practice.reason.new"), args)


def get_item(svc: Services, actor: Actor, item_id: int) -> Next:
    """One of the actor's own items (for review), with its reason."""
    with svc.db.read() as session:
        row = _own(session, actor, item_id)
        served = _served(row)
    return Next(served, served.reason)


def _own(session: Session, actor: Actor, item_id: int, read: bool = True) -> PracticeItem:
    """The actor's own item (an admin may read anyone's, but answers only their own)."""
    row = session.get(PracticeItem, item_id)
    if row is None or (row.student_id != actor.id and not (read and actor.is_admin)):
        raise NotFound(f"no practice item {item_id}")
    return row


# ------------------------------------------------------------------------------ answers


def submit(svc: Services, actor: Actor, item_id: int, answers: dict[str, Any]) -> Graded:
    """Grade answers to an item (at once: an item is a few small formulas). The first
    submission counts for mastery; unreadable answers are refused (422) and count nothing."""
    with svc.db.read() as session:
        row = _own(session, actor, item_id, read=False)
        _open_course(session, actor, row.course_id)
        text, seed, course_id = row.yaml_text, row.seed, row.course_id
        skill_of = row.skill
    exercise = item_exercise(text)
    cleaned = check_answers(svc, exercise, answers)
    result = grade(exercise, cleaned, seed).to_dict()
    with svc.db.write() as session:
        row = session.get_one(PracticeItem, item_id)
        counted = row.attempts == 0
        row.attempts += 1
        touched: dict[str, mastery.Mastery] = {}
        if counted:
            row.answers, row.results = dict(cleaned), result
            row.score, row.answered_at = result["score"], utcnow()
            parts = [  # a part left blank says nothing about its skills
                (exercise.skills_of(p), result["parts"][p.id])
                for p in exercise.parts
                if p.id in cleaned
            ]
            touched = mastery.record(session, course_id, actor.id, parts, practice_item_id=item_id)
            integrations.practiced(session, [(course_id, actor.id, touched)])
        standing = mastery.standing(session, course_id, actor.id, [skill_of, *touched])
    return Graded(
        item_id=item_id,
        score=result["score"],
        max_score=result["max_score"],
        parts=present_parts(result["parts"], visible=True),
        counted=counted,
        mastery=standing,
    )


def preview_answer(
    svc: Services, actor: Actor, item_id: int, expression: str, part_id: str | None
) -> dict[str, Any]:
    """How an answer to one of the actor's items reads (LaTeX, MathML), or a 422."""
    with svc.db.read() as session:
        row = _own(session, actor, item_id)
        text, seed = row.yaml_text, row.seed
    return preview_for(svc, item_exercise(text), part_id, expression, seed)


def solutions(svc: Services, actor: Actor, item_id: int, level: str = "names") -> dict[str, list]:
    """Per part of an answered item, each component's worked solution (engine Solutions),
    with where the student's first answer went wrong; empty before an answer."""
    from grader.engine.solution import answer_solutions

    with svc.db.read() as session:
        row = _own(session, actor, item_id)
        text, seed, answers = row.yaml_text, row.seed, row.answers
    if answers is None:
        return {}
    exercise = item_exercise(text)
    inst = exercise.instance(seed)
    return {
        part.id: answer_solutions(inst, part, answers.get(part.id), level, {})
        for part in exercise.parts
        if not part.is_tensor
    }

"""The questions of an assignment: reading an instructor's list (exercises and pools), each
student's pool draw, question order and parameter seeds, and a question's points.

Draws and orders depend only on (assignment, student, question), never on the server's
secret, the clock or the database's state: a reload, a regrade or a new server gives the
same. Parameter seeds are keyed by the server secret (students cannot compute classmates').
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.db.models import VARIANTS, AssignmentQuestion, Exercise, ExerciseVersion
from grader.services.errors import Invalid, NotFound

MAX_QUESTIONS = 100  # questions of one assignment, pool slots counted
MAX_POOL = 50  # alternatives of one pool
MAX_POINTS = 10_000.0


def _problem(message: str, path: str) -> Invalid:
    return Invalid(f"{path}: {message}", details=[{"path": path, "message": message}])


@dataclass(frozen=True)
class Alternative:
    """One exercise a question may be: its version row's id, slug, title and max score."""

    version_id: int
    slug: str
    version: int
    title: str
    max_score: float
    sha256: str = ""


def resolve(session: Session, ref: Any, path: str) -> Alternative:
    """An exercise reference (a slug, or {"exercise_id", "version"?}) as its version."""
    if isinstance(ref, str):
        slug, number = ref, None
    elif isinstance(ref, dict) and isinstance(ref.get("exercise_id"), str):
        slug, number = ref["exercise_id"], ref.get("version")
    else:
        raise _problem("give an exercise id, or {exercise_id, version}", path)
    if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
        raise _problem("version is a whole number", path)
    exercise = session.scalar(select(Exercise).where(Exercise.slug == slug))
    if exercise is None:
        raise NotFound(f"{path}: no exercise {slug!r}", details=[{"path": path}])
    number = number or exercise.latest_version
    version = session.scalar(
        select(ExerciseVersion).where(
            ExerciseVersion.exercise_id == exercise.id, ExerciseVersion.version == number
        )
    )
    if version is None:
        raise NotFound(f"{path}: no version {number} of {slug!r}", details=[{"path": path}])
    return Alternative(
        version.id, slug, version.version, version.title, version.max_score, version.sha256
    )


def whole(value: Any, path: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _problem(f"a whole number from {low} to {high}", path)
    return value


def check_points(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise _problem(f"points is a number from 0 to {MAX_POINTS:g}", path)
    if not 0 <= value <= MAX_POINTS:
        raise _problem(f"points is a number from 0 to {MAX_POINTS:g}", path)
    return float(value)


QUESTION_KEYS = {"exercise_id", "version", "points", "max_attempts", "variants"}
POOL_KEYS = {"pool", "choose", "points", "max_attempts", "variants"}


def build(session: Session, specs: Sequence[Any]) -> list[AssignmentQuestion]:
    """The rows of an instructor's question list (unsaved), positions and seed keys set.

    Each item: {"exercise_id", "version"?, "points"?, "max_attempts"?, "variants"?} or
    {"pool": [ids or {exercise_id, version}], "choose"?, "points"?, "max_attempts"?,
    "variants"?}. A 422 names the item and field at fault."""
    if not isinstance(specs, list | tuple) or not specs:
        raise _problem("give at least one question", "questions")
    rows: list[AssignmentQuestion] = []
    for group, spec in enumerate(specs):
        path = f"questions[{group}]"
        if not isinstance(spec, dict):
            raise _problem("each question is an object", path)
        is_pool = "pool" in spec
        unknown = set(spec) - (POOL_KEYS if is_pool else QUESTION_KEYS)
        if unknown:
            raise _problem(f"unknown field(s) {', '.join(sorted(unknown))}", path)
        limit = spec.get("max_attempts")
        if limit is not None:
            limit = whole(limit, f"{path}.max_attempts", 1, 10_000)
        variants = spec.get("variants") or "same"
        if variants not in VARIANTS:
            raise _problem(f"variants is one of {', '.join(VARIANTS)}", f"{path}.variants")
        points = check_points(spec.get("points"), f"{path}.points")
        if is_pool:
            pool = spec["pool"]
            if not isinstance(pool, list) or not 1 <= len(pool) <= MAX_POOL:
                raise _problem(f"a pool lists 1 to {MAX_POOL} exercises", f"{path}.pool")
            alternatives = [resolve(session, r, f"{path}.pool[{i}]") for i, r in enumerate(pool)]
            ids = [a.version_id for a in alternatives]
            if len(set(ids)) != len(ids):
                raise _problem("an exercise appears twice in the pool", f"{path}.pool")
            choose = whole(spec.get("choose", 1), f"{path}.choose", 1, len(ids))
            if points is None:  # every alternative counts the same: the first one's maximum
                points = alternatives[0].max_score
            for slot in range(choose):
                rows.append(
                    AssignmentQuestion(
                        group_no=group,
                        slot=slot,
                        pool=ids,
                        choose=choose,
                        points=points,
                        max_attempts=limit,
                        variants=variants,
                    )
                )
        else:
            if "exercise_id" not in spec:
                raise _problem("give exercise_id, or a pool", path)
            alt = resolve(session, spec, path)
            rows.append(
                AssignmentQuestion(
                    group_no=group,
                    slot=0,
                    exercise_version_id=alt.version_id,
                    choose=1,
                    points=points,
                    max_attempts=limit,
                    variants=variants,
                )
            )
    if len(rows) > MAX_QUESTIONS:
        raise _problem(f"at most {MAX_QUESTIONS} questions (pool draws counted)", "questions")
    for position, row in enumerate(rows):
        row.position = position
        row.seed_key = "" if position == 0 else f"q{position}"
    return rows


# --- per student -----------------------------------------------------------------------------


def _stable(*parts: object) -> int:
    """A 64-bit number from the parts, the same on every server (no secret, no hash salt)."""
    text = ":".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def drawn_version(question: Any, student_id: int) -> int:
    """The exercise version this student gets for `question` (a pool slot draws its element
    of the student's `choose` distinct picks from the pool)."""
    if not question.pool:
        return int(question.exercise_version_id)
    rng = random.Random(_stable("pool", question.assignment_id, student_id, question.group_no))
    picks = rng.sample(list(question.pool), question.choose)
    return int(picks[question.slot])


def student_order(questions: Sequence[Any], assignment_id: int, student_id: int) -> list[Any]:
    """The questions in the order this student sees them when the assignment shuffles."""
    return sorted(questions, key=lambda q: _stable("order", assignment_id, student_id, q.id))


def question_seed(
    secret_key: str, student_id: int, assignment_id: int, seed_key: str, variant: int
) -> int:
    """A 31-bit parameter seed for one student, question and variant. The first question's
    first variant has the seed one-exercise assignments always had."""
    message = f"seed:{student_id}:{assignment_id}"
    if seed_key:
        message += f":{seed_key}"
    if variant:
        message += f":v{variant}"
    digest = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def points_of(question: Any, max_score: float) -> float:
    """The question's points: as set, or the (drawn) exercise's maximum score."""
    return float(max_score if question.points is None else question.points)


def scaled(score: float | None, max_score: float, points: float) -> float | None:
    """A submission's score (out of its exercise's `max_score`) in the question's points."""
    if score is None:
        return None
    if not max_score:
        return 0.0
    return score if points == max_score else score * points / max_score


def definition(question: AssignmentQuestion, versions: dict[int, Alternative]) -> dict[str, Any]:
    """What an instructor set for one question (or pool slot), for the staff's view."""
    out: dict[str, Any] = {
        "id": question.id,
        "position": question.position,
        "points": question.points,
        "max_attempts": question.max_attempts,
        "variants": question.variants,
    }
    if question.pool:
        out["pool"] = [
            {
                "exercise_id": versions[v].slug,
                "version": versions[v].version,
                "title": versions[v].title,
            }
            for v in question.pool
            if v in versions
        ]
        out["choose"], out["slot"], out["group"] = question.choose, question.slot, question.group_no
    else:
        alt = versions.get(question.exercise_version_id or 0)
        if alt is not None:
            out["exercise_id"], out["version"], out["title"] = alt.slug, alt.version, alt.title
    return out


def alternatives(session: Session, version_ids: set[int]) -> dict[int, Alternative]:
    """Exercise version id -> its slug, number, title and max score (one query)."""
    if not version_ids:
        return {}
    rows = session.execute(
        select(
            ExerciseVersion.id,
            Exercise.slug,
            ExerciseVersion.version,
            ExerciseVersion.title,
            ExerciseVersion.max_score,
            ExerciseVersion.sha256,
        )
        .join(Exercise, Exercise.id == ExerciseVersion.exercise_id)
        .where(ExerciseVersion.id.in_(version_ids))
    ).all()
    return {
        r.id: Alternative(r.id, r.slug, r.version, r.title, r.max_score, r.sha256) for r in rows
    }


def alternative_ids(question: Any) -> list[int]:
    """The exercise versions a question may give: its pool, or its one exercise."""
    if question.pool:
        return [int(v) for v in question.pool]
    return [int(question.exercise_version_id)]


def version_ids(questions: Sequence[Any]) -> set[int]:
    """Every exercise version the questions may give (pool alternatives included)."""
    out: set[int] = set()
    for q in questions:
        out.update(alternative_ids(q))
    return out

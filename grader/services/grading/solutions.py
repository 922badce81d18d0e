"""Worked solutions: a part's computation graph, for a submission or for an instructor.

A student sees the full graph (values, local derivatives, the sum over paths, their mistake
marked) once the assignment lets them see the correct answer; before that, only where the
instructor chose to give the graph as a hint, and then without values or local derivatives.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from grader import languages
from grader.db.models import Assignment, ExerciseVersion
from grader.services import translation
from grader.services.accounts.access import require_role
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound
from grader.services.exercises import library as exercise_service
from grader.services.grading.feedback import Graded, load_graded
from grader.vocabulary import SubmissionStatus

LEVELS = ("names", "ops")
# Graphs one feedback page draws at most (one per answer box); the boxes past them get a link
# to their graph instead, so a page of 50 gradient parts over 20 variables stays cheap.
MAX_PAGE_GRAPHS = 12


def _part(exercise: Any, part_id: str | None) -> Any:
    """The part named, or the first one."""
    if part_id is None:
        return exercise.parts[0]
    try:
        return exercise.part(part_id)
    except KeyError:
        known = ", ".join(p.id for p in exercise.parts)
        raise NotFound(f"no part {part_id!r} (parts: {known})") from None


def _component(sols: list, wrt: str | None) -> Any:
    if not sols:
        raise Invalid(
            "this part asks for vectors or matrices; worked solutions are drawn for numbers only",
            code="no_solution",
        )
    if wrt is None:
        return sols[0]
    for sol in sols:
        if sol.wrt == wrt:
            return sol
    raise Invalid(
        f"no component {wrt!r} (components: {', '.join(s.wrt for s in sols)})",
        details=[{"path": "wrt"}],
    )


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise Invalid("level must be names or ops", details=[{"path": "level"}])


def hint_allowed(svc: Services, assignment_id: int) -> bool:
    with svc.db.read() as session:
        return bool(
            session.scalar(select(Assignment.solution_hint).where(Assignment.id == assignment_id))
        )


def graded_solutions(svc: Services, graded: Graded, part_id: str, level: str = "names") -> list:
    """Every component's worked solution of one part of a graded submission the actor may
    read: full, or as a structure hint, or Forbidden (403) when neither may be shown."""
    from grader.engine.solution import answer_solutions, part_solutions

    _check_level(level)
    sub = graded.submission
    if sub["status"] != SubmissionStatus.GRADED:
        raise Conflict("the submission is not graded yet", code="not_graded")
    hint = graded.hidden and hint_allowed(svc, sub["assignment_id"])
    if graded.hidden and not hint:
        raise Forbidden(
            f"The worked solution is shown when the correct answer is: {graded.reveal}."
        )
    exercise = svc.exercises.get(graded.version_id, graded.version_sha256)
    part = _part(exercise, part_id)
    inst = exercise.instance(graded.seed)
    if hint:
        return [s.structure_only() for s in part_solutions(inst, part, level)]
    answers = sub["answers"]
    return answer_solutions(inst, part, answers.get(part.id), level, answers)


def for_submission(
    svc: Services,
    actor: Actor,
    submission_id: int,
    part_id: str | None,
    level: str = "names",
    wrt: str | None = None,
) -> Any:
    """One answer box's worked solution for a submission (its student or the course's staff)."""
    graded = load_graded(svc, actor, submission_id)
    if part_id is None:
        exercise = svc.exercises.get(graded.version_id, graded.version_sha256)
        part_id = _part(exercise, None).id
    return _component(graded_solutions(svc, graded, part_id, level), wrt)


def for_exercise(
    svc: Services,
    actor: Actor,
    slug: str,
    part_id: str | None,
    seed: int = 0,
    level: str = "names",
    wrt: str | None = None,
    version: int | None = None,
) -> Any:
    """An exercise part's worked solution for one seed (instructors)."""
    from grader.engine import SamplingError
    from grader.engine.solution import part_solutions

    require_role(actor, "instructor")
    _check_level(level)
    with svc.db.read() as session:
        row = exercise_service.find(session, slug)
        number = version or row.latest_version
        chosen = session.scalar(
            select(ExerciseVersion).where(
                ExerciseVersion.exercise_id == row.id, ExerciseVersion.version == number
            )
        )
        if chosen is None:
            raise NotFound(f"no version {number} of {slug!r}")
        version_id, sha = chosen.id, chosen.sha256
    exercise = svc.exercises.get(version_id, sha)
    part = _part(exercise, part_id)
    try:
        inst = exercise.instance(seed)
    except SamplingError as exc:
        raise Invalid(f"seed {seed}: {exc.message}") from None
    return _component(part_solutions(inst, part, level), wrt)


def page_solutions(svc: Services, graded: Graded) -> dict[str, list[dict[str, Any]]]:
    """For the feedback page: per part, each component's graph summary (empty when the
    solution may not be shown yet)."""
    from grader.engine.solution import Solution

    if graded.submission["status"] != SubmissionStatus.GRADED:
        return {}
    if graded.hidden and not hint_allowed(svc, graded.submission["assignment_id"]):
        return {}
    exercise = svc.exercises.get(graded.version_id, graded.version_sha256)
    out: dict[str, list[dict[str, Any]]] = {}
    budget = MAX_PAGE_GRAPHS
    for part in exercise.parts:
        if part.is_tensor:
            continue
        boxes = len(part.components)
        if boxes > budget:
            out[part.id] = [
                {"wrt": w[0], "of": part.of, "many": boxes > 1, "deferred": True}
                for w in part.components
            ]
            continue
        budget -= boxes
        sols: list[Solution] = graded_solutions(svc, graded, part.id)
        out[part.id] = graph_summaries(sols)
    return out


def graph_summaries(sols: list[Any]) -> list[dict[str, Any]]:
    """What a page shows of each component's worked solution (``_solution.html``), worded in
    the request's language."""
    words = translation.engine_words(languages.current())
    return [
        {
            "wrt": s.wrt,
            "of": s.of,
            "many": len(sols) > 1,
            "values_shown": s.values_shown,
            "text": s.text_alternative(words),
            "edges": [e.label if s.values_shown else f"{e.src} → {e.dst}" for e in s.edges],
            "paths": [p.text for p in s.paths],
            "more_paths": s.path_count - len(s.paths),
            "total": s.total,
            "note": s.note_in(words),
            "reason": s.reason_in(words),
            "deferred": False,
        }
        for s in sols
    ]

"""Taking help on a part: opening its steps, revealing its next hint (#26).

Each is recorded per student, question and part (``help_taken``); the assignment's view
shows it, and every later submission carries a copy, which grading penalises (the penalty
only costs anything when the part is then answered right). Taking help uses no attempt.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grader import languages
from grader.db.models import Assignment, HelpTaken, utcnow
from grader.engine.assistance import HELP_KEY
from grader.engine.assistance import check_steps as engine_check_steps
from grader.engine.steps import part_steps
from grader.services import translation
from grader.services.assignments.assignment import check_part, pick_question, student_exercise
from grader.services.assignments.help import part_help, taken_by
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Invalid
from grader.services.exercises.markup import render_feedback


def _target(
    svc: Services, actor: Actor, assignment_id: int, question_id: int | None, part_id: str
) -> tuple[Any, int, int]:
    """(the actor's exercise of the question, the question's id, their seed) when they may
    work on it."""
    version_id, sha256, seed = student_exercise(svc, actor, assignment_id, question_id)
    with svc.db.read() as session:
        row = session.get(Assignment, assignment_id)
        assert row is not None  # student_exercise found it
        question = pick_question(list(row.questions), question_id, assignment_id)
        qid = question.id
    exercise = svc.exercises.get(version_id, sha256)
    check_part(exercise, part_id)
    return exercise, qid, seed


def _record(
    svc: Services, actor: Actor, assignment_id: int, qid: int, part_id: str, **change: Any
) -> HelpTaken:
    """Apply ``change`` (steps=True, or hints=n) to the student's row, made if missing."""
    for _ in range(3):
        try:
            with svc.db.write() as session:
                row = session.scalar(
                    select(HelpTaken)
                    .where(
                        HelpTaken.question_id == qid,
                        HelpTaken.student_id == actor.id,
                        HelpTaken.part_id == part_id,
                    )
                    .with_for_update()
                )
                if row is None:
                    row = HelpTaken(
                        assignment_id=assignment_id,
                        question_id=qid,
                        student_id=actor.id,
                        part_id=part_id,
                        hints=0,
                        steps=False,
                    )
                    session.add(row)
                if "hints" in change:
                    limit = change["hints"]
                    if row.hints >= limit:
                        raise Conflict(
                            f"every hint of part {part_id!r} is shown already",
                            code="no_more_hints",
                        )
                    row.hints += 1
                if change.get("steps"):
                    row.steps = True
                row.updated_at = utcnow()
                session.flush()
                session.expunge(row)
                return row
        except IntegrityError:
            continue  # another request made the row at the same moment: apply to it
    raise Conflict("too many simultaneous requests; try again")


def open_steps(
    svc: Services, actor: Actor, assignment_id: int, part_id: str, question_id: int | None = None
) -> dict[str, Any]:
    """Open a part's steps (at its step penalty): the steps to answer, and the part's help."""
    exercise, qid, _ = _target(svc, actor, assignment_id, question_id, part_id)
    if not part_steps(exercise).get(part_id):
        raise Conflict(f"part {part_id!r} has no steps", code="no_steps")
    row = _record(svc, actor, assignment_id, qid, part_id, steps=True)
    return {"part": part_id, "question_id": qid, **_help(exercise, part_id, row)}


def reveal_hint(
    svc: Services, actor: Actor, assignment_id: int, part_id: str, question_id: int | None = None
) -> dict[str, Any]:
    """Reveal a part's next hint (at its penalty): every hint shown so far, and the rest."""
    exercise, qid, _ = _target(svc, actor, assignment_id, question_id, part_id)
    hints = exercise.part(part_id).spec.hints
    if not hints:
        raise Conflict(f"part {part_id!r} has no hints", code="no_hints")
    row = _record(svc, actor, assignment_id, qid, part_id, hints=len(hints))
    return {"part": part_id, "question_id": qid, **_help(exercise, part_id, row)}


def check_steps(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    part_id: str,
    answers: dict[str, Any],
    question_id: int | None = None,
) -> dict[str, Any]:
    """Check a part's steps before answering the whole, using no attempt (it opens the steps,
    at their penalty): each step's verdict, and how they combine once all are right."""
    exercise, qid, seed = _target(svc, actor, assignment_id, question_id, part_id)
    steps = part_steps(exercise).get(part_id, ())
    if not steps:
        raise Conflict(f"part {part_id!r} has no steps", code="no_steps")
    limit = svc.config.max_answer_chars
    given = {s.id: answers.get(s.id) for s in steps}
    for key, text in given.items():
        if text is not None and (not isinstance(text, str) or len(text) > limit):
            raise Invalid(f"{key}: an answer is a text of at most {limit} characters")
    _record(svc, actor, assignment_id, qid, part_id, steps=True)
    checked = engine_check_steps(exercise, part_id, given, seed)
    out = checked.to_dict()
    language = languages.current()

    def worded(result: dict[str, Any], text: str | None, codes: str) -> str | None:
        if text and language != languages.DEFAULT:  # worded anew from its messages
            return translation.feedback(result.get(codes) or (), language) or text
        return text

    verdicts = {}
    for key, r in (out.get("steps") or {}).items():
        feedback = worded(r, r["feedback"], "messages") or ""
        verdicts[key] = {
            "correct": r["correct"],
            "feedback": feedback,
            "feedback_html": render_feedback(feedback),
            "error": r["error"],
        }
    note = worded(out, out.get("steps_note"), "steps_note_messages")
    return {
        "part": part_id,
        "question_id": qid,
        "steps": verdicts,
        "note": note,
        "note_html": render_feedback(note) if note else None,
    }


def _help(exercise: Any, part_id: str, row: HelpTaken) -> dict[str, Any]:
    from grader.engine.assistance import Taken

    return part_help(exercise, part_id, Taken(row.hints, row.steps))


def snapshot(
    session: Any, assignment_id: int, question_id: int, student_id: int, share: float | None
) -> dict[str, Any] | None:
    """What a submission to a question carries under ``@help``: the assignment's
    follow-through share and the help taken on each part (None when neither is set)."""
    taken = {
        part: {"hints": t.hints, "steps": t.steps}
        for (qid, part), t in taken_by(session, assignment_id, student_id).items()
        if qid == question_id
    }
    if not taken and share is None:
        return None
    out: dict[str, Any] = {"taken": taken}
    if share is not None:
        out["follow_through"] = share
    return out


__all__ = ["HELP_KEY", "open_steps", "reveal_hint", "snapshot"]

"""What help a question's parts offer a student (steps, hints) and what they have taken.

Read by the assignment's view (each part lists its steps and hints, with their penalties,
and what the student opened) and by grading (a submission carries a copy of the help taken).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import languages
from grader.db.models import HelpTaken
from grader.engine.assistance import Taken, penalty
from grader.engine.steps import part_steps
from grader.engine.texts import text_in
from grader.services.exercises.markup import latex_to_mathml, render_markdown


def taken_by(session: Session, assignment_id: int, student_id: int) -> dict[tuple[int, str], Taken]:
    """The help a student took in an assignment, by (question id, part id)."""
    rows = session.execute(
        select(HelpTaken.question_id, HelpTaken.part_id, HelpTaken.hints, HelpTaken.steps).where(
            HelpTaken.assignment_id == assignment_id, HelpTaken.student_id == student_id
        )
    )
    return {(r.question_id, r.part_id): Taken(r.hints, r.steps) for r in rows}


def step_penalty(exercise: Any, part: Any) -> float:
    return (
        part.spec.step_penalty
        if part.spec.step_penalty is not None
        else (exercise.spec.step_penalty)
    )


def part_help(exercise: Any, part_id: str, taken: Taken | None) -> dict[str, Any]:
    """A part's steps and hints as a student sees them: how many, at what penalty, and the
    ones they opened (the steps' prompts, the revealed hints' text)."""
    part = exercise.part(part_id)
    taken = taken or Taken()
    steps = part_steps(exercise).get(part_id, ())
    hints = part.spec.hints
    wanted, default = languages.current(), exercise.spec.language
    texts = [text_in(h.text, wanted, default)[0] for h in hints[: taken.hints]]
    out: dict[str, Any] = {
        "steps": {
            "available": len(steps),
            "penalty": step_penalty(exercise, part) if steps else 0.0,
            "opened": bool(steps) and taken.steps,
            "list": [{**s.to_dict(), "prompt_mathml": latex_to_mathml(s.latex)} for s in steps]
            if taken.steps
            else [],
        },
        "hints": {
            "available": len(hints),
            "penalties": [h.penalty for h in hints],
            "revealed": [
                {
                    "number": i + 1,
                    "markdown": text,
                    "html": render_markdown(text),
                    "penalty": h.penalty,
                }
                for i, (h, text) in enumerate(zip(hints, texts, strict=False))
            ],
        },
        "penalty": penalty(exercise, part, taken),
    }
    return out

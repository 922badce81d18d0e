"""The assignment editor's question list (#24): search the library and add an exercise, or
several as a pool; reorder with Up/Down buttons; points, attempts and parameters per question;
remove a question. Plain forms, no script needed. Every change goes through
update_assignment's question edit, so what it refuses after submissions (removing an answered
question, changing a drawn pool) is refused here with its reason.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from grader.services import translation
from grader.services.assignments import assignment as assignments
from grader.services.assignments import questions
from grader.services.context import Actor
from grader.services.errors import Forbidden, Invalid, ServiceError
from grader.services.exercises import library as exercises
from grader.web import bp
from grader.web.instructor import form_number
from grader.web.security import services, signed_in

SEARCH_ROWS = 50  # library rows the search shows at once
MAX_SEARCH_CHARS = 100


def _groups(info: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per question as the instructor set it (a pool's slots are one row, named by its
    first slot's id)."""
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for q in info["questions"]:
        if "pool" in q:
            if q["group"] in seen:
                continue
            seen.add(q["group"])
        rows.append(q)
    return rows


def _staff_settings(actor: Actor, assignment_id: int) -> dict[str, Any]:
    info = assignments.settings(services(), actor, assignment_id)
    if info["role"] == "student":
        raise Forbidden("only the course's instructors may change assignments")
    if info["kind"] == "practice":
        raise Invalid("a practice assignment has no questions: it asks for target skills")
    return info


def _page(actor: Actor, info: dict[str, Any], error: str | None = None, status: int = 200) -> Any:
    query = request.args.get("q", "").strip()[:MAX_SEARCH_CHARS]
    found = exercises.list_exercises(services(), actor, SEARCH_ROWS, 0, q=query or None)
    rows = _groups(info)
    slugs = {q["exercise_id"] for q in rows if "exercise_id" in q}
    versions = {slug: exercises.versions(services(), actor, slug)["versions"] for slug in slugs}
    page = render_template(
        "instructor/questions.html",
        info=info,
        rows=rows,
        versions=versions,
        query=query,
        found=found,
        error=error,
    )
    return page, status


@bp.get("/teach/assignments/<int:assignment_id>/questions")
@signed_in
def question_editor(actor: Actor, assignment_id: int) -> Any:
    return _page(actor, _staff_settings(actor, assignment_id))


def _typed_list() -> list[dict[str, Any]]:
    """The questions as the form has them, in its order, with what was typed for each."""
    items = []
    for number, text in enumerate(request.form.getlist("qid")[: questions.MAX_QUESTIONS], 1):
        if not text.isdigit() or len(text) > 12:
            raise Invalid(f"question {number}: no such question")
        label = f"Question {number}"
        variants = request.form.get(f"variants-{text}", "same")
        item: dict[str, Any] = {}
        exercise, _, chosen = request.form.get(f"version-{text}", "").partition(":")
        if exercise and chosen.isdigit() and len(chosen) < 10:  # another version regrades it
            item = {"exercise_id": exercise[:100], "version": int(chosen)}
        items.append(
            {
                **item,
                "id": int(text),
                "points": form_number(f"points-{text}", f"{label}, points", whole=False),
                "max_attempts": form_number(f"attempts-{text}", f"{label}, attempts", whole=True),
                "variants": variants if variants in ("same", "new_each_attempt") else "same",
            }
        )
    return items


def _added() -> dict[str, Any]:
    """The question the add form makes: one exercise picked, or a pool of those picked."""
    picked = list(dict.fromkeys(p[:100] for p in request.form.getlist("pick")))
    if not picked:
        raise Invalid("tick one exercise to add it, or several to add them as a pool")
    spec: dict[str, Any]
    if len(picked) == 1:
        spec = {"exercise_id": picked[0]}
    else:
        spec = {"pool": picked[: questions.MAX_POOL]}
        spec["choose"] = form_number("choose", "How many each student gets", whole=True) or 1
    points = form_number("new_points", "Points of the new question", whole=False)
    if points is not None:
        spec["points"] = points
    return spec


def _apply(items: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """The list after the button pressed: up:ID, down:ID, remove:ID, add or save."""
    verb, _, target = action.partition(":")
    where = next((i for i, q in enumerate(items) if str(q["id"]) == target), None)
    if verb in ("up", "down") and where is not None:
        other = where - 1 if verb == "up" else where + 1
        if 0 <= other < len(items):
            items[where], items[other] = items[other], items[where]
    elif verb == "remove" and where is not None:
        if len(items) == 1:
            raise Invalid("an assignment keeps at least one question; add another first")
        del items[where]
    elif verb == "add":
        items.append(_added())
    return items


@bp.post("/teach/assignments/<int:assignment_id>/questions")
@signed_in
def save_questions(actor: Actor, assignment_id: int) -> Any:
    info = _staff_settings(actor, assignment_id)
    action = request.form.get("action", "save")[:40]
    try:
        items = _apply(_typed_list(), action)
        changes = {"questions": items}
        saved = assignments.update_assignment(services(), actor, assignment_id, changes)
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            raise
        return _page(actor, info, error=translation.message_of(exc), status=exc.status)
    done = action.partition(":")[0] if action else "save"
    target = url_for(
        "web.question_editor",
        assignment_id=assignment_id,
        done=done,
        regraded=saved["regraded"] or None,
    )
    return redirect(target + "#questions-h", 303)

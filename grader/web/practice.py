"""Practice pages: a student's next generated exercise, its feedback and worked solution, and
their mastery per skill; the instructor's skills × students grid and misconceptions."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from grader.engine.graph_svg import render_svg
from grader.engine.messages import render
from grader.i18n import language, level_words
from grader.services import practice, timezones, translation
from grader.services.assignments import assignment as assignments
from grader.services.context import Actor
from grader.services.courses import course as courses
from grader.services.courses.results import CourseOut
from grader.services.errors import Invalid
from grader.services.grading.solutions import graph_summaries
from grader.services.practice.items import Next
from grader.web import bp
from grader.web.exercise import preview_json
from grader.web.forms import field_errors, first_problem, is_blank, read_answers
from grader.web.security import said, services, signed_in


def goal_from_form(form: Any) -> dict[str, Any]:
    """A practice assignment's goal as a form ticks it (the skills grid's "Make practice
    count" and the assignment form): the target skills and level, for create_assignment."""
    return {
        "kind": "practice",
        "target_skills": [s[:64] for s in form.getlist("target_skills")[:20]],
        "target_level": form.get("target_level") or "proficient",
    }


def goal_fields(form: Any | None = None) -> dict[str, Any]:
    """What instructor/_goal_fields.html needs: what was ticked (a refused form keeps it; a
    new one asks for proficient) and the level words."""
    goal = goal_from_form(form) if form is not None else {}
    return {
        "goal": {
            "target_skills": goal.get("target_skills", []),
            "target_level": goal.get("target_level", "proficient"),
        },
        "levels": level_words(),
    }


def practised_skills() -> list[dict[str, Any]]:
    """The skill map's skills that templates practise (those a practice assignment may target)."""
    return [
        {"id": s["id"], "name": s["name"]}
        for s in practice.skills_catalogue()["skills"]
        if s["templates"]
    ]


def _skill_arg() -> str | None:
    return request.args.get("skill", "").strip()[:64] or None


@bp.get("/courses/<int:course_id>/practice")
@signed_in
def practice_page(actor: Actor, course_id: int) -> Any:
    """The next exercise (of one skill with ``?skill=``), why it comes next, and the form."""
    svc = services()
    skill = _skill_arg()
    served = practice.next_item(svc, actor, course_id, skill)
    return _item_page(actor, course_id, served, skill)


def _item_page(
    actor: Actor,
    course_id: int,
    served: Next,
    skill: str | None,
    status: int = 200,
    **extra: Any,
) -> Any:
    svc = services()
    course = courses.get_course(svc, actor, course_id)
    standing = practice.course_mastery(svc, actor, course_id)
    mine = (
        standing.students[0].skills if standing.students and course.your_role == "student" else {}
    )
    answers = extra.pop("answers", {})
    errors = extra.pop("errors", {})
    item = served.item.to_dict()
    return render_template(
        "practice.html",
        course=course,
        item=item,
        reason=render(served.reason, "plain", translation.engine_words(language())),
        skill=skill,
        skills=standing.skills,
        names={s: n for s, n in ((r["id"], r["name"]) for r in standing.to_dict()["skills"])},
        mine=mine,
        levels=level_words(),
        answers=answers,
        errors=errors,
        focus=first_problem(item["parts"], answers, errors, False),
        **extra,
    ), status


@bp.post("/practice/items/<int:item_id>/answer")
@signed_in
def practice_answer(actor: Actor, item_id: int) -> Any:
    """Grade the form's answers at once and show the feedback, the mastery it moved and the
    worked solution; unreadable answers come back with the error, counting nothing."""
    svc = services()
    svc.rate_limiter.check(actor.id)
    served = practice.get_item(svc, actor, item_id)
    course_id = served.item.course_id
    skill = request.form.get("skill", "").strip()[:64] or None
    answers = read_answers(request.form, served.item.parts)
    if is_blank(answers):
        message = _("Type an answer first; nothing was submitted.")
        return _item_page(actor, course_id, served, skill, 422, answers=answers, message=message)
    try:
        graded = practice.submit(svc, actor, item_id, answers)
    except Invalid as exc:
        errors = field_errors(exc.details) if exc.code == "unreadable_answers" else {}
        message = said(exc)
        return _item_page(
            actor, course_id, served, skill, 422, answers=answers, errors=errors, message=message
        )
    graphs = {
        pid: graph_summaries(sols) for pid, sols in practice.solutions(svc, actor, item_id).items()
    }
    return _item_page(
        actor,
        course_id,
        served,
        skill,
        answers=answers,
        graded=graded.to_dict(),
        graphs=graphs,
    )


@bp.post("/practice/items/<int:item_id>/preview")
@signed_in
def practice_preview(actor: Actor, item_id: int) -> Any:
    svc = services()
    return preview_json(
        actor, lambda text, part: practice.preview_answer(svc, actor, item_id, text, part)
    )


@bp.get("/practice/items/<int:item_id>/solution/<part_id>.svg")
@signed_in
def practice_solution_svg(actor: Actor, item_id: int, part_id: str) -> Any:
    """The computation graph of an answered item's part (``?wrt=v``: one gradient component)."""
    sols = practice.solutions(services(), actor, item_id).get(part_id) or []
    wrt = request.args.get("wrt")
    chosen = next((s for s in sols if wrt is None or s.wrt == wrt), None)
    if chosen is None:
        return Response("no worked solution for this part yet", status=404, mimetype="text/plain")
    response = Response(render_svg(chosen, element_id="graph-names"), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/courses/<int:course_id>/mastery")
@signed_in
def mastery_page(actor: Actor, course_id: int) -> Any:
    """A student's mastery per skill (staff: the class grid and its misconceptions)."""
    svc = services()
    course = courses.get_course(svc, actor, course_id)
    standing = practice.course_mastery(svc, actor, course_id)
    if course.your_role == "student":
        return render_template(
            "mastery.html", course=course, standing=standing.to_dict(), levels=level_words()
        )
    return _grid(actor, course, standing)


@bp.get("/teach/courses/<int:course_id>/skills")
@signed_in
def skills_grid(actor: Actor, course_id: int) -> Any:
    svc = services()
    course = courses.get_course(svc, actor, course_id)
    return _grid(actor, course, practice.course_mastery(svc, actor, course_id))


def _grid(actor: Actor, course: CourseOut, standing: Any, status: int = 200, **extra: Any) -> Any:
    weeks = min(max(1, request.args.get("weeks", 8, type=int) or 8), 52)
    seen = practice.misconceptions(services(), actor, course.id, weeks)
    return render_template(
        "instructor/skills.html",
        course=course,
        standing=standing.to_dict(),
        counts=standing.counts(),
        seen=seen.to_dict(),
        **goal_fields(request.form if request.method == "POST" else None),
        **extra,
    ), status


@bp.post("/teach/courses/<int:course_id>/practice-assignments")
@signed_in
def new_practice_assignment(actor: Actor, course_id: int) -> Any:
    """Make practice count: the skills ticked, the level, the due date (the course's zone)."""
    svc = services()
    course = courses.get_course(svc, actor, course_id)
    form = request.form
    try:
        spec = goal_from_form(form)
        spec["due_at"] = timezones.from_input(form.get("due_at", ""), course.time_zone, "due_at")
        title = form.get("title", "").strip()
        if title:
            spec["title"] = title[:300]
        created = assignments.create_assignment(svc, actor, course_id, spec)
    except Invalid as exc:
        standing = practice.course_mastery(svc, actor, course_id)
        return _grid(actor, course, standing, 422, error=exc.message)
    return redirect(url_for("web.teach_course", course_id=course_id, created=created["id"]), 303)

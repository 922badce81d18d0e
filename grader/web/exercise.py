"""The exercise page: statement, one input per part, live preview and submitting."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from grader.i18n import level_words
from grader.services.assignments import assignment as assignments
from grader.services.assignments import exams
from grader.services.context import Actor
from grader.services.courses import course as courses
from grader.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    TooManyRequests,
    Unavailable,
)
from grader.services.exercises.markup import latex_to_mathml
from grader.services.grading import code_runs, help, submissions
from grader.web import bp
from grader.web.forms import (
    Answers,
    blank_parts,
    field_errors,
    first_problem,
    is_blank,
    read_answers,
)
from grader.web.security import said, services, signed_in, when

SUBMIT_WAIT_S = 5.0  # how long a submit waits for its grade before showing "being graded"
CLOSED_CODES = {"past_due", "not_open", "closed"}


def closed_reason(view: dict[str, Any], past_due: bool) -> str | None:
    """Why a student can hand in nothing more, or None while they can."""
    if view["your_role"] != "student":
        return None
    if view.get("kind") == "exam":
        if view.get("finished_at"):
            return _("You have handed this exam in; no more answers are taken.")
        if view.get("started") and view.get("time_left_s") == 0:
            return _("Your time for this exam is up; no more answers are taken.")
    if view["attempts_left"] == 0:
        n = view["max_attempts"]
        return ngettext(
            "You have used all %(num)d attempt; no more answers are taken.",
            "You have used all %(num)d attempts; no more answers are taken.",
            n,
        )
    if past_due:
        due = when(view["due_at"], view.get("time_zone"))
        return _("This assignment was due %(when)s and takes no late work.", when=due)
    return None


def _urls(view: dict[str, Any]) -> dict[str, str]:
    """Where the question page's form submits and previews (the one-exercise URLs for a
    one-question assignment)."""
    aid, qid = view["id"], view["question_id"]
    if view.get("question_count", 1) == 1 and view.get("kind") != "exam":
        return {
            "submit_url": url_for("web.submit", assignment_id=aid),
            "preview_url": url_for("web.preview", assignment_id=aid),
            "checks_url": url_for("web.run_checks", assignment_id=aid),
        }
    return {
        "submit_url": url_for("web.submit_question", assignment_id=aid, question_id=qid),
        "preview_url": url_for("web.preview_question", assignment_id=aid, question_id=qid),
        "checks_url": url_for("web.run_question_checks", assignment_id=aid, question_id=qid),
    }


def _help_urls(view: dict[str, Any]) -> dict[str, str]:
    """Where a part's "Show hint" and "Break it into steps" buttons post (``__part__`` stands
    for the part's id)."""
    aid, qid = view["id"], view["question_id"]
    return {
        kind: url_for(
            "web.question_help", assignment_id=aid, question_id=qid, kind=kind, part_id="__part__"
        )
        for kind in ("hints", "steps", "check")
    }


def _page(
    actor: Actor,
    view: dict[str, Any],
    status: int = 200,
    *,
    answers: Answers | None = None,
    errors: dict[str, Any] | None = None,
    message: str | None = None,
    blank: list[int] | None = None,
    past_due: bool = False,
    code_runs: dict[str, Any] | None = None,
    step_checks: dict[str, Any] | None = None,
) -> Any:
    """The question page; without `answers` its boxes hold the last attempt's answers."""
    svc = services()
    info = assignments.settings(svc, actor, view["id"])
    found = submissions.list_submissions(
        svc,
        actor,
        view["id"],
        student=actor.username,
        status=None,
        limit=1,
        offset=0,
        question_id=view["question_id"],
    )["items"]
    latest = found[0] if found else None
    right: set[str] = set()
    if answers is None and latest is not None:
        # a new variant asks with new parameters: the old answers would mislead
        same_variant = latest.get("variant", 0) == view["question"].get("variant", 0)
        answers = latest["answers"] if same_variant else {}
        right = (
            {pid for pid, r in latest["parts"].items() if r.get("correct")}
            if same_variant
            else set()
        )
    answers = answers or {}
    closed = closed_reason(view, past_due)
    page = render_template(
        "exercise.html",
        a=view,
        info=info,
        latest=latest,
        answers=answers,
        right=right,
        errors=errors or {},
        message=message,
        blank=blank or [],
        closed=closed,
        focus=None if closed else first_problem(view["parts"], answers, errors or {}, bool(blank)),
        attempt_key=secrets.token_urlsafe(16),
        code_runs=code_runs or {},
        help_urls=_help_urls(view),
        step_checks=step_checks or {},
        **_urls(view),
    )
    return page, status


def _open_question(
    actor: Actor, assignment_id: int, question_id: int | None, status: int
) -> tuple[dict[str, Any] | None, Any]:
    """The question's view, or (None, the closed page at `status`) past a hard due date or
    before it opens; any other refusal is raised."""
    try:
        return assignments.question_view(services(), actor, assignment_id, question_id), None
    except Forbidden as exc:
        if exc.code in CLOSED_CODES:
            return None, _closed(actor, assignment_id, exc, status, question_id)
        raise


def _closed(
    actor: Actor,
    assignment_id: int,
    exc: Forbidden,
    status: int = 403,
    question_id: int | None = None,
) -> Any:
    """Past a hard due date: the exercise to read, its form disabled. Not open yet: a notice."""
    if exc.code in ("past_due", "closed"):
        view = _question(actor, assignment_id, question_id, past_due_ok=True)
        if view is None:
            whole = assignments.view(services(), actor, assignment_id, past_due_ok=True)
            return _overview(actor, whole, status)
        return _page(actor, view, status, past_due=True)
    info = assignments.settings(services(), actor, assignment_id)
    return render_template("closed.html", info=info, message=exc.message), 403


def _question(
    actor: Actor, assignment_id: int, question_id: int | None, *, past_due_ok: bool = False
) -> dict[str, Any] | None:
    """One question's view; None for the assignment page of a multi-question assignment or
    an exam (when no question is named)."""
    svc = services()
    if question_id is None:
        whole = assignments.view(svc, actor, assignment_id, past_due_ok=past_due_ok)
        if len(whole["questions"]) != 1 or whole["kind"] == "exam":
            return None
    return assignments.question_view(
        svc, actor, assignment_id, question_id, past_due_ok=past_due_ok
    )


def _overview(actor: Actor, view: dict[str, Any], status: int = 200) -> Any:
    """The assignment page: its questions with points, status, attempts left and score; an
    exam's start button or timer. Staff also get the course's students, to see the
    assignment as one of them gets it (pool draws and parameters)."""
    svc = services()
    info = assignments.settings(svc, actor, view["id"])
    students = []
    if view["your_role"] != "student":
        members = courses.list_members(svc, actor, view["course_id"], 200, 0).items
        students = [m.username for m in members if m.role == "student"]
    return render_template("assignment.html", a=view, info=info, students=students), status


@bp.get("/assignments/<int:assignment_id>")
@signed_in
def exercise(actor: Actor, assignment_id: int) -> Any:
    """A one-exercise assignment's question page, else the assignment page; staff with
    `?student=` see the assignment page as that student gets it."""
    seen_as = request.args.get("student", "").strip()[:64] or None
    if seen_as is not None:
        return _overview(
            actor, assignments.view(services(), actor, assignment_id, as_student=seen_as)
        )
    try:
        view = assignments.view(services(), actor, assignment_id)
    except Forbidden as exc:
        if exc.code in CLOSED_CODES:
            return _closed(actor, assignment_id, exc, 200)
        raise
    if view["kind"] == "practice":
        return _goal_page(actor, view)
    if len(view["questions"]) != 1 or view["kind"] == "exam":
        return _overview(actor, view)
    return _page(actor, assignments.question_view(services(), actor, assignment_id, None))


def _goal_page(actor: Actor, view: dict[str, Any]) -> Any:
    """A practice assignment: the skills to reach, the level reached in each, Practise."""
    from grader.engine.skills import skill_map

    info = assignments.settings(services(), actor, view["id"])
    names = {s: skill_map()[s].name for s in view["target_skills"] if s in skill_map()}
    levels = {str(level): word for level, word in level_words().items()}
    return render_template("practice_goal.html", a=view, info=info, names=names, levels=levels)


@bp.get("/assignments/<int:assignment_id>/questions/<int:question_id>")
@signed_in
def question(actor: Actor, assignment_id: int, question_id: int) -> Any:
    """One question of an assignment, with Previous/Next in the student's order."""
    view, closed = _open_question(actor, assignment_id, question_id, 200)
    if view is None:
        return closed
    if view["kind"] == "exam" and view["your_role"] == "student" and not view.get("started"):
        if view.get("time_limit_minutes"):
            return redirect(url_for("web.exercise", assignment_id=assignment_id), code=303)
    return _page(actor, view)


def _submit(actor: Actor, assignment_id: int, question_id: int | None) -> Any:
    """Plain form POST; redirects to the feedback. Unreadable answers cost no attempt, and
    blank parts are asked about first (without JavaScript too), costing none either."""
    svc = services()
    svc.rate_limiter.check(actor.id)
    view, closed = _open_question(actor, assignment_id, question_id, 403)
    if view is None:
        return closed
    answers = read_answers(request.form, view["parts"])
    run_part = request.form.get("run_checks")
    if run_part:  # "Run the checks" without JavaScript: the page again, no attempt used
        return _run_checks_page(actor, view, answers, run_part)
    if is_blank(answers):
        message = "Type an answer in at least one box; nothing was submitted."
        return _page(actor, view, 422, answers=answers, message=message)
    blank = blank_parts(answers)
    if blank and request.form.get("confirm_blank") != "1":
        return _page(actor, view, answers=answers, blank=blank)
    form_key = request.form.get("attempt_key", "")[:64]  # a double click submits once
    key = f"web-{form_key}" if form_key else None
    try:
        accepted, _new = submissions.submit(
            svc, actor, assignment_id, answers, key, view["question_id"]
        )
    except Invalid as exc:
        errors = field_errors(exc.details) if exc.code == "unreadable_answers" else {}
        return _page(actor, view, 422, answers=answers, errors=errors, message=said(exc))
    except Conflict as exc:
        if exc.code in ("time_up", "finished", "not_started"):
            view = assignments.question_view(svc, actor, assignment_id, view["question_id"])
        return _page(actor, view, 409, answers=answers, message=said(exc))
    if accepted.get("repeated"):
        session["notice"] = _(
            "These are the same answers as attempt %(n)s: its result is shown again, and no "
            "attempt was used.",
            n=accepted["attempt"],
        )
    wait_s = min(SUBMIT_WAIT_S, svc.config.max_wait_ms / 1000)
    submissions.wait_for(svc, accepted["id"], wait_s, actor.id)
    return redirect(url_for("web.submission", submission_id=accepted["id"]), code=303)


def _run_checks_page(actor: Actor, view: dict[str, Any], answers: Answers, part_id: str) -> Any:
    code = answers.get(part_id)
    try:
        run = code_runs.run_checks(
            services(), actor, view["id"], part_id, str(code or ""), view["question_id"]
        )
    except (Invalid, Unavailable, TooManyRequests) as exc:
        message = exc.message[:1].upper() + exc.message[1:] + "."
        return _page(actor, view, exc.status, answers=answers, message=message)
    return _page(actor, view, answers=answers, code_runs={part_id: run})


@bp.post("/assignments/<int:assignment_id>/checks")
@signed_in
def run_checks(actor: Actor, assignment_id: int) -> Any:
    return _run_checks(actor, assignment_id, None)


@bp.post("/assignments/<int:assignment_id>/questions/<int:question_id>/checks")
@signed_in
def run_question_checks(actor: Actor, assignment_id: int, question_id: int) -> Any:
    return _run_checks(actor, assignment_id, question_id)


def _run_checks(actor: Actor, assignment_id: int, question_id: int | None) -> Any:
    """JSON for "Run the checks": whether the code ran on each check and its output shapes."""
    svc = services()
    body = request.get_json(silent=True)
    part = body.get("part") if isinstance(body, dict) else None
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(part, str) or not isinstance(code, str):
        return jsonify(ok=False, message='send {"part": part id, "code": text}'), 422
    svc.rate_limiter.check(actor.id)
    try:
        run = code_runs.run_checks(svc, actor, assignment_id, part, code, question_id)
    except (Invalid, Unavailable) as exc:
        return jsonify(ok=False, message=exc.message, checks=[]), exc.status
    html = render_template("_code_run.html", run=run)
    return jsonify(**run, html=html)


@bp.post("/assignments/<int:assignment_id>/questions/<int:question_id>/help/<kind>/<part_id>")
@signed_in
def question_help(
    actor: Actor, assignment_id: int, question_id: int, kind: str, part_id: str
) -> Any:
    """ "Show hint" and "Break it into steps": take the help, then the page again with the
    answers typed so far kept and the hint or the steps in place (no attempt used)."""
    svc = services()
    svc.rate_limiter.check(actor.id)
    if kind not in ("hints", "steps", "check"):
        raise NotFound(f"no help of kind {kind!r}")
    view, closed = _open_question(actor, assignment_id, question_id, 403)
    if view is None:
        return closed
    answers = read_answers(request.form, view["parts"])
    checked: dict[str, Any] = {}
    try:
        if kind == "check":  # "Check the steps": verdicts beside the boxes, no attempt used
            checked[part_id] = help.check_steps(
                svc, actor, assignment_id, part_id, dict(answers), question_id
            )
        elif kind == "hints":
            help.reveal_hint(svc, actor, assignment_id, part_id, question_id)
        else:
            help.open_steps(svc, actor, assignment_id, part_id, question_id)
    except (Invalid, Conflict) as exc:
        message = exc.message[:1].upper() + exc.message[1:] + "."
        return _page(actor, view, exc.status, answers=answers, message=message)
    view = assignments.question_view(svc, actor, assignment_id, question_id)
    return _page(actor, view, answers=answers, step_checks=checked)


@bp.post("/assignments/<int:assignment_id>/submit")
@signed_in
def submit(actor: Actor, assignment_id: int) -> Any:
    return _submit(actor, assignment_id, None)


@bp.post("/assignments/<int:assignment_id>/questions/<int:question_id>/submit")
@signed_in
def submit_question(actor: Actor, assignment_id: int, question_id: int) -> Any:
    return _submit(actor, assignment_id, question_id)


@bp.post("/assignments/<int:assignment_id>/start")
@signed_in
def start_exam(actor: Actor, assignment_id: int) -> Any:
    """The exam's start button: the clock starts; on to the first question."""
    try:
        exams.start(services(), actor, assignment_id)
    except (Conflict, Forbidden) as exc:
        view = assignments.view(services(), actor, assignment_id, past_due_ok=True)
        info = assignments.settings(services(), actor, assignment_id)
        page = render_template("assignment.html", a=view, info=info, message=exc.message)
        return page, 409
    view = assignments.view(services(), actor, assignment_id)
    first = view["questions"][0]["id"]
    return redirect(
        url_for("web.question", assignment_id=assignment_id, question_id=first), code=303
    )


@bp.post("/assignments/<int:assignment_id>/finish")
@signed_in
def finish_exam(actor: Actor, assignment_id: int) -> Any:
    """Hand the exam in before the time is up."""
    exams.finish(services(), actor, assignment_id)
    return redirect(url_for("web.exercise", assignment_id=assignment_id), code=303)


def _preview(actor: Actor, assignment_id: int, question_id: int | None) -> Any:
    svc = services()
    return preview_json(
        actor,
        lambda text, part: assignments.preview_answer(
            svc, actor, assignment_id, text, part, question_id
        ),
    )


def preview_json(actor: Actor, read: Callable[[str, str | None], dict[str, Any]]) -> Any:
    """JSON for the live preview: how the answer was read (MathML), or the error and a caret;
    ``read(expression, part)`` is the service's preview of the page's exercise."""
    svc = services()
    body = request.get_json(silent=True) or {}
    expression = body.get("expression", "") if isinstance(body, dict) else None
    part = body.get("part") if isinstance(body, dict) else None
    if not isinstance(expression, str) or not isinstance(part, str | None):
        message = 'send {"expression": text, "part": part id}'
        return jsonify(ok=False, message=message, column=None, caret=None), 422
    if not expression.strip():
        return jsonify(ok=True, empty=True)
    svc.rate_limiter.check(actor.id)
    try:
        shown = read(expression, part)
    except Invalid as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        return jsonify(
            ok=False,
            message=exc.message,
            column=details.get("column"),
            caret=details.get("caret"),
        ), 422
    return jsonify(ok=True, mathml=latex_to_mathml(shown["latex"]), text=shown["text"])


@bp.post("/assignments/<int:assignment_id>/preview")
@signed_in
def preview(actor: Actor, assignment_id: int) -> Any:
    return _preview(actor, assignment_id, None)


@bp.post("/assignments/<int:assignment_id>/questions/<int:question_id>/preview")
@signed_in
def preview_question(actor: Actor, assignment_id: int, question_id: int) -> Any:
    return _preview(actor, assignment_id, question_id)

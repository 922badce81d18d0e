"""The exercise page: statement, one input per part, live preview and submitting."""

from __future__ import annotations

import secrets
from typing import Any

from flask import jsonify, redirect, render_template, request, session, url_for

from grader.services.assignments import assignment as assignments
from grader.services.context import Actor
from grader.services.errors import Conflict, Forbidden, Invalid, TooManyRequests, Unavailable
from grader.services.exercises.markup import latex_to_mathml
from grader.services.grading import code_runs, submissions
from grader.web import bp
from grader.web.forms import (
    Answers,
    blank_parts,
    field_errors,
    first_problem,
    is_blank,
    read_answers,
)
from grader.web.security import services, signed_in, when

SUBMIT_WAIT_S = 5.0  # how long a submit waits for its grade before showing "being graded"
CLOSED_CODES = {"past_due", "not_open"}


def closed_reason(view: dict[str, Any], past_due: bool) -> str | None:
    """Why a student can hand in nothing more, or None while they can."""
    if view["your_role"] != "student":
        return None
    if view["attempts_left"] == 0:
        n = view["max_attempts"]
        return f"You have used all {n} attempt{'s' if n != 1 else ''}; no more answers are taken."
    if past_due:
        due = when(view["due_at"], view.get("time_zone"))
        return f"This assignment was due {due} and takes no late work."
    return None


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
) -> Any:
    """The exercise page; without `answers` its boxes hold the last attempt's answers."""
    svc = services()
    info = assignments.settings(svc, actor, view["id"])
    found = submissions.list_submissions(
        svc, actor, view["id"], student=actor.username, status=None, limit=1, offset=0
    )["items"]
    latest = found[0] if found else None
    right: set[str] = set()
    if answers is None and latest is not None:
        answers = latest["answers"]
        right = {pid for pid, r in latest["parts"].items() if r.get("correct")}
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
    )
    return page, status


def _closed(actor: Actor, assignment_id: int, exc: Forbidden, status: int = 403) -> Any:
    """Past a hard due date: the exercise to read, its form disabled. Not open yet: a notice."""
    if exc.code == "past_due":
        view = assignments.view(services(), actor, assignment_id, past_due_ok=True)
        return _page(actor, view, status, past_due=True)
    info = assignments.settings(services(), actor, assignment_id)
    return render_template("closed.html", info=info, message=exc.message), 403


@bp.get("/assignments/<int:assignment_id>")
@signed_in
def exercise(actor: Actor, assignment_id: int) -> Any:
    try:
        view = assignments.view(services(), actor, assignment_id)
    except Forbidden as exc:
        if exc.code in CLOSED_CODES:
            return _closed(actor, assignment_id, exc, 200)
        raise
    return _page(actor, view)


@bp.post("/assignments/<int:assignment_id>/submit")
@signed_in
def submit(actor: Actor, assignment_id: int) -> Any:
    """Plain form POST; redirects to the feedback. Unreadable answers cost no attempt, and
    blank parts are asked about first (without JavaScript too), costing none either."""
    svc = services()
    svc.rate_limiter.check(actor.id)
    try:
        view = assignments.view(svc, actor, assignment_id)
    except Forbidden as exc:
        if exc.code in CLOSED_CODES:
            return _closed(actor, assignment_id, exc)
        raise
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
        accepted, _new = submissions.submit(svc, actor, assignment_id, answers, key)
    except Invalid as exc:
        errors = field_errors(exc.details) if exc.code == "unreadable_answers" else {}
        message = exc.message[:1].upper() + exc.message[1:] + "."
        return _page(actor, view, 422, answers=answers, errors=errors, message=message)
    except Conflict as exc:
        return _page(actor, view, 409, answers=answers, message=exc.message.capitalize() + ".")
    if accepted.get("repeated"):
        session["notice"] = (
            f"These are the same answers as attempt {accepted['attempt']}: its result is shown "
            "again, and no attempt was used."
        )
    wait_s = min(SUBMIT_WAIT_S, svc.config.max_wait_ms / 1000)
    submissions.wait_for(svc, accepted["id"], wait_s, actor.id)
    return redirect(url_for("web.submission", submission_id=accepted["id"]), code=303)


def _run_checks_page(actor: Actor, view: dict[str, Any], answers: Answers, part_id: str) -> Any:
    code = answers.get(part_id)
    try:
        run = code_runs.run_checks(services(), actor, view["id"], part_id, str(code or ""))
    except (Invalid, Unavailable, TooManyRequests) as exc:
        message = exc.message[:1].upper() + exc.message[1:] + "."
        return _page(actor, view, exc.status, answers=answers, message=message)
    return _page(actor, view, answers=answers, code_runs={part_id: run})


@bp.post("/assignments/<int:assignment_id>/checks")
@signed_in
def run_checks(actor: Actor, assignment_id: int) -> Any:
    """JSON for "Run the checks": whether the code ran on each check and its output shapes."""
    svc = services()
    body = request.get_json(silent=True)
    part = body.get("part") if isinstance(body, dict) else None
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(part, str) or not isinstance(code, str):
        return jsonify(ok=False, message='send {"part": part id, "code": text}'), 422
    svc.rate_limiter.check(actor.id)
    try:
        run = code_runs.run_checks(svc, actor, assignment_id, part, code)
    except (Invalid, Unavailable) as exc:
        return jsonify(ok=False, message=exc.message, checks=[]), exc.status
    html = render_template("_code_run.html", run=run)
    return jsonify(**run, html=html)


@bp.post("/assignments/<int:assignment_id>/preview")
@signed_in
def preview(actor: Actor, assignment_id: int) -> Any:
    """JSON for the live preview: how the answer was read (MathML), or the error and a caret."""
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
        shown = assignments.preview_answer(svc, actor, assignment_id, expression, part)
    except Invalid as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        return jsonify(
            ok=False,
            message=exc.message,
            column=details.get("column"),
            caret=details.get("caret"),
        ), 422
    return jsonify(ok=True, mathml=latex_to_mathml(shown["latex"]), text=shown["text"])

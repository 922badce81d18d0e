"""Feedback on one submission, and its plots as SVG."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, session

from grader.services.assignments import assignment as assignments
from grader.services.context import Actor
from grader.services.grading import feedback, solutions
from grader.vocabulary import SubmissionStatus
from grader.web import bp
from grader.web.plots import SIZES, describe, render_svg
from grader.web.security import services, signed_in


@bp.get("/submissions/<int:submission_id>")
@signed_in
def submission(actor: Actor, submission_id: int) -> Any:
    svc = services()
    graded = feedback.load_graded(svc, actor, submission_id)
    done = graded.submission["status"] == SubmissionStatus.GRADED
    parts = feedback.feedback_parts(svc, graded) if done else []
    for part in parts:
        for shown in part["plots"]:
            shown["alt"] = describe(shown.pop("curves"), graded.hidden, shown["label"])
    left = None
    if graded.max_attempts is not None:
        left = max(graded.max_attempts - graded.attempts_used, 0)
    info = assignments.settings(svc, actor, graded.submission["assignment_id"])
    graphs = solutions.page_solutions(svc, graded) if done else {}
    closed = None
    if info["role"] == "student" and left == 0:
        closed = "No attempts left."
    elif info["role"] == "student" and graded.past_due:
        closed = "The assignment is closed."
    return render_template(
        "submission.html",
        g_=graded,
        s=graded.submission,
        parts=parts,
        left=left,
        info=info,
        graphs=graphs,
        closed=closed,
        notice=session.pop("notice", None),
    )


@bp.get("/submissions/<int:submission_id>/plots/<part_id>/<int:component>.svg")
@signed_in
def plot(actor: Actor, submission_id: int, part_id: str, component: int) -> Any:
    data, hidden, label = feedback.plot_data(services(), actor, submission_id, part_id, component)
    size = request.args.get("size", "wide")
    if size not in SIZES:
        size = "wide"
    response = Response(render_svg(data, hidden, label, size), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response

"""/api/v1/assignments/{id}: the student's view, preview, submissions."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from grader.api.common import PREFIX, SECURITY, actor, error_responses, json_object, svc
from grader.api.schemas import (
    Accepted,
    AssignmentPath,
    AssignmentUpdate,
    IdempotencyHeader,
    Page,
    Preview,
    PreviewBody,
    SubmissionCreate,
    SubmissionOut,
    SubmissionQuery,
    WaitQuery,
)
from grader.services import assignments, submissions

bp = APIBlueprint(
    "assignments",
    __name__,
    url_prefix=PREFIX,
    abp_tags=[Tag(name="assignments")],
    abp_security=SECURITY,
    abp_responses=error_responses(),
)


@bp.get(
    "/assignments/<int:assignment_id>",
    responses={200: json_object("the assignment with your parameters")},
)
def get_assignment(path: AssignmentPath):
    """The assignment with your own parameters: statement (Markdown and HTML with MathML),
    parts, attempts used and left. Never the definitions or answers."""
    return assignments.view(svc(), actor(), path.assignment_id)


@bp.patch(
    "/assignments/<int:assignment_id>", responses={200: json_object("the assignment's settings")}
)
def update_assignment(path: AssignmentPath, body: AssignmentUpdate):
    """Change dates, attempts, late penalty or when students see the correct answer
    (the course's instructors). Only the fields sent change."""
    changes = body.model_dump(exclude_unset=True)
    for key in ("show_answers", "solution_hint"):
        if key in changes and changes[key] is None:
            del changes[key]  # null keeps the setting: it has no "cleared" state
    return assignments.update_assignment(svc(), actor(), path.assignment_id, changes)


@bp.delete("/assignments/<int:assignment_id>", responses={204: None})
def delete_assignment(path: AssignmentPath):
    """Delete an assignment without submissions (the course's instructors)."""
    assignments.delete_assignment(svc(), actor(), path.assignment_id)
    return "", 204


@bp.post("/assignments/<int:assignment_id>/preview", responses={200: Preview})
def preview(path: AssignmentPath, body: PreviewBody):
    """How an answer is read (LaTeX and MathML), or 422 with the message and column."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    return assignments.preview_answer(services, who, path.assignment_id, body.expression, body.part)


@bp.post(
    "/assignments/<int:assignment_id>/submissions",
    responses={202: Accepted, 200: SubmissionOut},
)
def submit(
    path: AssignmentPath, query: WaitQuery, header: IdempotencyHeader, body: SubmissionCreate
):
    """Submit answers: 202 {id, status} once stored; with `?wait=MS`, 200 and the graded result
    when it is ready in time. Unreadable answers get 422 and use no attempt."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    accepted, new = submissions.submit(
        services, who, path.assignment_id, body.answers, header.idempotency_key
    )
    headers = {"Location": f"/api/v1/submissions/{accepted['id']}"}
    if not new:
        headers["Idempotent-Replayed"] = "true"
    wait_ms = min(query.wait, services.config.max_wait_ms)
    if wait_ms:
        submissions.wait_for(services, accepted["id"], wait_ms / 1000, who.id)
    if wait_ms or not new:
        result = submissions.get_submission(services, who, accepted["id"])
        if result["status"] in ("graded", "failed"):
            return result, 200, headers
        accepted = {"id": result["id"], "status": result["status"], "attempt": result["attempt"]}
    return accepted, 202, headers


@bp.get("/assignments/<int:assignment_id>/submissions", responses={200: Page})
def list_submissions(path: AssignmentPath, query: SubmissionQuery):
    """Submissions, newest first: instructors everyone's (`?student=`), students their own."""
    return submissions.list_submissions(
        svc(),
        actor(),
        path.assignment_id,
        student=query.student,
        status=query.status,
        limit=query.limit,
        offset=query.offset,
    )

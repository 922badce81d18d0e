"""/api/v1/assignments/{id}: the student's view, preview, submissions."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from grader.api.common import (
    PREFIX,
    SECURITY,
    actor,
    csv_response,
    error_responses,
    json_object,
    svc,
)
from grader.api.schemas import (
    Accepted,
    AssignmentPath,
    AssignmentUpdate,
    CodeRun,
    CodeRunBody,
    ExtensionCreate,
    IdempotencyHeader,
    OverrideCreate,
    Page,
    Preview,
    PreviewBody,
    SubmissionCreate,
    SubmissionOut,
    SubmissionQuery,
    WaitQuery,
)
from grader.services.assignments import assignment as assignments
from grader.services.gradebook import analytics
from grader.services.gradebook import scores as gradebook
from grader.services.grading import code_runs, submissions
from grader.vocabulary import DONE

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
    """Change dates, attempts, late penalty, when students see the correct answer, which
    attempt counts, or the exercise `version` (regrades every submission; earlier results are
    kept) (the course's instructors). Only the fields sent change."""
    changes = body.model_dump(exclude_unset=True)
    for key in ("show_answers", "solution_hint", "score_policy", "version"):
        if key in changes and changes[key] is None:
            del changes[key]  # null keeps these: they have no "cleared" state
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


@bp.post("/assignments/<int:assignment_id>/checks", responses={200: CodeRun})
def run_checks(path: AssignmentPath, body: CodeRunBody):
    """Run the checks of a code part on your function without using an attempt: whether it
    ran on each generated input and returned the right shapes (not whether the values are
    right); the code runs in the sandbox. 503 where the sandbox cannot run here."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    return code_runs.run_checks(services, who, path.assignment_id, body.part, body.code)


@bp.post(
    "/assignments/<int:assignment_id>/submissions",
    responses={202: Accepted, 200: SubmissionOut},
)
def submit(
    path: AssignmentPath, query: WaitQuery, header: IdempotencyHeader, body: SubmissionCreate
):
    """Submit answers: 202 {id, status} once stored; with `?wait=MS`, 200 and the graded result
    when it is ready in time. Unreadable answers get 422 and use no attempt. The same answers
    as the student's last attempt use none either: that attempt's result comes back (200 when
    graded), with `"repeated": true` and the header `Submission-Repeated: true`."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    accepted, new = submissions.submit(
        services, who, path.assignment_id, body.answers, header.idempotency_key
    )
    headers = {"Location": f"/api/v1/submissions/{accepted['id']}"}
    repeated = bool(accepted.get("repeated"))
    if repeated:
        headers["Submission-Repeated"] = "true"
    elif not new:
        headers["Idempotent-Replayed"] = "true"
    wait_ms = min(query.wait, services.config.max_wait_ms)
    if wait_ms:
        submissions.wait_for(services, accepted["id"], wait_ms / 1000, who.id)
    if wait_ms or not new:
        result = submissions.get_submission(services, who, accepted["id"])
        if result["status"] in DONE:
            return {**result, "repeated": repeated}, 200, headers
        accepted = {
            "id": result["id"],
            "status": result["status"],
            "attempt": result["attempt"],
            "repeated": repeated,
        }
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


@bp.get(
    "/assignments/<int:assignment_id>/analytics",
    responses={200: json_object("per part: attempts, first-try success, wrong-answer groups")},
)
def get_analytics(path: AssignmentPath):
    """Per part: attempts, students, share right at the first try, mean attempts to correct,
    and the 10 most common wrong answers grouped by mathematical equivalence (values at the
    sample points), each with a representative as typed, the number of students and the
    diagnosis; and the score distribution (the course's instructors; previews never count)."""
    return analytics.analytics(svc(), actor(), path.assignment_id)


@bp.get(
    "/assignments/<int:assignment_id>/submissions/export",
    responses={
        200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
def export_submissions(path: AssignmentPath):
    """Every submission (not previews) as CSV: student, attempt, time, status, score, late,
    each part's answer and verdict (the course's instructors)."""
    text = gradebook.submissions_csv(svc(), actor(), path.assignment_id)
    return csv_response(text, f"submissions-assignment-{path.assignment_id}")


@bp.post(
    "/assignments/<int:assignment_id>/extensions",
    responses={201: json_object("the extension")},
)
def add_extension(path: AssignmentPath, body: ExtensionCreate):
    """Give one student a later due date and/or extra attempts (replaces an earlier one)."""
    result = gradebook.set_extension(
        svc(), actor(), path.assignment_id, body.username, body.due_at, body.extra_attempts
    )
    return result, 201


@bp.post(
    "/assignments/<int:assignment_id>/overrides",
    responses={201: json_object("the override")},
)
def add_override(path: AssignmentPath, body: OverrideCreate):
    """Set one student's score for the assignment, with a reason (kept, shown in the
    gradebook and exported); replaces an earlier override."""
    result = gradebook.set_override(
        svc(), actor(), path.assignment_id, body.username, body.score, body.reason
    )
    return result, 201

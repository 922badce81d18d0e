"""/api/v1/assignments/{id}: the student's view, preview, submissions."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from grader.api.common import (
    PREFIX,
    SECURITY,
    actor,
    csv_response,
    error_responses,
    out,
    svc,
)
from grader.api.schemas import (
    Accepted,
    AssignmentPath,
    AssignmentQuery,
    AssignmentUpdate,
    CodeRun,
    CodeRunBody,
    ExtensionCreate,
    IdempotencyHeader,
    OverrideCreate,
    PartHelpPath,
    Preview,
    PreviewBody,
    QuestionPartHelpPath,
    QuestionPath,
    StepsCheck,
    SubmissionCreate,
    SubmissionOut,
    SubmissionPage,
    SubmissionQuery,
    WaitQuery,
)
from grader.services.assignments import assignment as assignments
from grader.services.assignments import exams
from grader.services.assignments.results import (
    AssignmentUpdated,
    AssignmentView,
    ExamFinished,
    ExamRoster,
    ExamStarted,
    PartHelpAnswer,
    StepsChecked,
)
from grader.services.errors import Invalid
from grader.services.gradebook import analytics
from grader.services.gradebook import scores as gradebook
from grader.services.gradebook.results import Analytics, ExtensionGiven, Override, Statistics
from grader.services.gradebook.statistics import statistics as item_statistics
from grader.services.grading import code_runs, help, submissions
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
    responses={200: AssignmentView},
)
def get_assignment(path: AssignmentPath, query: AssignmentQuery):
    """The assignment with your own questions (your pool draw, in your order) and parameters:
    per question its points, attempts used and left, score, statement (Markdown and HTML
    with MathML) and parts. Never the definitions or answers. A one-exercise assignment also
    has its question's fields at the top level. Instructors may add `?student=` to see what
    a student gets."""
    return assignments.view(svc(), actor(), path.assignment_id, as_student=query.student)


@bp.patch("/assignments/<int:assignment_id>", responses={200: AssignmentUpdated})
def update_assignment(path: AssignmentPath, body: AssignmentUpdate):
    """Change the title, dates, time limit, attempts, late penalty, when students see the
    correct answer, exam feedback, which attempt counts, shuffling, the question list (while
    nobody has submitted), or a one-exercise assignment's exercise `version` (regrades every
    submission; earlier results are kept) (the course's instructors). Only the fields sent
    change."""
    changes = body.model_dump(exclude_unset=True)
    keep = ("show_answers", "solution_hint", "score_policy", "version", "exam_feedback")
    for key in (*keep, "shuffle", "title", "questions"):
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
    """How an answer to a one-exercise assignment is read (LaTeX and MathML), or 422 with the
    message and column (with several questions: 422 naming them)."""
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
    "/assignments/<int:assignment_id>/questions/<int:question_id>/checks",
    responses={200: CodeRun},
)
def run_question_checks(path: QuestionPath, body: CodeRunBody):
    """Run the checks of a code part of one question on your function (as `/checks`), with
    your own exercise and parameters; uses no attempt."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    return code_runs.run_checks(
        services, who, path.assignment_id, body.part, body.code, path.question_id
    )


@bp.post(
    "/assignments/<int:assignment_id>/questions/<int:question_id>/preview", responses={200: Preview}
)
def preview_question(path: QuestionPath, body: PreviewBody):
    """How an answer to one question is read, with your own exercise and parameters."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    return assignments.preview_answer(
        services, who, path.assignment_id, body.expression, body.part, path.question_id
    )


def _submit(
    assignment_id: int,
    question_id: int | None,
    query: WaitQuery,
    header: IdempotencyHeader,
    body: SubmissionCreate,
):
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    accepted, new = submissions.submit(
        services, who, assignment_id, body.answers, header.idempotency_key, question_id
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
            "question_id": result["question_id"],
        }
    return accepted, 202, headers


@bp.post(
    "/assignments/<int:assignment_id>/submissions",
    responses={202: Accepted, 200: SubmissionOut},
)
def submit(
    path: AssignmentPath, query: WaitQuery, header: IdempotencyHeader, body: SubmissionCreate
):
    """Submit answers to a one-exercise assignment: 202 {id, status} once stored; with
    `?wait=MS`, 200 and the graded result when it is ready in time. Unreadable answers get 422
    and use no attempt. The same answers as the student's last attempt use none either: that
    attempt's result comes back (200 when graded), with `"repeated": true` and the header
    `Submission-Repeated: true`. An assignment with several questions answers 422 naming
    them."""
    return _submit(path.assignment_id, None, query, header, body)


@bp.post(
    "/assignments/<int:assignment_id>/questions/<int:question_id>/submissions",
    responses={202: Accepted, 200: SubmissionOut},
)
def submit_question(
    path: QuestionPath, query: WaitQuery, header: IdempotencyHeader, body: SubmissionCreate
):
    """Submit answers to one question (as the one-exercise form: 202, or 200 with
    `?wait=MS`; Idempotency-Key). An exam takes them only between your start and your end
    (409 `time_up` after it: nothing stored, no attempt used)."""
    return _submit(path.assignment_id, path.question_id, query, header, body)


@bp.post("/assignments/<int:assignment_id>/steps/<part>", responses={200: PartHelpAnswer})
def open_steps(path: PartHelpPath):
    """Open the steps of a part of a one-exercise assignment (smaller derivatives from the
    computation graph, answered as `"<part>.<n>"` in a submission). Costs the part's step
    penalty if the part is then answered right; uses no attempt. 409 `no_steps` when the
    part has none."""
    return help.open_steps(svc(), actor(), path.assignment_id, path.part)


@bp.post(
    "/assignments/<int:assignment_id>/questions/<int:question_id>/steps/<part>",
    responses={200: PartHelpAnswer},
)
def open_question_steps(path: QuestionPartHelpPath):
    """Open the steps of a part of one question (as `/steps/{part}`)."""
    return help.open_steps(svc(), actor(), path.assignment_id, path.part, path.question_id)


@bp.post("/assignments/<int:assignment_id>/steps/<part>/check", responses={200: StepsChecked})
def check_steps(path: PartHelpPath, body: StepsCheck):
    """Check a part's steps before answering the whole, using no attempt (it opens the
    steps, at their penalty): each step right or not, and once all are right how they
    combine into the whole (the path sum)."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    return help.check_steps(services, who, path.assignment_id, path.part, body.answers)


@bp.post(
    "/assignments/<int:assignment_id>/questions/<int:question_id>/steps/<part>/check",
    responses={200: StepsChecked},
)
def check_question_steps(path: QuestionPartHelpPath, body: StepsCheck):
    """Check the steps of a part of one question (as `/steps/{part}/check`)."""
    services, who = svc(), actor()
    services.rate_limiter.check(who.id)
    return help.check_steps(
        services, who, path.assignment_id, path.part, body.answers, path.question_id
    )


@bp.post("/assignments/<int:assignment_id>/hints/<part>", responses={200: PartHelpAnswer})
def reveal_hint(path: PartHelpPath):
    """Reveal the next hint of a part of a one-exercise assignment: every hint shown so far
    with its penalty (taken off the part only if it is then answered right). 409
    `no_more_hints` once all are shown, `no_hints` when the part has none."""
    return help.reveal_hint(svc(), actor(), path.assignment_id, path.part)


@bp.post(
    "/assignments/<int:assignment_id>/questions/<int:question_id>/hints/<part>",
    responses={200: PartHelpAnswer},
)
def reveal_question_hint(path: QuestionPartHelpPath):
    """Reveal the next hint of a part of one question (as `/hints/{part}`)."""
    return help.reveal_hint(svc(), actor(), path.assignment_id, path.part, path.question_id)


@bp.post("/assignments/<int:assignment_id>/start", responses={200: ExamStarted})
def start_exam(path: AssignmentPath):
    """Start the exam: {started_at, ends_at}, the end held by the server (time limit × your
    time factor + extra minutes, never past the close). A second call returns the same."""
    return out(exams.start(svc(), actor(), path.assignment_id))


@bp.post("/assignments/<int:assignment_id>/finish", responses={200: ExamFinished})
def finish_exam(path: AssignmentPath):
    """Hand the exam in before the time is up: no more submissions are taken from you."""
    return out(exams.finish(svc(), actor(), path.assignment_id))


@bp.get(
    "/assignments/<int:assignment_id>/exam",
    responses={200: ExamRoster},
)
def exam_roster(path: AssignmentPath):
    """The exam's students: not started, working (with their end and time left) or finished
    (the course's instructors)."""
    return out(exams.roster(svc(), actor(), path.assignment_id))


@bp.get(
    "/assignments/<int:assignment_id>/statistics",
    responses={200: Statistics},
)
def get_statistics(path: AssignmentPath):
    """Per question and per pool alternative: students, mean score, share right at the first
    try, mean attempts, difficulty (mean score as a share of the points) and discrimination
    (the corrected item-total correlation: Pearson's r of the question's score against the
    rest of the assignment; point-biserial for right/wrong questions) (the course's
    instructors; previews never count)."""
    return item_statistics(svc(), actor(), path.assignment_id)


@bp.get("/assignments/<int:assignment_id>/submissions", responses={200: SubmissionPage})
def list_submissions(path: AssignmentPath, query: SubmissionQuery):
    """Submissions, newest first: instructors everyone's (`?student=`), students their own;
    `?question=` one question's."""
    return submissions.list_submissions(
        svc(),
        actor(),
        path.assignment_id,
        student=query.student,
        status=query.status,
        limit=query.limit,
        offset=query.offset,
        question_id=query.question,
    )


@bp.get(
    "/assignments/<int:assignment_id>/analytics",
    responses={200: Analytics},
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
    responses={201: ExtensionGiven},
)
def add_extension(path: AssignmentPath, body: ExtensionCreate):
    """Give one student a later due date, extra attempts at each question, and for an exam
    their own time factor and extra minutes (replaces an earlier one); with `question_id`,
    extra attempts at that one question (the rest stays); or with
    `{"all": true, "due_at"}` move the due date of the whole class in one action."""
    if body.all:
        if body.due_at is None or body.username is not None:
            raise Invalid(
                'a whole-class extension is {"all": true, "due_at": ...} (no username)',
                details=[{"path": "due_at"}],
            )
        return out(gradebook.extend_class(svc(), actor(), path.assignment_id, body.due_at)), 201
    if body.username is None:
        raise Invalid("give the student's username, or all: true", details=[{"path": "username"}])
    if body.question_id is not None:
        others = (body.due_at, body.time_factor, body.extra_minutes)
        if body.extra_attempts is None or any(v is not None for v in others):
            raise Invalid(
                'extra attempts at one question are {"username", "question_id", '
                '"extra_attempts"} (nothing else)',
                details=[{"path": "question_id"}],
            )
        given = gradebook.set_question_attempts(
            svc(), actor(), path.assignment_id, body.username, body.question_id, body.extra_attempts
        )
        return out(given), 201
    result = gradebook.set_extension(
        svc(),
        actor(),
        path.assignment_id,
        body.username,
        body.due_at,
        body.extra_attempts,
        body.time_factor,
        body.extra_minutes,
    )
    return out(result), 201


@bp.post(
    "/assignments/<int:assignment_id>/overrides",
    responses={201: Override},
)
def add_override(path: AssignmentPath, body: OverrideCreate):
    """Set one student's score for the assignment, with a reason (kept, shown in the
    gradebook and exported); replaces an earlier override. With `question_id`, the score at
    that question alone (in its points)."""
    if body.question_id is not None:
        one = gradebook.set_question_override(
            svc(),
            actor(),
            path.assignment_id,
            body.username,
            body.question_id,
            body.score,
            body.reason,
        )
        return one, 201
    result = gradebook.set_override(
        svc(), actor(), path.assignment_id, body.username, body.score, body.reason
    )
    return out(result), 201

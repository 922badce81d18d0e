"""/api/v1/submissions/{id}."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from grader.api.common import PREFIX, SECURITY, actor, error_responses, svc
from grader.api.schemas import SolutionQuery, SubmissionOut, SubmissionPath
from grader.services.grading import solutions, submissions
from grader.services.grading.results import SolutionGraph

bp = APIBlueprint(
    "submissions",
    __name__,
    url_prefix=PREFIX,
    abp_tags=[Tag(name="submissions")],
    abp_security=SECURITY,
    abp_responses=error_responses(),
)


@bp.get("/submissions/<int:submission_id>", responses={200: SubmissionOut})
def get_submission(path: SubmissionPath):
    """Status, score and per-part feedback and diagnosis (the student or the course's staff)."""
    return submissions.get_submission(svc(), actor(), path.submission_id)


@bp.get("/submissions/<int:submission_id>/solution", responses={200: SolutionGraph})
def get_solution(path: SubmissionPath, query: SolutionQuery):
    """The worked solution of one part, drawn from its computation graph, with the student's
    mistake marked (the student or the course's staff). 403 until the assignment lets the
    student see the correct answer, unless the instructor gives the graph as a hint (then
    without values or local derivatives)."""
    sol = solutions.for_submission(
        svc(), actor(), path.submission_id, query.part, query.level, query.wrt
    )
    return sol.to_dict()

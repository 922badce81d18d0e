"""/api/v1/submissions/{id}."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from grader.api.common import PREFIX, SECURITY, actor, error_responses, svc
from grader.api.schemas import SubmissionOut, SubmissionPath
from grader.services import submissions

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

"""/api/v1/exercises: upload YAML, list, read versions, delete."""

from __future__ import annotations

from flask import request
from flask_openapi3 import APIBlueprint, Tag

from grader.api.common import PREFIX, SECURITY, actor, error_responses, svc
from grader.api.schemas import (
    DiffQuery,
    ExerciseCopy,
    ExercisePath,
    ExerciseQuery,
    ExerciseSearch,
    ExerciseSolutionQuery,
    PreviewQuery,
)
from grader.services.errors import BadRequest
from grader.services.exercises import library as exercises
from grader.services.exercises.results import (
    Diff,
    ExerciseCreated,
    ExerciseDetail,
    ExercisePage,
    ExercisePreview,
    Validation,
    VersionHistory,
)
from grader.services.grading import solutions
from grader.services.grading.results import SolutionGraph

bp = APIBlueprint(
    "exercises",
    __name__,
    url_prefix=PREFIX,
    abp_tags=[Tag(name="exercises")],
    abp_security=SECURITY,
    abp_responses=error_responses(),
)

YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"type": "string"}}},
    }
}


def yaml_body() -> str:
    if request.mimetype not in YAML_TYPES:
        raise BadRequest(
            "send the exercise YAML with 'Content-Type: application/yaml'",
            code="unsupported_media_type",
        )
    data = request.get_data(cache=False)
    if not data.strip():
        raise BadRequest("the request body is empty; send the exercise YAML")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the YAML is not UTF-8 (byte {exc.start})") from None


@bp.post(
    "/exercises",
    responses={201: ExerciseCreated, 200: ExerciseCreated},
    openapi_extensions=YAML_BODY,
)
def upload():
    """Upload an exercise (instructor). A changed upload of an existing id is a new version;
    an identical one returns the current version with `created: false` (status 200)."""
    result = exercises.upload(svc(), actor(), yaml_body())
    return result, 201 if result["created"] else 200


@bp.get("/exercises", responses={200: ExercisePage})
def list_exercises(query: ExerciseSearch):
    """The exercise library (instructor); `?q=` keeps ids or titles containing it."""
    return exercises.list_exercises(svc(), actor(), query.limit, query.offset, query.q)


@bp.get("/exercises/<exercise_id>", responses={200: ExerciseDetail})
def get_exercise(path: ExercisePath, query: ExerciseQuery):
    """One exercise's YAML (latest or `?version=N`) and its versions (instructor)."""
    return exercises.get_exercise(svc(), actor(), path.exercise_id, query.version)


@bp.delete("/exercises/<exercise_id>", responses={204: None})
def delete_exercise(path: ExercisePath):
    """Delete an exercise no assignment uses (its owner or an admin)."""
    exercises.delete_exercise(svc(), actor(), path.exercise_id)
    return "", 204


@bp.get(
    "/exercises/<exercise_id>/solution",
    responses={200: SolutionGraph},
)
def get_solution(path: ExercisePath, query: ExerciseSolutionQuery):
    """The worked solution of a part for one seed: nodes, edges with local derivatives, the
    chain rule over paths and autograd's total (instructor)."""
    sol = solutions.for_exercise(
        svc(),
        actor(),
        path.exercise_id,
        query.part,
        query.seed,
        query.level,
        query.wrt,
        query.version,
    )
    return sol.to_dict()


@bp.post(
    "/exercises/validate",
    responses={200: Validation},
    openapi_extensions=YAML_BODY,
)
def validate():
    """Check an exercise's YAML as an upload would, self-tests included, without saving:
    `{"valid": bool, "problems": [{"path", "line", "message"}]}` (instructor)."""
    return exercises.validate(svc(), actor(), yaml_body())


@bp.get(
    "/exercises/<exercise_id>/preview",
    responses={200: ExercisePreview},
)
def preview(path: ExercisePath, query: PreviewQuery):
    """What a student with `seed` sees: params, statement (HTML with MathML), each part's
    prompt and reference answer (value, or a self-test formula as MathML and values at a few
    points), and the self-tests' result (instructor)."""
    return exercises.preview(svc(), actor(), path.exercise_id, query.seed, query.version)


@bp.get("/exercises/<exercise_id>/versions", responses={200: VersionHistory})
def list_versions(path: ExercisePath):
    """Every version, newest first, with who saved it and when (instructor)."""
    return exercises.versions(svc(), actor(), path.exercise_id)


@bp.get("/exercises/<exercise_id>/diff", responses={200: Diff})
def diff(path: ExercisePath, query: DiffQuery):
    """A line diff between versions `from` and `to`: `lines` [{op, old, new, text}] and the
    `unified` text (instructor)."""
    return exercises.diff(svc(), actor(), path.exercise_id, query.from_, query.to)


@bp.post("/exercises/<exercise_id>/copy", responses={201: ExerciseCreated})
def copy(path: ExercisePath, body: ExerciseCopy):
    """Copy an exercise (a library one, owned by no one, or another instructor's) under a new
    id that you own and may edit (instructor)."""
    return exercises.copy(svc(), actor(), path.exercise_id, body.id), 201

"""The REST API under /api/v1: one module per resource, JSON errors, an OpenAPI 3.1 document."""

from __future__ import annotations

from flask import request
from flask_openapi3 import OpenAPI

from grader.api import (
    assignments,
    courses,
    exercises,
    lti,
    ops,
    practice,
    submissions,
    system,
    users,
)
from grader.api.common import PREFIX
from grader.api.errors import register_error_handlers
from grader.services.errors import BadRequest

BLUEPRINTS = (users, exercises, courses, assignments, submissions, practice, system, lti)
NON_JSON_ENDPOINTS = {
    "exercises.upload",
    "exercises.validate",
    "courses.import_members",
    "users.sign_out_everywhere",
    "courses.reset_password",
    "assignments.start_exam",  # a bare POST: nothing to send
    "assignments.finish_exam",
}


def require_json_body() -> None:
    """Malformed or missing JSON is a 400 with a message, before any schema check."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith(PREFIX):
        return
    if request.endpoint in NON_JSON_ENDPOINTS or request.endpoint is None:
        return
    if not request.get_data(cache=True):
        raise BadRequest("the request body is empty; send JSON ('Content-Type: application/json')")
    if not request.is_json:
        raise BadRequest(
            "send the body as JSON with 'Content-Type: application/json'",
            code="unsupported_media_type",
        )
    try:
        request.get_json(force=True, silent=False)
    except Exception:
        raise BadRequest("the body is not valid JSON", code="malformed_json") from None


def register_api(app: OpenAPI) -> None:
    for module in BLUEPRINTS:
        app.register_api(module.bp)
    app.register_blueprint(ops.bp)
    app.before_request(require_json_body)
    register_error_handlers(app)

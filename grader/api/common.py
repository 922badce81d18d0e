"""Request helpers for the views: the shared services and the authenticated actor."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request

from grader.services.accounts import users
from grader.services.context import Actor, Services
from grader.services.errors import Unauthorized
from grader.services.results import Result

PREFIX = "/api/v1"
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
ERRORS = {
    400: "malformed request",
    401: "missing or unknown token",
    403: "not allowed for your role",
    404: "no such resource",
    409: "conflicts with the current state",
    413: "body too large",
    422: "invalid input; details list each problem",
    429: "too many requests; see Retry-After",
    503: "database unavailable; see Retry-After",
}


def error_responses(codes: tuple[int, ...] = tuple(ERRORS)) -> dict:
    """The documented error responses every endpoint may give.

    The schema is a reference to the ErrorResponse component (always in the document: it is
    the validation error model); pydantic's own schema would carry a `#/$defs/...` reference
    that does not resolve inside an OpenAPI document.
    """
    schema = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    return {code: {"description": ERRORS[code], "content": schema} for code in codes}


def out(result: Result) -> dict[str, Any]:
    """A service's typed result as the JSON answer: the fields it set, by their JSON names
    (the result's class is the answer's schema in the OpenAPI document)."""
    return result.model_dump(mode="json", by_alias=True, exclude_unset=True)


def svc() -> Services:
    return current_app.extensions["grader"]


# Requests served with a token looked up in the last GRADER_AUTH_CACHE_S seconds: reads and
# the hot path of students' work. Every other request (creating or revoking tokens and users,
# signing out, changing exercises, courses and members...) checks the token in the database,
# so a revoked token can never do any of them, not even in a process that cached it.
CACHED_ENDPOINTS = {"assignments.preview", "assignments.submit"}


def actor() -> Actor:
    """The user of the bearer token in the Authorization header (401 without one)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send your API token as 'Authorization: Bearer <token>'")
    fresh = request.method not in ("GET", "HEAD") and request.endpoint not in CACHED_ENDPOINTS
    found = users.authenticate(svc(), token.strip(), fresh=fresh)
    g.actor = found  # its saved language words the response (grader/i18n.py)
    return found


def wants_csv(format_: str | None) -> bool:
    """`?format=csv`, or an Accept header preferring text/csv to JSON."""
    if format_ is not None:
        return format_ == "csv"
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return (
        best == "text/csv"
        and request.accept_mimetypes["text/csv"] > request.accept_mimetypes["application/json"]
    )


def csv_response(text: str, name: str) -> Response:
    """A CSV download (UTF-8; the text carries its byte-order mark)."""
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )

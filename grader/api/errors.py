"""Every API failure as JSON {"error": {"code", "message", "details"}}: never HTML, no traceback."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from flask import Flask, Response, request
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from grader.db.session import UNAVAILABLE
from grader.services import translation
from grader.services.errors import ServiceError

log = logging.getLogger(__name__)
API_PREFIX = "/api/"


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict | None = None
) -> Response:
    body = json.dumps({"error": {"code": code, "message": message, "details": details}})
    response = Response(body, status=status, mimetype="application/json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="grader"'
    response.headers.update(headers or {})
    return response


def validation_error(exc: ValidationError) -> Response:
    """flask-openapi3 calls this when a request does not match its schema."""
    details = [
        {
            "path": ".".join(str(p) for p in err["loc"]) or "body",
            "message": err["msg"],
        }
        for err in exc.errors(include_url=False)
    ]
    first = details[0] if details else {"path": "body", "message": "invalid"}
    message = f"{first['path']}: {first['message']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    return error_response(422, "invalid_request", message, details)


def _snake(name: str) -> str:
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Response:
        message = translation.message_of(exc)  # in the reader's language; the code stays
        return error_response(exc.status, exc.code, message, exc.details, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if exc.response is not None:  # a response built by a validator
            return exc.response
        if not request.path.startswith(API_PREFIX):
            return exc
        code = {413: "too_large", 405: "method_not_allowed"}.get(exc.code or 500)
        message = exc.description or exc.name
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if exc.code == 413 and limit:  # Werkzeug's own words do not say what the limit is
            message = f"the request body is over {limit} bytes (GRADER_MAX_BODY_BYTES)"
        return error_response(exc.code or 500, code or _snake(exc.name), message)

    def _database_down(exc: Exception) -> Response:
        log.warning("database unavailable: %s", str(exc).splitlines()[0][:300])
        return error_response(
            503,
            "database_unavailable",
            "the database is unavailable; nothing was changed; try again shortly",
            headers={"Retry-After": "5"},
        )

    for kind in UNAVAILABLE:
        app.register_error_handler(kind, _database_down)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "an unexpected error; it has been logged")

"""Errors the use cases raise; the API turns each into a JSON error with its status."""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Marks a message for translation where it is made (it is worded where it is shown)."""
    return message


class ServiceError(Exception):
    """A failure meant for the user: a status, a stable code, a message and details.

    A message marked for translation is its English template with ``%(name)s`` placeholders
    and the values in ``values`` (``NotFound(N_("no user %(id)s"), values={"id": 7})``):
    ``message`` is the English, and the pages and the API word it in the reader's language
    (grader.services.translation.message_of)."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ):
        text = message % values if values else message
        super().__init__(text)
        self.message = text
        self.template = message
        self.values = values or {}
        self.code = code or self.code
        self.details = details
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(ServiceError):
    status, code = 400, "bad_request"


class Unauthorized(ServiceError):
    status, code = 401, "unauthorized"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class TooLarge(ServiceError):
    status, code = 413, "too_large"


class Invalid(ServiceError):
    status, code = 422, "invalid"


class TooManyRequests(ServiceError):
    status, code = 429, "too_many_requests"


class Unavailable(ServiceError):
    status, code = 503, "unavailable"

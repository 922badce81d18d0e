"""Checks on every request, API and pages alike, before a view runs: input the database would
refuse is answered as bad input, never as a 500 from the database."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from grader.services.errors import BadRequest, Invalid, NotFound, TooLarge

MAX_ID = 2**31 - 1  # the largest value of an INTEGER column on PostgreSQL
NUL = "\x00"
MAX_JSON_DEPTH = 64  # no request schema nests deeper than a few levels
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def refuse_impossible_ids(_endpoint: str | None, values: dict | None) -> None:
    """An `<int:...>` id no row can have is unknown (404), not an integer the database refuses
    (a 500 on SQLite beyond 2**63, on PostgreSQL beyond 2**31)."""
    for name, value in (values or {}).items():
        if isinstance(value, int) and value > MAX_ID:
            raise NotFound(f"no {name.removesuffix('_id')} {value}")


def refuse_oversized_chunked_body() -> None:
    """A body sent without Content-Length (chunked) over the limit is a 413, as with one.

    Werkzeug stops reading such a stream at `MAX_CONTENT_LENGTH` and hands the view the first
    bytes as if they were all (an exercise stored truncated); here the body is read once, up to
    the limit, and one byte more decides. Views then read the cached body."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.method not in BODY_METHODS or request.content_length is not None or not limit:
        return
    data = request.get_data(cache=True)
    if len(data) >= limit and request.environ["wsgi.input"].read(1):
        raise TooLarge(f"the request body is over {limit} bytes")


def _json_body() -> Any:
    """The request's JSON (None when it is none or malformed, which the views report); JSON
    nested deeper than Python's parser recurses, or than `MAX_JSON_DEPTH`, is a 400."""
    try:
        return request.get_json(silent=True, cache=True)
    except RecursionError:
        raise _too_deep() from None


def _too_deep() -> BadRequest:
    return BadRequest(
        f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels", code="malformed_json"
    )


def _nul_in_json(body: Any) -> str | None:
    """The path of the first string (or key) holding a NUL character; iterative, as JSON may
    nest as deep as the parser allows. Raises a 400 beyond `MAX_JSON_DEPTH`."""
    stack: list[tuple[str, Any, int]] = [("body", body, 0)]
    while stack:
        where, node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        if isinstance(node, str):
            if NUL in node:
                return where
        elif isinstance(node, dict):
            for key, value in node.items():
                if NUL in key:
                    return where
                stack.append((f"{where}.{key}" if where != "body" else key, value, depth + 1))
        elif isinstance(node, list):
            stack.extend((f"{where}.{i}", value, depth + 1) for i, value in enumerate(node))
    return None


def refuse_nul_characters() -> None:
    """PostgreSQL keeps no NUL character in text or JSONB (SQLite does): one in the path, the
    query, a form or a JSON body is a 422 on every database alike.

    First the body itself must be readable: within the size limit and the JSON depth bound."""
    refuse_oversized_chunked_body()
    where = None
    if NUL in request.path:
        where = "path"
    else:
        sources = [("query", request.args)]
        if not request.path.startswith("/api/"):  # the API takes no forms; reading one would
            sources.append(("form", request.form))  # consume a body it reports on itself
        for source, values in sources:
            for key, value in values.items(multi=True):
                if NUL in key or NUL in value:
                    where = f"{source}.{key}".replace(NUL, "\\u0000")
                    break
            if where:
                break
    if where is None and request.is_json:
        where = _nul_in_json(_json_body())
        where = where.replace(NUL, "\\u0000") if where else None
    if where is not None:
        message = "contains a NUL character (\\u0000)"
        raise Invalid(
            f"{where}: {message}",
            code="invalid_request",
            details=[{"path": where, "message": message}],
        )

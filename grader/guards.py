"""Checks on every request, API and pages alike, before a view runs: input the database would
refuse is answered as bad input, never as a 500 from the database."""

from __future__ import annotations

from typing import Any

from flask import request

from grader.services.errors import Invalid, NotFound

MAX_ID = 2**31 - 1  # the largest value of an INTEGER column on PostgreSQL
NUL = "\x00"


def refuse_impossible_ids(_endpoint: str | None, values: dict | None) -> None:
    """An `<int:...>` id no row can have is unknown (404), not an integer the database refuses
    (a 500 on SQLite beyond 2**63, on PostgreSQL beyond 2**31)."""
    for name, value in (values or {}).items():
        if isinstance(value, int) and value > MAX_ID:
            raise NotFound(f"no {name.removesuffix('_id')} {value}")


def _nul_in_json(body: Any) -> str | None:
    """The path of the first string (or key) holding a NUL character; iterative, as JSON may
    nest as deep as the parser allows."""
    stack: list[tuple[str, Any]] = [("body", body)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            if NUL in node:
                return where
        elif isinstance(node, dict):
            for key, value in node.items():
                if NUL in key:
                    return where
                stack.append((f"{where}.{key}" if where != "body" else key, value))
        elif isinstance(node, list):
            stack.extend((f"{where}.{i}", value) for i, value in enumerate(node))
    return None


def refuse_nul_characters() -> None:
    """PostgreSQL keeps no NUL character in text or JSONB (SQLite does): one in the path, the
    query, a form or a JSON body is a 422 on every database alike."""
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
        body = request.get_json(silent=True, cache=True)
        where = _nul_in_json(body)
        where = where.replace(NUL, "\\u0000") if where else None
    if where is not None:
        message = "contains a NUL character (\\u0000)"
        raise Invalid(
            f"{where}: {message}",
            code="invalid_request",
            details=[{"path": where, "message": message}],
        )

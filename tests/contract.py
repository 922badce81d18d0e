"""The API's answers against its OpenAPI document: every JSON answer an API test receives is
checked against the schema the document gives for its operation and status, so the document
a client reads is the one the server keeps (tests/conftest.py turns this on for the shared
application; a mismatch fails the test that met it)."""

from __future__ import annotations

import functools
from typing import Any

import jsonschema_rs
from flask import Flask, Response, current_app, request

SUCCESS = range(200, 300)


def response_schema(spec: dict, path: str, method: str, status: int) -> dict | None:
    """The JSON schema the document gives one operation's answer with `status` (None: the
    document names no JSON answer for it)."""
    operation = spec["paths"].get(path, {}).get(method.lower(), {})
    answer = operation.get("responses", {}).get(str(status))
    if answer is None:
        return None
    return answer.get("content", {}).get("application/json", {}).get("schema")


def bare_objects(spec: dict, schema: dict, where: str, seen: set[str] | None = None) -> list[str]:
    """Every place in `schema` (references followed) that is a JSON object whose fields are
    not named: a bare `{"type": "object"}` or an untyped map, which tells a client nothing."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return bare_objects(spec, spec["components"]["schemas"][name], name, seen)
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for i, option in enumerate(schema.get(key, [])):
            found += bare_objects(spec, option, f"{where}/{key}[{i}]", seen)
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        found += bare_objects(spec, schema["items"], f"{where}[]", seen)
    properties = schema.get("properties") or {}
    values = schema.get("additionalProperties")
    if schema.get("type") == "object" and not properties and not isinstance(values, dict):
        found.append(where)
    for name, value in properties.items():
        found += bare_objects(spec, value, f"{where}.{name}", seen)
    if isinstance(values, dict) and values:
        found += bare_objects(spec, values, f"{where}{{}}", seen)
    elif isinstance(values, dict) and not values and not properties:
        found.append(where)
    return found


@functools.cache
def _validator(spec_id: int, ref: str) -> jsonschema_rs.Draft202012Validator:
    spec = _SPECS[spec_id]
    return jsonschema_rs.Draft202012Validator({"$ref": ref, "components": spec["components"]})


_SPECS: dict[int, dict] = {}
violations: list[str] = []


def check_answer(response: Any, _responses: Any) -> Any:
    """flask-openapi3's response hook: validate a JSON answer against the document (the
    violation is recorded, the answer goes out unchanged)."""
    answer: Response = current_app.make_response(response)
    if answer.status_code not in SUCCESS or not answer.is_json or request.url_rule is None:
        return answer
    spec: dict = current_app.api_doc  # type: ignore[attr-defined]
    _SPECS[id(spec)] = spec
    path = _openapi_path(request.url_rule.rule)
    schema = response_schema(spec, path, request.method, answer.status_code)
    where = f"{request.method} {path} {answer.status_code}"
    if schema is None:
        violations.append(f"{where}: the document names no JSON answer")
    elif "$ref" not in schema:
        violations.append(f"{where}: the documented answer has no named schema")
    else:
        validator = _validator(id(spec), schema["$ref"])
        for error in validator.iter_errors(answer.get_json()):
            at = "/".join(map(str, error.instance_path)) or "(top)"
            violations.append(f"{where}: at {at}: {error.message[:300]}")
    return answer


def _openapi_path(rule: str) -> str:
    """/api/v1/users/<int:user_id> -> /api/v1/users/{user_id}"""
    out, rest = "", rule
    while "<" in rest:
        head, _, tail = rest.partition("<")
        name, _, rest = tail.partition(">")
        out += head + "{" + name.rsplit(":", 1)[-1] + "}"
    return out + rest


def enable(app: Flask) -> None:
    """Check every API answer `app` gives against its document."""
    app.validate_response = True  # type: ignore[attr-defined]
    app.validate_response_callback = check_answer  # type: ignore[attr-defined]

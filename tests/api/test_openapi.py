"""The OpenAPI 3.1 document and the docs page."""

from __future__ import annotations

from tests import contract
from tests.contract import bare_objects


def test_openapi_document_is_3_1_and_lists_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    paths = spec["paths"]
    for path in (
        "/api/v1/exercises",
        "/api/v1/courses/{course_id}/assignments",
        "/api/v1/assignments/{assignment_id}/submissions",
        "/api/v1/submissions/{submission_id}",
    ):
        assert path in paths
    upload = paths["/api/v1/exercises"]["post"]
    assert "application/yaml" in upload["requestBody"]["content"]
    submit = paths["/api/v1/assignments/{assignment_id}/submissions"]["post"]
    assert {"202", "422", "429"} <= set(submit["responses"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_is_html_listing_operations(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "/api/v1/assignments/{assignment_id}/submissions" in page.get_data(as_text=True)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_ref_in_the_openapi_document_resolves(client):
    spec = client.get("/api/v1/openapi.json").json
    for ref in set(_refs(spec)):
        assert ref.startswith("#/"), ref
        node = spec
        for key in ref[2:].split("/"):
            assert key in node, f"{ref} does not resolve"
            node = node[key]


def test_every_operation_documents_its_success_status(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, item in spec["paths"].items():
        for method, op in item.items():
            codes = {int(code) for code in op["responses"]}
            assert any(200 <= code < 300 for code in codes), f"{method} {path}: {sorted(codes)}"


def test_the_instructor_endpoints_are_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path, method in (
        ("/api/v1/courses/{course_id}/gradebook", "get"),
        ("/api/v1/courses/{course_id}/members/import", "post"),
        ("/api/v1/assignments/{assignment_id}/analytics", "get"),
        ("/api/v1/assignments/{assignment_id}", "patch"),
        ("/api/v1/assignments/{assignment_id}/extensions", "post"),
        ("/api/v1/assignments/{assignment_id}/overrides", "post"),
        ("/api/v1/exercises/validate", "post"),
        ("/api/v1/exercises/{exercise_id}/preview", "get"),
        ("/api/v1/exercises/{exercise_id}/versions", "get"),
        ("/api/v1/exercises/{exercise_id}/diff", "get"),
    ):
        assert method in paths[path], (method, path)
    gradebook = paths["/api/v1/courses/{course_id}/gradebook"]["get"]["responses"]["200"]
    assert {"application/json", "text/csv"} <= set(gradebook["content"])
    roster = paths["/api/v1/courses/{course_id}/members/import"]["post"]
    assert "text/csv" in roster["requestBody"]["content"]
    patch = paths["/api/v1/assignments/{assignment_id}"]["patch"]["requestBody"]["content"]
    name = patch["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = spec["components"]["schemas"][name]["properties"]
    assert {"show_answers", "score_policy", "version", "due_at", "max_attempts"} <= set(fields)


def test_every_success_answer_has_a_named_schema_that_names_its_fields(client):
    """No 2xx JSON answer is documented as a bare object: each is a named schema, and no
    object inside it (references followed) leaves its fields unnamed."""
    spec = client.get("/api/v1/openapi.json").json
    problems = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for code, answer in op["responses"].items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if not 200 <= int(code) < 300 or schema is None:
                    continue
                where = f"{method.upper()} {path} {code}"
                if "$ref" not in schema:
                    problems.append(f"{where}: not a named schema")
                problems += [f"{where}: {place}" for place in bare_objects(spec, schema, where)]
    assert problems == []


def test_the_bare_object_check_finds_bare_objects():
    spec = {
        "components": {
            "schemas": {
                "Named": {
                    "type": "object",
                    "properties": {
                        "ok": {"type": "integer"},
                        "loose": {"type": "object"},
                        "map": {"type": "object", "additionalProperties": True},
                        "typed": {"type": "object", "additionalProperties": {"type": "number"}},
                        "rows": {"type": "array", "items": {"type": "object"}},
                        "maybe": {"anyOf": [{"type": "object"}, {"type": "null"}]},
                    },
                }
            }
        }
    }
    found = bare_objects(spec, {"$ref": "#/components/schemas/Named"}, "answer")
    assert found == [
        "Named.loose",
        "Named.map",
        "Named.rows[]",
        "Named.maybe/anyOf[0]",
    ]
    assert bare_objects(spec, {"type": "object"}, "answer") == ["answer"]


def test_an_answer_that_differs_from_its_schema_is_a_violation(app, client, world):
    """The check every API test runs (tests/contract.py) reports an answer whose field has
    the wrong type, naming the operation and the field."""
    spec = client.get("/api/v1/openapi.json").json
    with app.test_request_context("/api/v1/users/me"):
        app.preprocess_request()
        before = len(contract.violations)
        good = {
            "id": 1,
            "username": "ann",
            "role": "admin",
            "created_at": "2030-01-01T00:00:00",
            "locale": None,
        }
        contract.check_answer(good, None)
        assert contract.violations[before:] == []
        contract.check_answer({**good, "id": "one"}, None)
        found = contract.violations[before:]
        del contract.violations[before:]
    assert len(found) == 1 and found[0].startswith("GET /api/v1/users/me 200: at id:"), found
    assert spec["paths"]["/api/v1/users/me"]["get"]["responses"]["200"]["content"]

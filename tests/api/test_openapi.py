"""The OpenAPI 3.1 document and the docs page."""

from __future__ import annotations


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

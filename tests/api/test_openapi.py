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

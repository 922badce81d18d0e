"""Bad input gets a JSON error with the right status, never HTML or a traceback."""

from __future__ import annotations

from grader.app import create_app
from grader.config import Config


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    if code:
        assert error["code"] == code
    return error


def test_missing_token_is_401_with_www_authenticate(client):
    response = client.get("/api/v1/courses")
    _error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(client):
    _error(client.get("/api/v1/courses", headers={"Authorization": "Bearer gt_nope"}), 401)


def test_revoked_token_is_401(world, client):
    client.delete(f"/api/v1/tokens/{world.student.token_id}", headers=world.student.headers)
    _error(client.get("/api/v1/users/me", headers=world.student.headers), 401)


def test_malformed_json_is_400(world, client):
    response = client.post(
        "/api/v1/courses",
        data='{"title": ',
        headers={**world.teacher.headers, "Content-Type": "application/json"},
    )
    _error(response, 400, "malformed_json")


def test_json_endpoint_refuses_other_content_types(world, client):
    response = client.post(
        "/api/v1/courses",
        data="title=x",
        headers={**world.teacher.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    _error(response, 400, "unsupported_media_type")


def test_schema_violation_is_422_naming_the_field(world, client):
    response = client.post(
        "/api/v1/courses/1/members",
        json={"username": "stu", "role": "owner"},
        headers=world.teacher.headers,
    )
    error = _error(response, 422, "invalid_request")
    assert any(d["path"].endswith("role") for d in error["details"])


def test_unknown_field_is_422(world, client):
    response = client.post(
        "/api/v1/courses", json={"title": "x", "colour": "red"}, headers=world.teacher.headers
    )
    _error(response, 422, "invalid_request")


def test_unknown_ids_are_404(world, client):
    for path in ("/courses/999", "/assignments/999", "/submissions/999", "/exercises/nope"):
        _error(client.get("/api/v1" + path, headers=world.admin.headers), 404, "not_found")


def test_unknown_route_is_json_404(client):
    _error(client.get("/api/v1/no/such/thing"), 404)


def test_wrong_method_is_json_405(world, client):
    _error(client.put("/api/v1/courses", headers=world.admin.headers), 405)


def test_body_over_the_limit_is_413(world, client):
    limit = world.svc.config.max_body_bytes
    response = client.post(
        "/api/v1/exercises",
        data="#" * (limit + 1),
        headers={**world.teacher.headers, "Content-Type": "application/yaml"},
    )
    _error(response, 413, "too_large")


def test_invalid_exercise_is_422_listing_path_line_and_message(world, client):
    yaml_text = (
        "id: broken\ntitle: B\nstatement: s\nvariables: {x: [-1, 1]}\ndefine: {f: x^2}\n"
        "parts:\n  - {id: a, kind: expression, of: f, wrt: w}\n  - {id: b, kind: nope, of: f}\n"
    )
    response = client.post(
        "/api/v1/exercises",
        data=yaml_text,
        headers={**world.teacher.headers, "Content-Type": "application/yaml"},
    )
    error = _error(response, 422, "invalid_exercise")
    assert len(error["details"]) >= 2
    assert all(set(p) == {"path", "line", "message"} for p in error["details"])


def test_malformed_yaml_is_422_with_a_line(world, client):
    response = client.post(
        "/api/v1/exercises",
        data="id: x\ntitle: [unclosed\n",
        headers={**world.teacher.headers, "Content-Type": "application/yaml"},
    )
    error = _error(response, 422)
    assert error["details"][0]["message"]


def test_exercise_upload_needs_yaml_content_type(world, client):
    response = client.post("/api/v1/exercises", json={"id": "x"}, headers=world.teacher.headers)
    _error(response, 400, "unsupported_media_type")


def test_full_queue_is_429_with_retry_after(world, client):
    world.svc.queue_depth = lambda: 10**9  # pretend the queue is full
    response = client.post(
        f"/api/v1/assignments/{world.assignment_id}/submissions",
        json={"answers": {"dz": "20x"}},
        headers=world.student.headers,
    )
    _error(response, 429, "too_many_requests")
    assert response.headers["Retry-After"]


def test_per_user_rate_limit_is_429(world, client):
    from grader.services.infra.ratelimit import RateLimiter

    world.svc.rate_limiter = RateLimiter(world.svc.db, 1.0, burst=1)
    url = f"/api/v1/assignments/{world.assignment_id}/preview"
    body = {"expression": "20x", "part": "dz"}
    assert client.post(url, json=body, headers=world.student.headers).status_code == 200
    response = client.post(url, json=body, headers=world.student.headers)
    _error(response, 429)
    assert int(response.headers["Retry-After"]) >= 1


def test_database_unavailable_is_503_with_retry_after(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none"  # nothing listens on port 1
    config = Config(instance_path=tmp_path, database_url=url, secret_key="k", pool_size=0)
    client = create_app(config.resolved()).test_client()
    response = client.get("/api/v1/courses", headers={"Authorization": "Bearer gt_abc"})
    _error(response, 503, "database_unavailable")
    assert response.headers["Retry-After"]
    _error(client.get("/api/v1/health"), 503)


def test_ids_beyond_any_row_are_404_not_500(world, client):
    huge = 2**70  # overflowed the database's integer columns: 500 on SQLite and PostgreSQL
    for method, path in (
        ("GET", f"/assignments/{huge}"),
        ("DELETE", f"/assignments/{huge}"),
        ("POST", f"/assignments/{huge}/submissions"),
        ("GET", f"/courses/{huge}"),
        ("POST", f"/courses/{huge}/members"),
        ("DELETE", f"/courses/{huge}/members/stu"),
        ("GET", f"/submissions/{2**31}"),
        ("GET", f"/users/{2**63}"),
        ("DELETE", f"/tokens/{huge}"),
    ):
        body = {"answers": {}} if path.endswith("submissions") else {"username": "stu"}
        response = client.open(
            "/api/v1" + path,
            method=method,
            json=body if method == "POST" else None,
            headers=world.admin.headers,
        )
        _error(response, 404, "not_found")


def test_version_numbers_beyond_any_row_are_422_not_500(world, client):
    response = client.get(
        "/api/v1/exercises/chain-rule-intro",
        query_string={"version": 2**70},
        headers=world.teacher.headers,
    )
    _error(response, 422, "invalid_request")
    response = client.post(
        f"/api/v1/courses/{world.course_id}/assignments",
        json={"exercise_id": "chain-rule-intro", "version": 2**63},
        headers=world.teacher.headers,
    )
    _error(response, 422, "invalid_request")


def test_nul_characters_in_json_strings_are_422_not_500(world, client):
    # PostgreSQL stores no NUL in text or JSONB: these were 500s there (SQLite took them).
    for path, body, person in (
        ("/courses", {"title": "a\u0000b"}, world.teacher),
        ("/tokens", {"name": "laptop\u0000"}, world.student),
        (
            f"/assignments/{world.assignment_id}/submissions",
            {"answers": {"dz": "20x\u0000"}},
            world.student,
        ),
        (
            f"/assignments/{world.assignment_id}/submissions",
            {"answers": {"\u0000": "1"}},
            world.student,
        ),
    ):
        response = client.post("/api/v1" + path, json=body, headers=person.headers)
        error = _error(response, 422, "invalid_request")
        assert error["details"][0]["path"]


def test_nul_characters_in_the_path_or_query_are_refused_not_500(world, client):
    headers = world.teacher.headers
    response = client.delete(f"/api/v1/courses/{world.course_id}/members/st%00u", headers=headers)
    _error(response, 422, "invalid_request")
    url = f"/api/v1/assignments/{world.assignment_id}/submissions"
    _error(client.get(url, query_string={"student": "s\x00"}, headers=headers), 422)

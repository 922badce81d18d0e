"""Hostile request bodies and ids get a 4xx, never a 500 or a silently shortened body."""

from __future__ import annotations

import io

import pytest

from grader.services.assignments import assignment as assignments
from grader.services.courses import course as courses
from grader.services.grading import submissions

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}
DEEP = "[" * 50_000 + "]" * 50_000


def _json_paths(app, world) -> list[tuple[str, str]]:
    """Every /api route and /login with each of its methods, ids filled in."""
    ids = {
        "user_id": world.student.id,
        "token_id": world.student.token_id,
        "exercise_id": "chain-rule-intro",
        "course_id": world.course_id,
        "username": "stu",
        "assignment_id": world.assignment_id,
        "question_id": world.question_id,
        "submission_id": 1,
        "part_id": "dz",
        "part": "dz",
        "item_id": 1,
        "component": 0,
        "platform_id": 1,
        "kid": "k",
        "webhook_id": 1,
    }
    found = [("POST", "/login")]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule
        for name in rule.arguments:
            value = str(ids[name])
            path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.mark.parametrize("depth", [100, 50_000])
def test_deeply_nested_json_is_400_on_every_api_path_and_login(app, world, client, depth):
    body = "[" * depth + "]" * depth
    paths = _json_paths(app, world)
    assert len(paths) > 20
    for method, path in paths:
        response = client.open(
            path,
            method=method,
            data=body,
            headers={**world.teacher.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 400, (method, path, response.get_data(as_text=True))
        assert response.is_json and "nests deeper" in response.json["error"]["message"]


def _chunked(client, world, body: bytes, content_type: str, path: str = "/api/v1/exercises"):
    """A body without Content-Length, as gunicorn hands over a chunked one."""
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={
            **world.teacher.headers,
            "Content-Type": content_type,
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_chunked_body_over_the_limit_is_413_not_truncated(world, client):
    limit = world.svc.config.max_body_bytes
    yaml_text = (
        "id: long-one\ntitle: T\nstatement: s\nvariables: {x: [-1, 1]}\ndefine: {f: x^2}\n"
        "parts:\n  - {id: a, kind: expression, of: f, wrt: x}\n"
    )
    body = (yaml_text + "#" + "x" * limit + "\n").encode()
    response = _chunked(client, world, body, "application/yaml")
    assert response.status_code == 413, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "too_large"
    listing = client.get("/api/v1/exercises", headers=world.teacher.headers).json
    assert "long-one" not in {item["id"] for item in listing["items"]}
    big_json = b'{"title": "' + b"x" * limit + b'"}'
    assert (
        _chunked(client, world, big_json, "application/json", "/api/v1/courses").status_code == 413
    )


def test_chunked_body_within_the_limit_is_read_whole(world, client):
    yaml_text = (
        "id: short-one\ntitle: T\nstatement: s\nvariables: {x: [-1, 1]}\ndefine: {f: x^2}\n"
        "parts:\n  - {id: a, kind: expression, of: f, wrt: x}\n"
    )
    response = _chunked(client, world, yaml_text.encode(), "application/yaml")
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "when",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
)
@pytest.mark.parametrize("field", ["due_at", "opens_at"])
def test_dates_outside_the_utc_calendar_are_422(world, client, field, when):
    response = client.post(
        f"/api/v1/courses/{world.course_id}/assignments",
        json={"exercise_id": "chain-rule-intro", field: when},
        headers=world.teacher.headers,
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["details"][0]["path"] == field


def test_another_courses_submission_is_404_like_an_unknown_id(world, client):
    """Neither the course nor the submission's existence is revealed."""
    course = courses.create_course(world.svc, world.other_teacher.actor, "Elsewhere").id
    courses.add_member(world.svc, world.other_teacher.actor, course, "olga", "student")
    spec = {"exercise_id": "chain-rule-intro"}
    theirs = assignments.create_assignment(world.svc, world.other_teacher.actor, course, spec)
    accepted, _ = submissions.submit(world.svc, world.outsider.actor, theirs["id"], RIGHT)
    mine, _ = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)
    for who, other in ((world.student, accepted["id"]), (world.outsider, mine["id"])):
        seen = client.get(f"/api/v1/submissions/{other}", headers=who.headers)
        unknown = client.get("/api/v1/submissions/99999", headers=who.headers)
        assert seen.status_code == unknown.status_code == 404
        assert seen.json["error"]["message"] == f"no submission {other}"
        assert "course" not in seen.get_data(as_text=True)


def test_api_docs_page_has_the_same_security_headers_as_the_pages(client):
    page = client.get("/login")
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and docs.mimetype == "text/html"
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Cross-Origin-Opener-Policy",
        "Cache-Control",
    ):
        assert docs.headers.get(name) == page.headers.get(name), name
    assert "<style" not in docs.get_data(as_text=True)  # the CSP allows no inline style
    css = docs.get_data(as_text=True).split('href="', 1)[1].split('"', 1)[0]
    assert client.get(css).status_code == 200


def test_http_server_errors_are_json():
    from grader.serving import json_error

    raw = json_error(414, "URI Too Long", "Request Line is too large (9000 > 8190)")
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 414 URI Too Long\r\n")
    assert b"Content-Type: application/json" in head
    assert f"Content-Length: {len(body)}".encode() in head
    import json

    assert json.loads(body)["error"]["code"] == "uri_too_long"


def test_changing_a_date_to_one_outside_the_utc_calendar_is_422(world, client):
    response = client.patch(
        f"/api/v1/assignments/{world.assignment_id}",
        json={"due_at": "0001-01-01T00:00:00+14:00"},
        headers=world.teacher.headers,
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["details"][0]["path"] == "due_at"

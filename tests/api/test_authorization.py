"""Every endpoint with every role: the status each one gets."""

from __future__ import annotations

import pytest

from grader.services import practice
from grader.services.grading import submissions

ROLES = ("anon", "admin", "teacher", "other_teacher", "student", "outsider")
RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}
NEW_EXERCISE = (
    "id: matrix-ex\ntitle: M\nstatement: s\nvariables: {x: [-1, 1]}\ndefine: {f: x^2}\n"
    "parts:\n  - {id: a, kind: expression, of: f, wrt: x}\n"
)
ROSTER = "username,role\nolga,student\n"


def allow(ok: int, *roles: str, denied: int = 403) -> dict[str, int]:
    """`ok` for the roles named, `denied` for the others, 401 without a token."""
    return {r: 401 if r == "anon" else ok if r in roles else denied for r in ROLES}


STAFF = ("admin", "teacher")
MEMBERS = ("admin", "teacher", "student")
INSTRUCTORS = ("admin", "teacher", "other_teacher")
EVERYONE = ("admin", "teacher", "other_teacher", "student", "outsider")
PUBLIC = {r: 200 for r in ROLES}

PLATFORM = {
    "issuer": "https://lms.example",
    "client_id": "c-1",
    "deployment_ids": ["d-1"],
    "auth_url": "https://lms.example/auth",
    "token_url": "https://lms.example/token",
    "jwks_url": "https://lms.example/jwks",
}

# (method, path, json body or None, expected status by role)
MATRIX = [
    ("POST", "/users", {"username": "newbie", "role": "student"}, allow(201, "admin")),
    ("GET", "/users", None, allow(200, "admin")),
    ("GET", "/users/me", None, allow(200, *EVERYONE)),
    ("PATCH", "/users/me", {"locale": "zh-CN"}, allow(200, *EVERYONE)),
    ("GET", "/users/{student_id}", None, allow(200, "admin", "student")),
    ("POST", "/users/{student_id}/sign-out", None, allow(200, "admin", "student")),
    # the world's users have no password yet: a first one needs no current one
    (
        "POST",
        "/users/me/password",
        {"current_password": "", "new_password": "a new passphrase"},
        allow(200, *EVERYONE),
    ),
    ("POST", "/tokens", {"name": "laptop"}, allow(201, *EVERYONE)),
    ("GET", "/tokens", None, allow(200, *EVERYONE)),
    ("DELETE", "/tokens/{student_token_id}", None, allow(200, "admin", "student")),
    ("POST", "/exercises", NEW_EXERCISE, allow(201, *INSTRUCTORS)),
    ("GET", "/exercises", None, allow(200, *INSTRUCTORS)),
    ("GET", "/exercises/chain-rule-intro", None, allow(200, *INSTRUCTORS)),
    ("GET", "/exercises/chain-rule-intro/solution", None, allow(200, *INSTRUCTORS)),
    ("DELETE", "/exercises/chain-rule-intro", None, allow(409, *STAFF)),
    ("POST", "/courses", {"title": "Another"}, allow(201, *INSTRUCTORS)),
    ("GET", "/courses", None, allow(200, *EVERYONE)),
    ("GET", "/courses/{course_id}", None, allow(200, *MEMBERS)),
    ("DELETE", "/courses/{course_id}", None, allow(409, *STAFF)),
    ("POST", "/courses/{course_id}/members", {"username": "olga"}, allow(201, *STAFF)),
    ("GET", "/courses/{course_id}/members", None, allow(200, *STAFF)),
    ("DELETE", "/courses/{course_id}/members/stu", None, allow(204, *STAFF)),
    ("POST", "/courses/{course_id}/members/stu/password", None, allow(200, *STAFF)),
    (
        "POST",
        "/courses/{course_id}/assignments",
        {"exercise_id": "chain-rule-intro"},
        allow(201, *STAFF),
    ),
    ("GET", "/courses/{course_id}/assignments", None, allow(200, *MEMBERS)),
    ("PATCH", "/courses/{course_id}", {"title": "Calculus I"}, allow(200, *STAFF)),
    ("GET", "/courses/{course_id}/gradebook", None, allow(200, *STAFF)),
    ("POST", "/courses/{course_id}/members/import", ROSTER, allow(200, *STAFF)),
    ("GET", "/assignments/{assignment_id}/analytics", None, allow(200, *STAFF)),
    ("GET", "/assignments/{assignment_id}/submissions/export", None, allow(200, *STAFF)),
    (
        "POST",
        "/assignments/{assignment_id}/extensions",
        {"username": "stu", "extra_attempts": 1},
        allow(201, *STAFF),
    ),
    (
        "POST",
        "/assignments/{assignment_id}/overrides",
        {"username": "stu", "score": 2, "reason": "marked by hand"},
        allow(201, *STAFF),
    ),
    ("POST", "/exercises/validate", NEW_EXERCISE, allow(200, *INSTRUCTORS)),
    ("GET", "/exercises/chain-rule-intro/preview?seed=3", None, allow(200, *INSTRUCTORS)),
    ("GET", "/exercises/chain-rule-intro/versions", None, allow(200, *INSTRUCTORS)),
    ("GET", "/exercises/chain-rule-intro/diff?from=1&to=1", None, allow(200, *INSTRUCTORS)),
    ("POST", "/exercises/chain-rule-intro/copy", {"id": "my-copy"}, allow(201, *INSTRUCTORS)),
    ("GET", "/assignments/{assignment_id}", None, allow(200, *MEMBERS)),
    (
        "PATCH",
        "/assignments/{assignment_id}",
        {"show_answers": "after_due"},
        allow(200, *STAFF),
    ),
    ("DELETE", "/assignments/{assignment_id}", None, allow(204, *STAFF)),
    (
        "POST",
        "/assignments/{assignment_id}/preview",
        {"expression": "20x", "part": "dz"},
        allow(200, *MEMBERS),
    ),
    # the course's exercise has no code part: members learn that, others nothing
    (
        "POST",
        "/assignments/{assignment_id}/checks",
        {"part": "dz", "code": "def f(x):\n    return x\n"},
        allow(422, *MEMBERS),
    ),
    (
        "POST",
        "/assignments/{assignment_id}/questions/{question_id}/checks",
        {"part": "dz", "code": "def f(x):\n    return x\n"},
        allow(422, *MEMBERS),
    ),
    ("POST", "/assignments/{assignment_id}/submissions", {"answers": RIGHT}, allow(202, *MEMBERS)),
    (
        "POST",
        "/assignments/{assignment_id}/questions/{question_id}/preview",
        {"expression": "20x", "part": "dz"},
        allow(200, *MEMBERS),
    ),
    (
        "POST",
        "/assignments/{assignment_id}/questions/{question_id}/submissions",
        {"answers": RIGHT},
        allow(202, *MEMBERS),
    ),
    # the world's assignment is homework: nothing to start or hand in
    # steps and hints (#26): members open steps; the exercise has no hints (409 says so)
    ("POST", "/assignments/{assignment_id}/steps/dz", {}, allow(200, *MEMBERS)),
    (
        "POST",
        "/assignments/{assignment_id}/questions/{question_id}/steps/dz",
        {},
        allow(200, *MEMBERS),
    ),
    (
        "POST",
        "/assignments/{assignment_id}/steps/dz/check",
        {"answers": {"dz.1": "4x"}},
        allow(200, *MEMBERS),
    ),
    (
        "POST",
        "/assignments/{assignment_id}/questions/{question_id}/steps/dz/check",
        {"answers": {"dz.1": "4x"}},
        allow(200, *MEMBERS),
    ),
    ("POST", "/assignments/{assignment_id}/hints/dz", {}, allow(409, *MEMBERS)),
    (
        "POST",
        "/assignments/{assignment_id}/questions/{question_id}/hints/dz",
        {},
        allow(409, *MEMBERS),
    ),
    ("POST", "/assignments/{assignment_id}/start", None, allow(409, *MEMBERS)),
    ("POST", "/assignments/{assignment_id}/finish", None, allow(409, *MEMBERS)),
    ("GET", "/assignments/{assignment_id}/exam", None, allow(200, *STAFF)),
    ("GET", "/assignments/{assignment_id}/statistics", None, allow(200, *STAFF)),
    ("GET", "/courses/{course_id}/gradebook/stu", None, allow(200, *MEMBERS)),
    (
        "PUT",
        "/courses/{course_id}/members/stu/accommodations",
        {"time_factor": 1.5, "extra_minutes": 10},
        allow(200, *STAFF),
    ),
    ("GET", "/assignments/{assignment_id}/submissions", None, allow(200, *MEMBERS)),
    ("GET", "/submissions/{submission_id}", None, allow(200, *MEMBERS, denied=404)),
    # not graded yet in this table: 409 for those who may read it
    ("GET", "/submissions/{submission_id}/solution", None, allow(409, *MEMBERS, denied=404)),
    ("GET", "/courses/{course_id}/practice/next", None, allow(200, *MEMBERS)),
    ("GET", "/courses/{course_id}/practice/next?skill=chain", None, allow(200, *MEMBERS)),
    ("GET", "/practice/items/{item_id}", None, allow(200, "admin", "student", denied=404)),
    (
        "POST",
        "/practice/items/{item_id}/preview",
        {"expression": "3x^2"},
        allow(200, "admin", "student", denied=404),
    ),
    # only the student answers their own item (an admin's answer would use their attempt)
    (
        "POST",
        "/practice/items/{item_id}/submissions",
        {"answers": {"df": "3x^2"}},
        allow(200, "student", denied=404),
    ),
    ("GET", "/courses/{course_id}/mastery", None, allow(200, *MEMBERS)),
    ("GET", "/courses/{course_id}/misconceptions", None, allow(200, *STAFF)),
    ("GET", "/skills", None, allow(200, *EVERYONE)),
    ("GET", "/lti/platforms", None, allow(200, "admin")),
    ("POST", "/lti/platforms", PLATFORM, allow(201, "admin")),
    ("DELETE", "/lti/platforms/{platform_id}", None, allow(404, "admin")),
    ("GET", "/lti/keys", None, allow(200, "admin")),
    ("POST", "/lti/keys", {}, allow(201, "admin")),
    ("DELETE", "/lti/keys/{kid}", None, allow(404, "admin")),
    ("POST", "/courses/{course_id}/lti/roster", {}, allow(404, *STAFF)),
    ("GET", "/assignments/{assignment_id}/lti/passback", None, allow(200, *STAFF)),
    (
        "POST",
        "/courses/{course_id}/webhooks",
        {"url": "https://hooks.example/in"},
        allow(201, *STAFF),
    ),
    ("GET", "/courses/{course_id}/webhooks", None, allow(200, *STAFF)),
    ("DELETE", "/webhooks/{webhook_id}", None, allow(404, *EVERYONE, denied=404)),
    ("GET", "/webhooks/{webhook_id}/deliveries", None, allow(404, *EVERYONE, denied=404)),
    ("GET", "/health", None, PUBLIC),
    ("GET", "/openapi.json", None, PUBLIC),
    ("GET", "/docs", None, PUBLIC),
]


@pytest.fixture(autouse=True)
def _hooks_example_resolves(monkeypatch):
    """The webhook rows subscribe https://hooks.example/in; the outbound policy resolves names
    at subscription, and a test machine has no DNS: the name answers a public address here."""
    import socket

    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host == "hooks.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port or 443))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _person(world, role: str):
    return None if role == "anon" else getattr(world, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    MATRIX,
    ids=[f"{m} {p}" for m, p, _, _ in MATRIX],
)
def test_role_gets_expected_status(world, client, role, method, path, body, expected):
    ids = {
        "student_id": world.student.id,
        "student_token_id": world.student.token_id,
        "course_id": world.course_id,
        "assignment_id": world.assignment_id,
        "question_id": world.question_id,
        "submission_id": 0,
        "platform_id": 999999,
        "kid": "no-such-kid",
        "webhook_id": 999999,
        "item_id": 0,
    }
    if "{item_id}" in path:  # the student's first item: the power rule, one part "df"
        served = practice.next_item(world.svc, world.student.actor, world.course_id)
        ids["item_id"] = served.item.id
    if "{submission_id}" in path:
        accepted, _ = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)
        ids["submission_id"] = accepted["id"]
    person = _person(world, role)
    headers = dict(person.headers) if person else {}
    kwargs = {}
    if isinstance(body, str):
        headers["Content-Type"] = "application/yaml"
        kwargs["data"] = body
    elif body is not None:
        kwargs["json"] = body
    response = client.open("/api/v1" + path.format(**ids), method=method, headers=headers, **kwargs)
    assert response.status_code == expected[role], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.is_json and set(response.json["error"]) == {"code", "message", "details"}


def test_matrix_covers_every_api_route(app):
    covered = {(m, "/api/v1" + p.partition("?")[0]) for m, p, _, _ in MATRIX}
    normalise = {
        "<int:user_id>": "{student_id}",
        "<int:token_id>": "{student_token_id}",
        "<exercise_id>": "chain-rule-intro",
        "<int:course_id>": "{course_id}",
        "<username>": "stu",
        "<int:assignment_id>": "{assignment_id}",
        "<int:question_id>": "{question_id}",
        "<int:submission_id>": "{submission_id}",
        "<int:platform_id>": "{platform_id}",
        "<kid>": "{kid}",
        "<int:webhook_id>": "{webhook_id}",
        "<part>": "dz",
        "<int:item_id>": "{item_id}",
    }
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule
        for raw, placeholder in normalise.items():
            path = path.replace(raw, placeholder)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, path) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"add these endpoints to MATRIX: {missing}"

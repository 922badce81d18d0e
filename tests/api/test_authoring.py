"""Authoring over HTTP: validate (self-tests included) without saving, per-seed preview,
versions and their diff, copying a library exercise, moving an assignment to a new version."""

from __future__ import annotations

from grader.services.exercises import library as exercises
from grader.services.grading import submissions
from tests.helpers import FIXTURES

SQUARE = (FIXTURES / "scaled-square.yaml").read_text()
PARAMS = (
    SQUARE
    + """\
  - id: dy-at-1
    kind: value
    of: y
    wrt: x
    at: {x: 1}
"""
)
FAILING_TEST = PARAMS.replace('reject: ["a x"]', 'reject: ["a*x*2"]')
BROKEN = PARAMS.replace("define:\n  y: a*x^2", "define:\n  y: a*x^^2")


def _yaml(client, url, text, person):
    headers = {**person.headers, "Content-Type": "application/yaml"}
    return client.post(url, data=text.encode(), headers=headers)


def test_validate_reports_nothing_for_a_good_exercise_and_saves_nothing(world, client):
    response = _yaml(client, "/api/v1/exercises/validate", PARAMS, world.teacher)
    assert response.status_code == 200 and response.json == {"valid": True, "problems": []}
    listing = client.get("/api/v1/exercises", headers=world.teacher.headers).json["items"]
    assert "scaled-square" not in {e["id"] for e in listing}


def test_validate_lists_a_syntax_problem_at_its_line(world, client):
    response = _yaml(client, "/api/v1/exercises/validate", BROKEN, world.teacher)
    assert response.status_code == 200 and response.json["valid"] is False
    (problem,) = response.json["problems"]
    assert problem["line"] == BROKEN.splitlines().index("  y: a*x^^2") + 1
    assert problem["path"] == "define.y" and problem["message"]


def test_a_failing_self_test_is_a_problem_and_upload_refuses_it(world, client):
    line = FAILING_TEST.splitlines().index('      reject: ["a*x*2"]') + 1
    checked = _yaml(client, "/api/v1/exercises/validate", FAILING_TEST, world.teacher).json
    assert checked["valid"] is False
    assert [p["line"] for p in checked["problems"]] == [line]
    assert "was accepted" in checked["problems"][0]["message"]
    upload = _yaml(client, "/api/v1/exercises", FAILING_TEST, world.teacher)
    assert upload.status_code == 422
    assert upload.json["error"]["details"] == checked["problems"]


def test_preview_shows_each_seeds_params_and_the_reference_answers(world, client):
    assert _yaml(client, "/api/v1/exercises", PARAMS, world.teacher).status_code == 201
    url = "/api/v1/exercises/scaled-square/preview"
    seen = {}
    for seed in range(6):
        body = client.get(url, query_string={"seed": seed}, headers=world.teacher.headers).json
        a = body["params"]["a"]
        seen[seed] = a
        assert f"<mn>{a}</mn>" in body["statement_html"]
        dy, at1 = body["parts"]
        assert dy["id"] == "dy" and "<math" in dy["reference"]["formula_mathml"][0]
        assert len(dy["reference"]["points"]) == 3
        assert at1["reference"]["values"] == [str(2 * a)]
        assert body["self_tests"] == {"passed": True, "problems": []}
    assert len(set(seen.values())) > 1


def test_versions_list_who_saved_them_and_a_diff_shows_the_changed_lines(world, client):
    _yaml(client, "/api/v1/exercises", PARAMS, world.teacher)
    _yaml(
        client,
        "/api/v1/exercises",
        PARAMS.replace("Scaled square", "A scaled square"),
        world.teacher,
    )
    versions = client.get(
        "/api/v1/exercises/scaled-square/versions", headers=world.teacher.headers
    ).json
    assert [v["version"] for v in versions["versions"]] == [2, 1]
    assert {v["created_by"] for v in versions["versions"]} == {"tess"}
    diff = client.get(
        "/api/v1/exercises/scaled-square/diff",
        query_string={"from": 1, "to": 2},
        headers=world.teacher.headers,
    ).json
    changed = [(d["op"], d["old"], d["new"], d["text"]) for d in diff["lines"] if d["op"] != " "]
    assert changed == [
        ("-", 2, None, "title: Scaled square"),
        ("+", None, 2, "title: A scaled square"),
    ]
    assert "-title: Scaled square" in diff["unified"] and diff["changed"] == 2
    missing = client.get(
        "/api/v1/exercises/scaled-square/diff",
        query_string={"from": 1, "to": 9},
        headers=world.teacher.headers,
    )
    assert missing.status_code == 404


def test_a_library_exercise_is_copied_under_a_new_id_the_instructor_owns(world, client):
    text = PARAMS.replace("scaled-square", "library-square")
    exercises.upload(world.svc, None, text)  # as `make run` imports the library: no owner
    refused = _yaml(client, "/api/v1/exercises", text, world.teacher)
    assert (
        refused.status_code == 403 and "belongs to someone else" in refused.json["error"]["message"]
    )
    url = "/api/v1/exercises/library-square/copy"
    copied = client.post(url, json={"id": "my-square"}, headers=world.teacher.headers)
    assert copied.status_code == 201 and copied.json == {
        "id": "my-square",
        "version": 1,
        "created": True,
    }
    mine = client.get("/api/v1/exercises/my-square", headers=world.teacher.headers).json
    assert mine["owner"] == "tess" and 'id: "my-square"' in mine["yaml"]
    edited = mine["yaml"].replace("Scaled square", "My square")
    assert _yaml(client, "/api/v1/exercises", edited, world.teacher).status_code == 201
    again = client.post(url, json={"id": "my-square"}, headers=world.teacher.headers)
    assert again.status_code == 409
    bad = client.post(url, json={"id": "Not A Slug"}, headers=world.teacher.headers)
    assert bad.status_code == 422


def test_moving_an_assignment_to_a_new_version_regrades_and_keeps_the_old_result(world, client):
    from grader.db.models import EarlierGrade
    from tests.helpers import EXERCISE_YAML

    accepted, _ = submissions.submit(
        world.svc, world.student.actor, world.assignment_id, {"dz-at-10": "200"}
    )
    world.grade_all()
    # version 2 gives the value part 5 points
    text = EXERCISE_YAML.replace("at: {x: 10}\n    points: 1", "at: {x: 10}\n    points: 5")
    assert exercises.upload(world.svc, world.teacher.actor, text)["version"] == 2
    url = f"/api/v1/assignments/{world.assignment_id}"
    response = client.patch(url, json={"version": 2}, headers=world.teacher.headers)
    assert response.status_code == 200
    assert response.json["version"] == 2 and response.json["regraded"] == 1
    assert world.grade_all() == 1
    result = submissions.get_submission(world.svc, world.teacher.actor, accepted["id"])
    assert result["score"] == 5.0 and result["max_score"] == 7.0
    with world.svc.db.read() as session:
        (earlier,) = session.query(EarlierGrade).all()
        assert earlier.score == 1.0 and earlier.max_score == 3.0
    book = client.get(
        f"/api/v1/courses/{world.course_id}/gradebook", headers=world.teacher.headers
    ).json
    assert book["students"][0]["scores"][str(world.assignment_id)]["score"] == 5.0
    assert client.patch(url, json={"version": 7}, headers=world.teacher.headers).status_code == 404


def test_an_archived_course_is_renamed_listed_as_archived_and_takes_no_submissions(world, client):
    url = f"/api/v1/courses/{world.course_id}"
    changed = client.patch(
        url, json={"title": "Calculus I", "archived": True}, headers=world.teacher.headers
    )
    assert changed.status_code == 200 and changed.json["archived"] is True
    assert changed.json["title"] == "Calculus I"
    submit = client.post(
        f"/api/v1/assignments/{world.assignment_id}/submissions",
        json={"answers": {"dz": "20x"}},
        headers=world.student.headers,
    )
    assert submit.status_code == 403 and submit.json["error"]["code"] == "archived"
    back = client.patch(url, json={"archived": False}, headers=world.teacher.headers)
    assert back.json["archived"] is False
    assert client.patch(url, json={"title": ""}, headers=world.teacher.headers).status_code == 422

"""Practice over HTTP: the next item and why, answers graded at once with mastery, the class's
mastery and misconceptions, the skill map; evidence from assignments too."""

from __future__ import annotations

import pytest

from grader.engine.generate import builtin_templates, generate
from grader.services import courses, exercises
from grader.services.assignments import assignment as assignments
from tests.helpers import EXERCISE_YAML, Person

TAGGED = EXERCISE_YAML.replace("id: chain-rule-intro", "id: chain-tagged").replace(
    "title: Chain rule through an intermediate variable",
    "title: Chain, tagged\nskills: [chain, power]",
)


def _next(client, person, course_id, skill=None):
    url = f"/api/v1/courses/{course_id}/practice/next" + (f"?skill={skill}" if skill else "")
    response = client.get(url, headers=person.headers)
    assert response.status_code == 200, response.json
    return response.json


def _answer(client, person, item_id, answers):
    return client.post(
        f"/api/v1/practice/items/{item_id}/submissions",
        json={"answers": answers},
        headers=person.headers,
    )


def _drawn(item):
    """The item regenerated from its template and seed (what a reviewer would do)."""
    return generate(builtin_templates()[item["template"]], item["seed"])


@pytest.fixture
def tagged(world):
    """The course's only assignment practises chain and power (a tagged exercise)."""
    exercises.upload(world.svc, world.teacher.actor, TAGGED)
    assignments.create_assignment(
        world.svc, world.teacher.actor, world.course_id, {"exercise_id": "chain-tagged"}
    )
    return world


def test_the_skill_map_lists_prerequisites_and_templates(client, world):
    response = client.get("/api/v1/skills", headers=world.student.headers)
    assert response.status_code == 200
    skills = {s["id"]: s for s in response.json["skills"]}
    assert "chain" in skills["linear-layer"]["requires"]
    assert "chain-rule" in skills["chain"]["templates"]
    assert response.json["diagnoses"]["chain"] == "chain"
    assert response.json["levels"][-1] == "mastered"


def test_a_student_gets_an_item_with_its_reason_and_the_same_one_until_answering(client, world):
    first = _next(client, world.student, world.course_id)
    item = first["item"]
    assert {"id", "skill", "template", "seed", "statement_html", "parts"} <= set(item)
    assert first["reason"] and first["reason_message"]["code"].startswith("practice.")
    assert item["parts"] and item["parts"][0]["id"]
    assert _next(client, world.student, world.course_id)["item"]["id"] == item["id"]
    # the seed regenerates the item exactly
    assert _drawn(item).exercise.spec.define == _drawn(item).exercise.spec.define
    assert _drawn(item).exercise.title == item["title"]


def test_a_right_answer_is_graded_and_raises_mastery_once(client, world):
    item = _next(client, world.student, world.course_id, "power")["item"]
    right = _drawn(item).answers
    graded = _answer(client, world.student, item["id"], right)
    assert graded.status_code == 200, graded.json
    body = graded.json
    assert body["counted"] and body["score"] == body["max_score"]
    assert all(p["correct"] for p in body["parts"].values())
    standing = body["mastery"]["power"]
    assert standing["evidence"] == 1 and standing["level"] in ("attempted", "familiar")
    again = _answer(client, world.student, item["id"], right).json
    assert not again["counted"] and again["mastery"]["power"]["evidence"] == 1
    following = _next(client, world.student, world.course_id)["item"]
    assert following["id"] != item["id"]


def test_the_classic_mistake_is_diagnosed_and_the_next_item_says_why(client, world):
    item = _next(client, world.student, world.course_id, "chain")["item"]
    wrong = _answer(client, world.student, item["id"], _drawn(item).mistakes).json
    (part,) = wrong["parts"].values()
    assert part["diagnosis"] == "chain" and not part["correct"]
    assert wrong["mastery"]["chain"]["level"] == "attempted"
    following = _next(client, world.student, world.course_id)
    assert following["item"]["skill"] == "chain"
    assert following["reason"] == (
        "You forgot the inner derivative (1× recently): 3 more Chain rule exercises."
    )


def test_unreadable_answers_are_refused_and_count_nothing(client, world):
    item = _next(client, world.student, world.course_id, "trig")["item"]
    part = item["parts"][0]["id"]
    refused = _answer(client, world.student, item["id"], {part: "sin(x"})
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "unreadable_answers"
    assert _next(client, world.student, world.course_id, "trig")["item"]["attempts"] == 0


def test_a_preview_shows_how_an_answer_reads(client, world):
    item = _next(client, world.student, world.course_id, "trig")["item"]
    shown = client.post(
        f"/api/v1/practice/items/{item['id']}/preview",
        json={"expression": "3cos(2x)", "part": item["parts"][0]["id"]},
        headers=world.student.headers,
    )
    assert shown.status_code == 200 and "<math" in shown.json["mathml"]


def test_someone_elses_item_is_not_found(client, world):
    item = _next(client, world.student, world.course_id)["item"]
    other = Person(world.svc, "sam", "student")
    courses.add_member(world.svc, world.teacher.actor, world.course_id, "sam", "student")
    assert _answer(client, other, item["id"], {"df": "1"}).status_code == 404
    assert (
        client.get(f"/api/v1/practice/items/{item['id']}", headers=other.headers).status_code == 404
    )


def test_outsiders_cannot_practise_in_a_course(client, world):
    url = f"/api/v1/courses/{world.course_id}/practice/next"
    assert client.get(url, headers=world.outsider.headers).status_code == 403


def test_an_unknown_skill_is_not_found_and_one_outside_the_course_is_refused(client, tagged):
    world = tagged
    url = f"/api/v1/courses/{world.course_id}/practice/next?skill="
    assert client.get(url + "astrology", headers=world.student.headers).status_code == 404
    refused = client.get(url + "softmax-ce", headers=world.student.headers)
    assert (
        refused.status_code == 422
        and "not practised in this course" in refused.json["error"]["message"]
    )


def test_a_course_practises_the_skills_of_its_exercises(client, tagged):
    world = tagged
    for _ in range(4):
        item = _next(client, world.student, world.course_id)["item"]
        assert item["skill"] in ("chain", "power", "sum")  # sum: chain builds on it
        _answer(client, world.student, item["id"], _drawn(item).answers)


def test_students_see_their_own_mastery_and_instructors_the_class(client, world):
    other = Person(world.svc, "sam", "student")
    courses.add_member(world.svc, world.teacher.actor, world.course_id, "sam", "student")
    item = _next(client, world.student, world.course_id, "power")["item"]
    _answer(client, world.student, item["id"], _drawn(item).answers)
    url = f"/api/v1/courses/{world.course_id}/mastery"
    own = client.get(url, headers=world.student.headers).json
    assert [s["username"] for s in own["students"]] == ["stu"]
    assert own["students"][0]["skills"]["power"]["evidence"] == 1
    grid = client.get(url, headers=world.teacher.headers).json
    assert [s["username"] for s in grid["students"]] == ["sam", "stu"]
    assert grid["students"][0]["skills"]["power"]["level"] == "not_started"
    assert client.get(url, headers=world.outsider.headers).status_code == 403
    assert client.get(url, headers=other.headers).json["students"][0]["username"] == "sam"


def test_a_diagnosed_mistake_in_an_assignment_moves_mastery_and_shows_among_misconceptions(
    client, tagged
):
    world = tagged
    listed = client.get(
        f"/api/v1/courses/{world.course_id}/assignments", headers=world.student.headers
    ).json["items"]
    assignment = next(a for a in listed if a["title"] == "Chain, tagged")
    sent = client.post(
        f"/api/v1/assignments/{assignment['id']}/submissions",
        json={"answers": {"dz": "4x"}},  # dy/dx alone: the chain rule broken
        headers=world.student.headers,
    )
    assert sent.status_code in (200, 202), sent.json
    world.grade_all()
    mine = client.get(
        f"/api/v1/courses/{world.course_id}/mastery", headers=world.student.headers
    ).json["students"][0]["skills"]
    assert mine["chain"]["evidence"] == 1 and mine["chain"]["level"] == "attempted"
    seen = client.get(
        f"/api/v1/courses/{world.course_id}/misconceptions", headers=world.teacher.headers
    )
    assert seen.status_code == 200
    top = seen.json["misconceptions"][0]
    assert (top["diagnosis"], top["skill"], top["total"]) == ("chain", "chain", 1)
    assert (
        client.get(
            f"/api/v1/courses/{world.course_id}/misconceptions", headers=world.student.headers
        ).status_code
        == 403
    )


def test_the_practice_responses_are_named_schemas(client):
    doc = client.get("/api/v1/openapi.json").json
    names = set(doc["components"]["schemas"])
    assert {"PracticeNext", "PracticeGraded", "CourseMastery", "SkillMap"} <= names
    op = doc["paths"]["/api/v1/courses/{course_id}/practice/next"]["get"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/PracticeNext")


# ------------------------------------------------------------------------------ practice assignments


def _goal(client, world, **extra):
    spec = {"kind": "practice", "title": "Chain and product by Friday", **extra}
    return client.post(
        f"/api/v1/courses/{world.course_id}/assignments", json=spec, headers=world.teacher.headers
    )


def test_a_practice_assignment_names_skills_and_a_level(client, world):
    made = _goal(client, world, target_skills=["chain", "product"], target_level="proficient")
    assert made.status_code == 201, made.json
    assert made.json["kind"] == "practice" and made.json["max_score"] == 2
    assert made.json["target_skills"] == ["chain", "product"]
    bad = _goal(client, world, target_skills=["astrology"])
    assert bad.status_code == 422 and "target_skills[0]" in bad.json["error"]["message"]
    both = _goal(client, world, target_skills=["chain"], exercise_id="chain-rule-intro")
    assert both.status_code == 422 and "no questions" in both.json["error"]["message"]
    assert _goal(client, world).status_code == 422  # no skills


def test_a_practice_assignment_is_graded_by_the_skills_reached(client, world):
    made = _goal(client, world, target_skills=["chain", "power"], target_level="familiar").json
    for _ in range(3):  # right answers until the power rule is familiar
        item = _next(client, world.student, world.course_id, "power")["item"]
        _answer(client, world.student, item["id"], _drawn(item).answers)
    item = _next(client, world.student, world.course_id, "chain")["item"]
    _answer(client, world.student, item["id"], _drawn(item).mistakes)
    book = client.get(
        f"/api/v1/courses/{world.course_id}/gradebook", headers=world.teacher.headers
    ).json
    column = next(a for a in book["assignments"] if a["id"] == made["id"])
    assert column["max_score"] == 2 and column["target_level"] == "familiar"
    (stu,) = [s for s in book["students"] if s["username"] == "stu"]
    assert stu["scores"][str(made["id"])]["score"] == 1  # power reached, chain not


def test_practice_after_the_due_date_does_not_change_the_score(client, world):
    made = _goal(
        client, world, target_skills=["power"], target_level="familiar",
        due_at="2020-01-01T00:00:00Z",
    ).json  # fmt: skip
    item = _next(client, world.student, world.course_id, "power")["item"]
    _answer(client, world.student, item["id"], _drawn(item).answers)
    book = client.get(
        f"/api/v1/courses/{world.course_id}/gradebook", headers=world.teacher.headers
    ).json
    (stu,) = [s for s in book["students"] if s["username"] == "stu"]
    assert stu["scores"][str(made["id"])]["score"] in (None, 0)


def test_a_student_sees_a_practice_assignment_with_their_progress(client, world):
    made = _goal(client, world, target_skills=["power"], target_level="familiar").json
    view = client.get(f"/api/v1/assignments/{made['id']}", headers=world.student.headers)
    assert view.status_code == 200, view.json
    assert view.json["kind"] == "practice" and view.json["target_skills"] == ["power"]
    assert view.json["progress"] == {"power": "not_started"} and view.json["score"] == 0


def test_a_practice_assignment_takes_no_submissions_and_no_preview(client, world):
    made = _goal(client, world, target_skills=["power"]).json
    base = f"/api/v1/assignments/{made['id']}"
    sent = client.post(
        base + "/submissions", json={"answers": {"df": "1"}}, headers=world.student.headers
    )
    assert sent.status_code in (404, 409, 422), sent.json
    shown = client.post(base + "/preview", json={"expression": "1"}, headers=world.student.headers)
    assert shown.status_code in (404, 409, 422), shown.json
    listed = client.get(base + "/submissions", headers=world.teacher.headers)
    assert listed.status_code == 200
    changed = client.patch(base, json={"title": "Renamed"}, headers=world.teacher.headers)
    assert changed.status_code == 200 and changed.json["title"] == "Renamed"
    assert client.get(
        f"/api/v1/assignments/{made['id']}/statistics", headers=world.teacher.headers
    ).status_code in (200, 409)

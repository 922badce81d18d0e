"""Assignments with many questions over HTTP: pools drawn once per student, per-question
attempts and variants, scores summed in points, the one-exercise form kept."""

from __future__ import annotations

import csv
import io

import pytest

from grader.db.models import Submission
from grader.services import courses, exercises
from grader.services.assignments import questions
from tests.helpers import Person

POWERS = {"pow-two": 2, "pow-three": 3, "pow-four": 4, "pow-five": 5}


def power_yaml(slug: str, n: int) -> str:
    return (
        f"id: {slug}\ntitle: Power {n}\nstatement: 'Let $y = {{a}} x^{n}$.'\n"
        "variables: {x: [0.5, 3]}\nparams: {a: {int: [2, 60]}}\n"
        f"define: {{y: a*x^{n}}}\n"
        "parts:\n  - {id: dy, kind: expression, of: y, wrt: x}\n"
    )


def right(question: dict) -> dict:
    """The right answer to a power question from the student's own parameters."""
    n = POWERS[question["exercise_id"]]
    return {"dy": f"{n * question['params']['a']}*x^{n - 1}"}


@pytest.fixture
def library(world):
    for slug, n in POWERS.items():
        exercises.upload(world.svc, world.teacher.actor, power_yaml(slug, n))
    return world


def _student(world, name: str) -> Person:
    person = Person(world.svc, name, "student")
    courses.add_member(world.svc, world.teacher.actor, world.course_id, name, "student")
    return person


def _create(client, world, **spec):
    response = client.post(
        f"/api/v1/courses/{world.course_id}/assignments", json=spec, headers=world.teacher.headers
    )
    assert response.status_code == 201, response.json
    return response.json


HOMEWORK = {
    "title": "Week 3",
    "questions": [
        {"exercise_id": "pow-two", "points": 2},
        {"pool": ["pow-three", "pow-four", "pow-five"], "choose": 2, "points": 3},
    ],
}


def _view(client, person, assignment_id):
    response = client.get(f"/api/v1/assignments/{assignment_id}", headers=person.headers)
    assert response.status_code == 200, response.json
    return response.json


def _submit(client, person, assignment_id, question_id, answers, **headers):
    return client.post(
        f"/api/v1/assignments/{assignment_id}/questions/{question_id}/submissions",
        json={"answers": answers},
        headers={**person.headers, **headers},
    )


def test_a_student_sees_their_questions_with_points_and_their_own_draw(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    assert created["max_score"] == 8.0 and len(created["questions"]) == 3
    view = _view(client, world.student, created["id"])
    assert view["title"] == "Week 3" and view["max_score"] == 8.0 and view["score"] is None
    items = view["questions"]
    assert [q["points"] for q in items] == [2.0, 3.0, 3.0]
    assert items[0]["exercise_id"] == "pow-two"
    drawn = {q["exercise_id"] for q in items[1:]}
    assert len(drawn) == 2 and drawn <= {"pow-three", "pow-four", "pow-five"}
    for q in items:
        assert q["attempts_used"] == 0 and q["status"] == "not_started"
        assert q["parts"][0]["id"] == "dy" and "a" in q["params"]
        assert "definition" not in q and "pool" not in q
    assert "pool" not in str(view)


def test_pool_draws_are_the_same_on_every_reload_and_server(library, client, make_config):
    from grader.services.context import Services

    world = library
    created = _create(client, world, **HOMEWORK)
    first = _view(client, world.student, created["id"])["questions"]
    assert _view(client, world.student, created["id"])["questions"] == first
    other = Services(make_config(secret_key="a-new-server-secret"))
    try:
        from grader.services import assignments

        again = assignments.view(other, world.student.actor, created["id"])["questions"]
    finally:
        other.close()
    assert [q["exercise_id"] for q in again] == [q["exercise_id"] for q in first]


def test_pool_draws_differ_between_students_and_never_repeat_for_one(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    seen = set()
    for n in range(12):
        person = _student(world, f"s{n}")
        drawn = [q["exercise_id"] for q in _view(client, person, created["id"])["questions"][1:]]
        assert len(set(drawn)) == 2
        seen.add(tuple(sorted(drawn)))
    assert len(seen) > 1  # 12 students do not all get the same pair (3 possible)


def test_draw_depends_only_on_assignment_student_and_pool():
    class Q:
        assignment_id, group_no, choose, exercise_version_id = 7, 1, 2, None
        pool = [11, 12, 13, 14]

        def __init__(self, slot):
            self.slot = slot

    picks = [questions.drawn_version(Q(slot), 42) for slot in (0, 1)]
    assert picks == [questions.drawn_version(Q(slot), 42) for slot in (0, 1)]
    assert len(set(picks)) == 2 and set(picks) <= set(Q.pool)


def test_each_question_is_submitted_and_scored_in_its_points(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    view = _view(client, world.student, created["id"])
    first, second, third = view["questions"]
    assert (
        _submit(client, world.student, created["id"], first["id"], right(first)).status_code == 202
    )
    wrong = {"dy": "x"}
    assert _submit(client, world.student, created["id"], second["id"], wrong).status_code == 202
    world.grade_all()
    view = _view(client, world.student, created["id"])
    got = {q["id"]: q for q in view["questions"]}
    assert got[first["id"]]["score"] == 2.0 and got[first["id"]]["status"] == "correct"
    assert got[second["id"]]["score"] == 0.0 and got[second["id"]]["status"] == "attempted"
    assert got[third["id"]]["status"] == "not_started" and got[third["id"]]["score"] is None
    assert view["score"] == 2.0
    book = client.get(
        f"/api/v1/courses/{world.course_id}/gradebook", headers=world.teacher.headers
    ).json
    column = next(a for a in book["assignments"] if a["id"] == created["id"])
    assert [q["points"] for q in column["questions"]] == [2.0, 3.0, 3.0]
    cell = book["students"][0]["scores"][str(created["id"])]
    assert cell["score"] == 2.0 and cell["max_score"] == 8.0 and cell["attempts"] == 2
    assert cell["questions"][str(first["id"])]["score"] == 2.0
    assert cell["questions"][str(third["id"])]["attempts"] == 0


def test_the_one_exercise_route_names_the_questions_of_a_multi_question_assignment(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    response = client.post(
        f"/api/v1/assignments/{created['id']}/submissions",
        json={"answers": {"dy": "2x"}},
        headers=world.student.headers,
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "several_questions"
    assert response.json["error"]["details"]["questions"] == [q["id"] for q in created["questions"]]
    with world.svc.db.read() as session:
        assert session.query(Submission).count() == 0


def test_a_one_exercise_assignment_keeps_its_fields_and_route(world, client):
    view = _view(client, world.student, world.assignment_id)
    assert view["exercise_id"] == "chain-rule-intro" and view["parts"]
    assert [q["id"] for q in view["questions"]] == [world.question_id]
    response = client.post(
        f"/api/v1/assignments/{world.assignment_id}/submissions?wait=3000",
        json={"answers": {"dz": "20x"}},
        headers=world.student.headers,
    )
    assert response.status_code in (200, 202)
    assert response.json["question_id"] == world.question_id


def test_attempts_are_counted_per_question(library, client):
    world = library
    spec = {
        "questions": [
            {"exercise_id": "pow-two", "max_attempts": 1},
            {"exercise_id": "pow-three"},
        ],
        "max_attempts": 3,
    }
    created = _create(client, world, **spec)
    one, two = _view(client, world.student, created["id"])["questions"]
    assert one["max_attempts"] == 1 and two["max_attempts"] == 3
    assert _submit(client, world.student, created["id"], one["id"], {"dy": "x"}).status_code == 202
    again = _submit(client, world.student, created["id"], one["id"], {"dy": "2x"})
    assert again.status_code == 409 and again.json["error"]["code"] == "no_attempts_left"
    assert again.json["error"]["details"]["question_id"] == one["id"]
    for k in range(3):
        ok = _submit(client, world.student, created["id"], two["id"], {"dy": f"{k + 1}x"})
        assert ok.status_code == 202
    view = _view(client, world.student, created["id"])["questions"]
    assert [q["attempts_left"] for q in view] == [0, 0]


def test_new_each_attempt_draws_new_parameters_after_a_wrong_attempt_only(library, client):
    world = library
    spec = {"questions": [{"exercise_id": "pow-two", "variants": "new_each_attempt"}]}
    created = _create(client, world, **spec)
    aid = created["id"]
    first = _view(client, world.student, aid)["questions"][0]
    assert first["variant"] == 0
    _submit(client, world.student, aid, first["id"], {"dy": "x"})
    world.grade_all()
    second = _view(client, world.student, aid)["questions"][0]
    assert second["variant"] == 1
    params_seen = [first["params"], second["params"]]
    unreadable = _submit(client, world.student, aid, second["id"], {"dy": "2*"})
    assert unreadable.status_code == 422  # no attempt, no new variant
    _submit(client, world.student, aid, second["id"], right(second))
    world.grade_all()
    third = _view(client, world.student, aid)["questions"][0]
    assert third["variant"] == 1 and third["status"] == "correct"  # right: no new variant
    history = client.get(
        f"/api/v1/assignments/{aid}/submissions", headers=world.student.headers
    ).json["items"]
    assert [s["variant"] for s in reversed(history)] == [0, 1]
    assert [s["score"] for s in reversed(history)] == [0.0, 1.0]
    with world.svc.db.read() as session:
        seeds = [s.seed for s in session.query(Submission).order_by(Submission.attempt)]
    assert len(set(seeds)) == 2
    # with 59 values of a, eight students all keeping a's value across variants is unlikely
    changed = params_seen[0] != params_seen[1]
    for n in range(8):
        person = _student(world, f"v{n}")
        q = _view(client, person, aid)["questions"][0]
        _submit(client, person, aid, q["id"], {"dy": "x"})
        world.grade_all()
        changed |= _view(client, person, aid)["questions"][0]["params"] != q["params"]
    assert changed


def test_same_variants_keep_the_parameters_after_a_wrong_attempt(library, client):
    world = library
    created = _create(client, world, questions=[{"exercise_id": "pow-two"}])
    before = _view(client, world.student, created["id"])["questions"][0]
    _submit(client, world.student, created["id"], before["id"], {"dy": "x"})
    world.grade_all()
    after = _view(client, world.student, created["id"])["questions"][0]
    assert after["params"] == before["params"] and after["variant"] == 0


def test_question_preview_reads_the_answer_with_the_students_parameters(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    q = _view(client, world.student, created["id"])["questions"][0]
    response = client.post(
        f"/api/v1/assignments/{created['id']}/questions/{q['id']}/preview",
        json={"expression": "2a x", "part": "dy"},
        headers=world.student.headers,
    )
    assert response.status_code == 200 and "<math" in response.json["mathml"]
    bad = client.post(
        f"/api/v1/assignments/{created['id']}/questions/999999/preview",
        json={"expression": "x"},
        headers=world.student.headers,
    )
    assert bad.status_code == 404


@pytest.mark.parametrize(
    ("questions_spec", "path"),
    [
        ([{"pool": ["pow-two", "pow-three"], "choose": 3}], "questions[0].choose"),
        ([{"pool": ["pow-two", "pow-two"]}], "questions[0].pool"),
        ([{"pool": []}], "questions[0].pool"),
        ([{"exercise_id": "pow-two", "points": -1}], "questions[0].points"),
        ([{"exercise_id": "pow-two", "variants": "sometimes"}], "questions[0].variants"),
        ([{"exercise_id": "pow-two"}, {"exercise": "pow-three"}], "questions[1]"),
        ([{"exercise_id": "pow-two", "max_attempts": 0}], "questions[0].max_attempts"),
        ([{"pool": ["pow-two", 7]}], "questions[0].pool[1]"),
    ],
)
def test_a_bad_question_list_is_422_naming_the_question(library, client, questions_spec, path):
    world = library
    response = client.post(
        f"/api/v1/courses/{world.course_id}/assignments",
        json={"questions": questions_spec},
        headers=world.teacher.headers,
    )
    assert response.status_code == 422, response.json
    assert path in response.json["error"]["message"]


def test_an_unknown_exercise_in_a_pool_is_404_naming_it(library, client):
    world = library
    response = client.post(
        f"/api/v1/courses/{world.course_id}/assignments",
        json={"questions": [{"pool": ["pow-two", "nope"]}]},
        headers=world.teacher.headers,
    )
    assert response.status_code == 404 and "nope" in response.json["error"]["message"]


def test_both_forms_at_once_is_422(library, client):
    world = library
    response = client.post(
        f"/api/v1/courses/{world.course_id}/assignments",
        json={"exercise_id": "pow-two", "questions": [{"exercise_id": "pow-two"}]},
        headers=world.teacher.headers,
    )
    assert response.status_code == 422


def test_101_questions_are_refused_and_100_accepted(library, client):
    world = library
    many = [{"exercise_id": "pow-two"}] * 100
    assert len(_create(client, world, questions=many)["questions"]) == 100
    response = client.post(
        f"/api/v1/courses/{world.course_id}/assignments",
        json={"questions": [*many, {"exercise_id": "pow-two"}]},
        headers=world.teacher.headers,
    )
    assert response.status_code == 422


def test_shuffle_orders_questions_per_student_and_keeps_each_order(library, client):
    world = library
    spec = {"questions": [{"exercise_id": s} for s in POWERS], "shuffle": True}
    created = _create(client, world, **spec)
    orders = set()
    for n in range(8):
        person = _student(world, f"o{n}")
        order = [q["id"] for q in _view(client, person, created["id"])["questions"]]
        assert order == [q["id"] for q in _view(client, person, created["id"])["questions"]]
        orders.add(tuple(order))
    assert len(orders) > 1


def test_staff_see_the_definitions_and_any_students_draw(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    mine = _view(client, world.student, created["id"])
    url = f"/api/v1/assignments/{created['id']}?student=stu"
    as_student = client.get(url, headers=world.teacher.headers).json
    assert [q["exercise_id"] for q in as_student["questions"]] == [
        q["exercise_id"] for q in mine["questions"]
    ]
    assert [q["params"] for q in as_student["questions"]] == [
        q["params"] for q in mine["questions"]
    ]
    pool = as_student["questions"][1]["definition"]["pool"]
    assert [p["exercise_id"] for p in pool] == ["pow-three", "pow-four", "pow-five"]
    denied = client.get(url, headers=world.student.headers)
    assert denied.status_code == 403


def test_gradebook_csv_has_a_column_per_question_on_request(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    first = _view(client, world.student, created["id"])["questions"][0]
    _submit(client, world.student, created["id"], first["id"], right(first))
    world.grade_all()
    url = f"/api/v1/courses/{world.course_id}/gradebook?format=csv"
    plain = list(csv.reader(io.StringIO(client.get(url, headers=world.teacher.headers).text)))
    wide = list(
        csv.reader(
            io.StringIO(client.get(url + "&questions=true", headers=world.teacher.headers).text)
        )
    )
    assert len(wide[0]) == len(plain[0]) + 4  # 1 + 3 questions
    header = wide[0]
    q1 = next(i for i, h in enumerate(header) if h.startswith("Week 3 Q1"))
    assert wide[1][q1] == "2" and wide[1][q1 + 1] == ""


def test_a_students_drill_down_shows_each_question(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    view = _view(client, world.student, created["id"])
    _submit(client, world.student, created["id"], view["questions"][0]["id"], {"dy": "x"})
    world.grade_all()
    url = f"/api/v1/courses/{world.course_id}/gradebook/stu"
    detail = client.get(url, headers=world.teacher.headers).json
    mine = next(a for a in detail["assignments"] if a["id"] == created["id"])
    assert [q["exercise_id"] for q in mine["questions"][1:]] == [
        q["exercise_id"] for q in view["questions"][1:]
    ]
    assert mine["questions"][0]["attempts"] == 1 and mine["questions"][0]["score"] == 0.0
    assert client.get(url, headers=world.student.headers).status_code == 200
    other = _student(world, "nosy")
    assert client.get(url, headers=other.headers).status_code == 403


def test_questions_cannot_be_replaced_once_someone_submitted(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    url = f"/api/v1/assignments/{created['id']}"
    reorder = {"questions": [{"exercise_id": "pow-three"}, {"exercise_id": "pow-two"}]}
    changed = client.patch(url, json=reorder, headers=world.teacher.headers)
    assert changed.status_code == 200
    assert [q["exercise_id"] for q in changed.json["questions"]] == ["pow-three", "pow-two"]
    q = _view(client, world.student, created["id"])["questions"][0]
    _submit(client, world.student, created["id"], q["id"], {"dy": "x"})
    refused = client.patch(url, json=reorder, headers=world.teacher.headers)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "has_submissions"


def test_points_change_rescores_from_the_stored_results(library, client):
    """Scores are computed on read: a change of points never loses one."""
    world = library
    created = _create(client, world, questions=[{"exercise_id": "pow-two", "points": 2}])
    q = _view(client, world.student, created["id"])["questions"][0]
    _submit(client, world.student, created["id"], q["id"], right(q))
    world.grade_all()
    from grader.db.models import AssignmentQuestion

    with world.svc.db.write() as session:
        session.get(AssignmentQuestion, q["id"]).points = 10
    assert _view(client, world.student, created["id"])["score"] == 10.0


def test_item_statistics_on_a_known_data_set(library, client):
    """Three students, two questions (2 and 3 points), worked out by hand:

    s1: Q1 right (2); Q2 wrong then right (3).  s2: Q1 wrong twice (0); Q2 right (3).
    s3: Q1 right (2); Q2 wrong (0).
    Q1: mean 4/3, difficulty 2/3, first try 2/3, attempts 4/3; against the rest (3, 3, 0)
    Pearson's r of (2, 0, 2) is -2 / sqrt(8/3 * 6) = -0.5. Q2 mirrors it: mean 2, difficulty
    2/3, first try 1/3, attempts 4/3, r = -0.5.
    """
    world = library
    created = _create(
        client,
        world,
        questions=[
            {"exercise_id": "pow-two", "points": 2},
            {"exercise_id": "pow-three", "points": 3},
        ],
    )
    aid = created["id"]
    people = [_student(world, name) for name in ("s1", "s2", "s3")]
    plan = {
        "s1": (["right"], ["wrong", "right"]),
        "s2": (["wrong", "wrong"], ["right"]),
        "s3": (["right"], ["wrong"]),
    }
    for person in people:
        qs = _view(client, person, aid)["questions"]
        for q, steps in zip(qs, plan[person.username], strict=True):
            for n, step in enumerate(steps, start=1):
                answers = right(q) if step == "right" else {"dy": f"{n}*x"}
                assert _submit(client, person, aid, q["id"], answers).status_code == 202
                world.grade_all()
    # an instructor's preview never counts
    q = _view(client, world.teacher, aid)["questions"][0]
    _submit(client, world.teacher, aid, q["id"], {"dy": "x"})
    world.grade_all()
    stats = client.get(f"/api/v1/assignments/{aid}/statistics", headers=world.teacher.headers)
    assert stats.status_code == 200
    one, two = stats.json["questions"]
    (a1,) = one["alternatives"]
    (a2,) = two["alternatives"]
    assert a1 == {
        "exercise_id": "pow-two",
        "title": "Power 2",
        "students": 3,
        "mean_score": 1.3333,
        "first_try_correct": 0.6667,
        "mean_attempts": 1.3333,
        "difficulty": 0.6667,
        "discrimination": -0.5,
    }
    assert a2["mean_score"] == 2.0 and a2["difficulty"] == 0.6667
    assert a2["first_try_correct"] == 0.3333 and a2["mean_attempts"] == 1.3333
    assert a2["discrimination"] == -0.5
    assert stats.json["students"] == 3
    denied = client.get(f"/api/v1/assignments/{aid}/statistics", headers=world.student.headers)
    assert denied.status_code == 403


def test_statistics_split_a_pool_by_alternative(library, client):
    world = library
    created = _create(
        client, world, questions=[{"pool": ["pow-two", "pow-three"], "choose": 1, "points": 1}]
    )
    aid = created["id"]
    drawn = []
    for n in range(6):
        person = _student(world, f"p{n}")
        q = _view(client, person, aid)["questions"][0]
        drawn.append(q["exercise_id"])
        _submit(client, person, aid, q["id"], right(q))
    world.grade_all()
    stats = client.get(f"/api/v1/assignments/{aid}/statistics", headers=world.teacher.headers)
    (question,) = stats.json["questions"]
    counts = {a["exercise_id"]: a["students"] for a in question["alternatives"]}
    assert counts == {"pow-two": drawn.count("pow-two"), "pow-three": drawn.count("pow-three")}
    for alt in question["alternatives"]:
        if alt["students"]:
            assert alt["mean_score"] == 1.0 and alt["difficulty"] == 1.0
            assert alt["discrimination"] is None  # no spread: undefined


def test_webhooks_carry_the_assignment_and_question(library, client):
    from grader.db.integrations import WebhookDelivery, WebhookSubscription

    world = library
    created = _create(client, world, **HOMEWORK)
    with world.svc.db.write() as session:
        session.add(
            WebhookSubscription(
                course_id=world.course_id, url="https://hooks.example/in", secret="s"
            )
        )
    q = _view(client, world.student, created["id"])["questions"][1]
    _submit(client, world.student, created["id"], q["id"], right(q))
    world.grade_all()
    with world.svc.db.read() as session:
        (delivery,) = session.query(WebhookDelivery).all()
        data = delivery.payload["data"]
    assert data["assignment_id"] == created["id"] and data["assignment_title"] == "Week 3"
    assert data["question_id"] == q["id"] and data["question_number"] == 2
    assert data["exercise_id"] == q["exercise_id"]

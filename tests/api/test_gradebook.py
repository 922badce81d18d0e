"""Gradebook and analytics over HTTP: the counted score per student and assignment, CSV that
reads back, overrides and extensions shown, wrong answers grouped by what they mean."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from grader.db.models import Assignment, User, utcnow
from grader.services.courses import course as courses
from grader.services.grading import submissions

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}


def _student(world, name: str):
    from tests.helpers import Person

    person = Person(world.svc, name, "student")
    courses.add_member(world.svc, world.teacher.actor, world.course_id, name, "student")
    return person


def _submit(world, person, answers):
    submissions.submit(world.svc, person.actor, world.assignment_id, answers)
    world.grade_all()


def _book(client, world, **kwargs):
    url = f"/api/v1/courses/{world.course_id}/gradebook"
    return client.get(url, headers={**world.teacher.headers, **kwargs.pop("headers", {})}, **kwargs)


def _set(world, **values):
    with world.svc.db.write() as session:
        row = session.get(Assignment, world.assignment_id)
        for key, value in values.items():
            setattr(row, key, value)


def test_gradebook_counts_the_best_attempt_and_the_attempts_used(world, client):
    _submit(world, world.student, {"dz-at-10": "200"})
    _submit(world, world.student, RIGHT)
    _submit(world, world.student, {"dz": "4x"})
    book = _book(client, world).json
    assert book["assignments"] == [
        {
            "id": world.assignment_id,
            "title": book["assignments"][0]["title"],
            "kind": "homework",
            "max_score": 3.0,
            "score_policy": "best",
            "questions": [
                {
                    "id": world.question_id,
                    "number": 1,
                    "title": book["assignments"][0]["title"],
                    "points": 3.0,
                }
            ],
        }
    ]
    (stu,) = book["students"]
    cell = stu["scores"][str(world.assignment_id)]
    assert stu["username"] == "stu"
    assert cell["score"] == 3.0 and cell["max_score"] == 3.0 and cell["attempts"] == 3
    assert cell["late"] is False and cell["overridden"] is False
    assert stu["total"] == 3.0 and stu["max_total"] == 3.0


def test_the_last_attempt_counts_when_the_assignment_says_so(world, client):
    _submit(world, world.student, RIGHT)
    _submit(world, world.student, {"dz-at-10": "200"})
    url = f"/api/v1/assignments/{world.assignment_id}"
    client.patch(url, json={"score_policy": "last"}, headers=world.teacher.headers)
    cell = _book(client, world).json["students"][0]["scores"][str(world.assignment_id)]
    assert cell["score"] == 1.0


def test_students_without_submissions_are_listed_with_no_score(world, client):
    _student(world, "zoe")
    rows = {s["username"]: s for s in _book(client, world).json["students"]}
    assert set(rows) == {"stu", "zoe"}
    cell = rows["zoe"]["scores"][str(world.assignment_id)]
    assert cell["score"] is None and cell["attempts"] == 0 and rows["zoe"]["total"] == 0


def test_an_instructors_preview_submissions_never_count(world, client):
    accepted, _ = submissions.submit(world.svc, world.teacher.actor, world.assignment_id, RIGHT)
    world.grade_all()
    assert submissions.get_submission(world.svc, world.teacher.actor, accepted["id"])["preview"]
    book = _book(client, world).json
    assert [s["username"] for s in book["students"]] == ["stu"]
    assert book["students"][0]["scores"][str(world.assignment_id)]["attempts"] == 0
    parts = client.get(
        f"/api/v1/assignments/{world.assignment_id}/analytics", headers=world.teacher.headers
    ).json["parts"]
    assert parts["dz"]["attempts"] == 0


def test_late_work_is_flagged_and_counted_after_its_penalty(world, client):
    _set(world, due_at=utcnow() - timedelta(hours=1), late_penalty=0.5)
    _submit(world, world.student, RIGHT)
    cell = _book(client, world).json["students"][0]["scores"][str(world.assignment_id)]
    assert cell["late"] is True and cell["score"] == 1.5


def test_an_override_replaces_the_score_with_its_reason_in_json_and_csv(world, client):
    _submit(world, world.student, {"dz": "4x"})
    url = f"/api/v1/assignments/{world.assignment_id}/overrides"
    body = {"username": "stu", "score": 2.5, "reason": "=typo in the statement"}
    assert client.post(url, json=body, headers=world.teacher.headers).status_code == 201
    cell = _book(client, world).json["students"][0]["scores"][str(world.assignment_id)]
    assert cell["score"] == 2.5 and cell["overridden"] is True
    assert cell["reason"] == "=typo in the statement"
    text = _book(client, world, query_string={"format": "csv"}).get_data(as_text=True)
    (row,) = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    assert row["overrides"] == f"#{world.assignment_id}: =typo in the statement"


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(world, client):
    with world.svc.db.write() as session:
        session.get(User, world.student.id).display_name = '=HYPERLINK("http://evil")'
    text = _book(client, world, query_string={"format": "csv"}).get_data(as_text=True)
    (row,) = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    assert row["display_name"] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize(
    "body",
    [
        {"username": "stu", "score": 4, "reason": "too high"},
        {"username": "stu", "score": 1, "reason": "   "},
        {"username": "olga", "score": 1, "reason": "not in the course"},
    ],
)
def test_an_override_out_of_range_without_reason_or_for_a_stranger_is_refused(world, client, body):
    url = f"/api/v1/assignments/{world.assignment_id}/overrides"
    response = client.post(url, json=body, headers=world.teacher.headers)
    assert response.status_code in (404, 422)
    cell = _book(client, world).json["students"][0]["scores"][str(world.assignment_id)]
    assert cell["overridden"] is False


def test_gradebook_csv_reads_back_one_row_per_student_with_totals(world, client):
    _student(world, "zoe")
    _submit(world, world.student, RIGHT)
    response = _book(client, world, query_string={"format": "csv"})
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, *students = rows
    assert header[:2] == ["username", "display_name"] and "total" in header
    assert [r[0] for r in students] == ["stu", "zoe"]
    column = next(i for i, h in enumerate(header) if f"#{world.assignment_id}" in h)
    assert students[0][column] == "3" and students[1][column] == ""
    assert students[0][header.index("total")] == "3"
    assert students[0][header.index("max_total")] == "3"


def test_accept_text_csv_gets_the_csv_too(world, client):
    response = _book(client, world, headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    assert _book(client, world, headers={"Accept": "*/*"}).is_json


def test_submissions_csv_has_each_attempt_with_answers_and_verdicts(world, client):
    _submit(world, world.student, {"dz": "4x", "grad": ["20x"]})
    _submit(world, world.student, RIGHT)
    url = f"/api/v1/assignments/{world.assignment_id}/submissions/export"
    text = client.get(url, headers=world.teacher.headers).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["username"], r["attempt"]) for r in rows] == [("stu", "1"), ("stu", "2")]
    assert rows[0]["dz answer"] == "4x" and rows[0]["dz correct"] == "no"
    assert rows[0]["grad answer"] == '["20x"]' and rows[1]["score"] == "3"


def test_an_extension_gives_more_attempts_and_a_later_due_date(world, client):
    _set(world, max_attempts=1, due_at=utcnow() + timedelta(hours=1))
    _submit(world, world.student, {"dz": "4x"})
    url = f"/api/v1/assignments/{world.assignment_id}/submissions"
    again = client.post(url, json={"answers": RIGHT}, headers=world.student.headers)
    assert again.status_code == 409
    later = (utcnow() + timedelta(days=3)).isoformat()
    body = {"username": "stu", "extra_attempts": 1, "due_at": later}
    ext = client.post(
        f"/api/v1/assignments/{world.assignment_id}/extensions",
        json=body,
        headers=world.teacher.headers,
    )
    assert ext.status_code == 201 and ext.json["extra_attempts"] == 1
    _set(world, due_at=utcnow() - timedelta(hours=1))  # everyone else is past due now
    view = client.get(f"/api/v1/assignments/{world.assignment_id}", headers=world.student.headers)
    assert view.json["attempts_left"] == 1 and view.json["extended"] is True
    assert (
        client.post(url, json={"answers": RIGHT}, headers=world.student.headers).status_code == 202
    )
    world.grade_all()
    cell = _book(client, world).json["students"][0]["scores"][str(world.assignment_id)]
    assert cell["attempts"] == 2 and cell["late"] is False
    assert cell["extension"] == {
        "due_at": cell["extension"]["due_at"],
        "extra_attempts": 1,
        "time_factor": None,
        "extra_minutes": None,
    }
    # the cell gives the student's own terms: the later date, 2 attempts, none left
    assert cell["due_at"] == cell["extension"]["due_at"] and cell["due_at"].startswith(later[:16])
    assert cell["max_attempts"] == 2 and cell["attempts_left"] == 0


def test_an_extension_needs_something_to_extend(world, client):
    url = f"/api/v1/assignments/{world.assignment_id}/extensions"
    assert (
        client.post(url, json={"username": "stu"}, headers=world.teacher.headers).status_code == 422
    )


def test_analytics_groups_wrong_answers_by_their_values_not_their_text(world, client):
    people = [world.student] + [_student(world, n) for n in ("ann", "bob", "cy")]
    for person, typed in zip(people, ("2*x", "x*2", "2x", "2x+1"), strict=True):
        _submit(world, person, {"dz": typed})
    _submit(world, people[0], {"dz": "2 x"})  # the same student again: one student, two tries
    _submit(world, people[3], RIGHT)
    response = client.get(
        f"/api/v1/assignments/{world.assignment_id}/analytics", headers=world.teacher.headers
    )
    assert response.status_code == 200
    dz = response.json["parts"]["dz"]
    assert dz["attempts"] == 6 and dz["students"] == 4
    assert dz["first_try_correct"] == 0.0 and dz["mean_attempts_to_correct"] == 2.0
    groups = dz["wrong_answers"]
    assert [g["count"] for g in groups] == [3, 1]
    assert groups[0]["answer"] in ("2*x", "x*2", "2x", "2 x") and groups[0]["submissions"] == 4
    assert groups[1]["answer"] == "2x+1"
    assert {"answer", "count", "diagnosis"} <= set(groups[0])
    dist = response.json["score_distribution"]
    assert sum(dist["counts"]) == 4 and dist["counts"][-1] == 1


def test_analytics_names_the_diagnosed_mistake(world, client):
    _submit(world, world.student, {"dz": "4x"})  # forgot the factor dz/dy = 5
    dz = client.get(
        f"/api/v1/assignments/{world.assignment_id}/analytics", headers=world.teacher.headers
    ).json["parts"]["dz"]
    (group,) = dz["wrong_answers"]
    assert group["diagnosis"] and group["feedback"]


def test_a_student_cannot_read_the_gradebook_or_analytics(world, client):
    assert _book(client, world, headers=world.student.headers).status_code in (403,)


def test_analytics_groups_one_mistake_across_parameter_draws_and_writes_it_in_the_params(
    world, client
):
    from tests.helpers import forgotten_inner_derivatives

    names = ["p1", "p2", "p3", "p4", "p5", "p6"]
    aid, ks = forgotten_inner_derivatives(world, names)
    assert len(set(ks.values())) >= 2  # several draws of k
    dz = client.get(f"/api/v1/assignments/{aid}/analytics", headers=world.teacher.headers)
    (group,) = dz.json["parts"]["df"]["wrong_answers"]  # cos(3x^2), cos(4x^2)...: one mistake
    assert group["count"] == len(names) and group["draws"] == len(set(ks.values()))
    assert group["form"] == "cos(k*x^2)"
    assert group["answer"] in {f"cos({k}x^2)" for k in ks.values()}
    assert group["diagnosis"] == "chain" and "2" in group["feedback"]


def test_analytics_joins_an_unknown_mistake_written_the_same_way_in_the_params(world, client):
    from tests.helpers import forgotten_inner_derivatives

    # half the derivative, k x cos(k x^2) with each student's k: no rule explains it, but
    # the students' answers share one reading in the params
    names = ["q1", "q2", "q3", "q4", "q5"]
    aid, ks = forgotten_inner_derivatives(world, names, typed="{k}x cos({k}x^2)")
    assert len(set(ks.values())) >= 2
    dz = client.get(f"/api/v1/assignments/{aid}/analytics", headers=world.teacher.headers)
    (group,) = dz.json["parts"]["df"]["wrong_answers"]
    assert group["count"] == len(names) and group["form"] == "k*x*cos(k*x^2)"
    assert group["draws"] == len(set(ks.values()))

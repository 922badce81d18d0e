"""The assignment editor's question list without JavaScript (#24): search the library, add an
exercise or a pool of several, reorder with Up/Down, points and attempts per question, and the
refusals after submissions shown with their reason."""

from __future__ import annotations

import pytest

from grader.services import exercises
from grader.services.assignments import assignment as assignments
from tests.api.test_questions import POWERS, power_yaml


@pytest.fixture
def homework(web):
    for slug, n in POWERS.items():
        exercises.upload(web.svc, web.teacher.actor, power_yaml(slug, n))
    spec = {"title": "Week 6", "questions": [{"exercise_id": "pow-two"}]}
    return assignments.create_assignment(web.svc, web.teacher.actor, web.course_id, spec)["id"]


def _ids(web, assignment_id):
    info = assignments.settings(web.svc, web.teacher.actor, assignment_id)
    return info["questions"]


def _form(web, assignment_id, **typed):
    """The question list as the page posts it back (one row per question or pool)."""
    data: dict = {"qid": []}
    seen = set()
    for q in _ids(web, assignment_id):
        if "pool" in q and q["group"] in seen:
            continue
        seen.add(q.get("group"))
        data["qid"].append(str(q["id"]))
    data.update(typed)
    return data


def test_an_instructor_searches_adds_a_pool_reorders_and_sets_points(
    pages, web, homework, page_text
):
    pages.sign_in(web.teacher)
    url = f"/teach/assignments/{homework}/questions"
    searched = page_text(pages.get(url + "?q=pow-t"))
    assert "pow-three" in searched and "pow-four" not in searched.split("Add a question")[1]
    single = pages.post(url, {**_form(web, homework), "pick": ["pow-three"], "action": "add"})
    assert single.status_code == 303 and single.headers["Location"].endswith("#questions-h")
    pool = pages.post(
        url,
        {
            **_form(web, homework),
            "pick": ["pow-four", "pow-five"],
            "choose": "1",
            "new_points": "4",
            "action": "add",
        },
    )
    assert pool.status_code == 303
    rows = _ids(web, homework)
    assert [q.get("exercise_id") or "pool" for q in rows] == ["pow-two", "pow-three", "pool"]
    assert rows[2]["points"] == 4.0 and [e["exercise_id"] for e in rows[2]["pool"]] == [
        "pow-four",
        "pow-five",
    ]
    third = str(rows[1]["id"])
    moved = pages.post(url, {**_form(web, homework), "action": f"up:{third}"})
    assert moved.status_code == 303
    assert [q.get("exercise_id") for q in _ids(web, homework)][:2] == ["pow-three", "pow-two"]
    first = str(rows[0]["id"])
    typed = {
        f"points-{first}": "2,5",
        f"attempts-{first}": "3",
        f"variants-{first}": "new_each_attempt",
    }
    assert pages.post(url, {**_form(web, homework), **typed, "action": "save"}).status_code == 303
    changed = next(q for q in _ids(web, homework) if str(q["id"]) == first)
    assert (changed["points"], changed["max_attempts"], changed["variants"]) == (
        2.5,
        3,
        "new_each_attempt",
    )
    shown = page_text(pages.get(url + "?done=save"))
    assert "The questions were saved." in shown and "3 question(s), 7.5 points." in shown


def test_refusals_after_submissions_are_shown_with_the_reason(pages, web, homework, page_text):
    from grader.services.grading import submissions

    pages.sign_in(web.teacher)
    url = f"/teach/assignments/{homework}/questions"
    pages.post(url, {**_form(web, homework), "pick": ["pow-three"], "action": "add"})
    first = _ids(web, homework)[0]
    submissions.submit(web.svc, web.student.actor, homework, {"dy": "x"}, question_id=first["id"])
    refused = pages.post(url, {**_form(web, homework), "action": f"remove:{first['id']}"})
    assert refused.status_code == 409
    text = page_text(refused)
    assert "Not saved:" in text and "pow-two" in text and "has submissions and stays" in text
    assert len(_ids(web, homework)) == 2  # nothing removed
    wrong = pages.post(url, {**_form(web, homework), f"points-{first['id']}": "lots"})
    assert wrong.status_code == 422 and "“lots” is not a number" in page_text(wrong)
    nothing = pages.post(url, {**_form(web, homework), "action": "add"})
    assert nothing.status_code == 422 and "tick one exercise" in page_text(nothing)
    # the question nobody answered still goes
    second = _ids(web, homework)[1]["id"]
    assert (
        pages.post(url, {**_form(web, homework), "action": f"remove:{second}"}).status_code == 303
    )
    assert len(_ids(web, homework)) == 1


def test_only_the_courses_instructors_edit_questions(pages, web, homework):
    pages.sign_in(web.student)
    url = f"/teach/assignments/{homework}/questions"
    assert pages.get(url).status_code == 403
    assert pages.post(url, {"qid": ["1"], "action": "save"}).status_code == 403


def test_a_students_record_gives_extra_attempts_at_one_question(pages, web, homework, page_text):
    pages.sign_in(web.teacher)
    url = f"/teach/assignments/{homework}/questions"
    pages.post(url, {**_form(web, homework), "pick": ["pow-three"], "action": "add"})
    first, second = (q["id"] for q in _ids(web, homework))
    record = f"/teach/assignments/{homework}/students/stu"
    shown = page_text(pages.get(record))
    assert "Question 2 (Power 3): extra attempts" in shown
    given = pages.post(record + "/question-attempts", {f"qa-{first}": "", f"qa-{second}": "3"})
    assert given.status_code == 303 and given.headers["Location"].endswith("#qa-h")
    view = assignments.view(web.svc, web.student.actor, homework)["questions"]
    limits = {q["id"]: q["attempts_left"] for q in view}
    assert limits == {first: None, second: None}  # no limit stays no limit
    assignments.update_assignment(web.svc, web.teacher.actor, homework, {"max_attempts": 1})
    view = assignments.view(web.svc, web.student.actor, homework)["questions"]
    assert {q["id"]: q["attempts_left"] for q in view} == {first: 1, second: 4}
    assert 'value="3"' in pages.get(record).get_data(as_text=True)
    wrong = pages.post(record + "/question-attempts", {f"qa-{second}": "two"})
    assert wrong.status_code == 422 and "“two” is not a whole number" in page_text(wrong)


def test_a_students_record_sets_and_takes_back_a_score_at_one_question(
    pages, web, homework, page_text
):
    pages.sign_in(web.teacher)
    url = f"/teach/assignments/{homework}/questions"
    pages.post(url, {**_form(web, homework), "pick": ["pow-three"], "action": "add"})
    second = _ids(web, homework)[1]["id"]
    record = f"/teach/assignments/{homework}/students/stu"
    given = {"question_id": str(second), "score": "0,5", "reason": "answered on paper"}
    done = pages.post(record + "/question-override", given)
    assert done.status_code == 303 and done.headers["Location"].endswith("#qo-h")
    assert "Question 2: 0.5 / 1, set by you" in page_text(pages.get(record))
    assert assignments.view(web.svc, web.student.actor, homework)["score"] == 0.5
    no_reason = pages.post(record + "/question-override", {**given, "reason": ""})
    assert no_reason.status_code == 422
    back = pages.post(record + "/question-override", {**given, "score": ""})
    assert back.status_code == 303
    assert "set by you" not in page_text(pages.get(record))
    assert assignments.view(web.svc, web.student.actor, homework)["score"] is None


def test_one_question_moves_to_a_new_version_from_the_editor(pages, web, homework, page_text):
    from grader.services.grading import submissions

    pages.sign_in(web.teacher)
    url = f"/teach/assignments/{homework}/questions"
    pages.post(url, {**_form(web, homework), "pick": ["pow-three"], "action": "add"})
    first = _ids(web, homework)[0]["id"]
    submissions.submit(web.svc, web.student.actor, homework, {"dy": "x"}, question_id=first)
    text = power_yaml("pow-two", 2).replace("title: Power 2", "title: Power two")
    assert exercises.upload(web.svc, web.teacher.actor, text)["version"] == 2
    assert "Q1 version" in page_text(pages.get(url))
    moved = pages.post(url, {**_form(web, homework), f"version-{first}": "pow-two:2"})
    assert moved.status_code == 303 and "regraded=1" in moved.headers["Location"]
    shown = page_text(pages.get(moved.headers["Location"]))
    assert "1 submission(s) are being graded again on the new version." in shown
    assert _ids(web, homework)[0]["version"] == 2
    assert _ids(web, homework)[1]["version"] == 1  # the other question stays

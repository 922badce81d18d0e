"""Practice pages without a browser: the next exercise and its reason, feedback with the
mastery it moved and the worked solution, the student's skills, the instructor's grid."""

from __future__ import annotations

import re

from grader.engine.generate import builtin_templates, generate
from grader.services.gradebook.scores import gradebook
from tests.web.conftest import text_of


def _item_id(response) -> int:
    found = re.search(r"/practice/items/(\d+)/answer", response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:500]
    return int(found.group(1))


def _drawn(world, item_id):
    from grader.db.practice import PracticeItem

    with world.svc.db.read() as session:
        row = session.get(PracticeItem, item_id)
        return generate(builtin_templates()[row.template], row.seed)


def test_a_student_opens_practice_from_the_course_and_sees_why(pages):
    pages.sign_in(pages.world.student)
    course = pages.get(f"/courses/{pages.world.course_id}")
    assert f"/courses/{pages.world.course_id}/practice" in course.get_data(as_text=True)
    page = pages.get(f"/courses/{pages.world.course_id}/practice")
    assert page.status_code == 200
    assert "Why this exercise:" in text_of(page)
    assert "Power rule" in text_of(page)  # a new student starts at the bottom of the map


def test_a_classic_mistake_gets_its_diagnosis_mastery_and_the_worked_solution(pages):
    world = pages.world
    pages.sign_in(world.student)
    page = pages.get(f"/courses/{world.course_id}/practice?skill=chain")
    item_id = _item_id(page)
    mistake = _drawn(world, item_id).mistakes["df"]
    done = pages.post(
        f"/practice/items/{item_id}/answer", {"answer-df-0": mistake, "skill": "chain"}
    )
    assert done.status_code == 200
    text = text_of(done)
    assert "forgot to multiply by the derivative" in text
    assert "Chain rule : attempted" in text or "Chain rule: attempted" in text.replace(" :", ":")
    assert f"/practice/items/{item_id}/solution/df.svg" in done.get_data(as_text=True)
    svg = pages.get(f"/practice/items/{item_id}/solution/df.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    following = pages.get(f"/courses/{world.course_id}/practice?skill=chain")
    assert "You forgot the inner derivative (1× recently)" in text_of(following)


def test_an_unreadable_answer_comes_back_with_the_error_and_counts_nothing(pages):
    world = pages.world
    pages.sign_in(world.student)
    item_id = _item_id(pages.get(f"/courses/{world.course_id}/practice?skill=trig"))
    refused = pages.post(f"/practice/items/{item_id}/answer", {"answer-df-0": "cos(2x"})
    assert refused.status_code == 422
    assert _item_id(pages.get(f"/courses/{world.course_id}/practice?skill=trig")) == item_id


def test_the_preview_reads_an_answer(pages):
    world = pages.world
    pages.sign_in(world.student)
    item_id = _item_id(pages.get(f"/courses/{world.course_id}/practice"))
    shown = pages.client.post(
        f"/practice/items/{item_id}/preview",
        json={"expression": "12x^3", "part": "df"},
        headers={"X-CSRF-Token": pages.csrf()},
    )
    assert shown.status_code == 200 and shown.json["ok"] and "<math" in shown.json["mathml"]


def test_a_student_sees_their_skills_and_the_instructor_the_grid(pages):
    world = pages.world
    pages.sign_in(world.student)
    item_id = _item_id(pages.get(f"/courses/{world.course_id}/practice?skill=power"))
    right = _drawn(world, item_id).answers["df"]
    pages.post(f"/practice/items/{item_id}/answer", {"answer-df-0": right})
    mine = text_of(pages.get(f"/courses/{world.course_id}/mastery"))
    assert "Your skills" in mine and "Power rule" in mine
    pages.post("/logout")
    pages.sign_in(world.teacher)
    grid = pages.get(f"/teach/courses/{world.course_id}/skills")
    assert grid.status_code == 200
    text = text_of(grid)
    assert "Skills × students" in text and "stu" in text and "Most frequent misconceptions" in text
    assert f"/teach/courses/{world.course_id}/skills" in pages.get(
        f"/teach/courses/{world.course_id}"
    ).get_data(as_text=True)


def test_an_outsider_cannot_open_practice(pages):
    pages.sign_in(pages.world.outsider)
    assert pages.get(f"/courses/{pages.world.course_id}/practice").status_code == 403


def test_a_practice_assignment_page_shows_the_goal_and_the_progress(pages):
    from grader.services.assignments import assignment as assignments

    world = pages.world
    made = assignments.create_assignment(
        world.svc,
        world.teacher.actor,
        world.course_id,
        {"kind": "practice", "target_skills": ["power", "chain"], "target_level": "familiar"},
    )
    pages.sign_in(world.student)
    course = text_of(pages.get(f"/courses/{world.course_id}"))
    assert "Practice: Power rule, Chain rule" in course
    assert "practice: one point per skill reached" in course
    page = pages.get(f"/assignments/{made['id']}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Reach familiar in each skill" in text and "Your score so far: 0 / 2" in text
    assert f"/courses/{world.course_id}/practice?skill=chain" in page.get_data(as_text=True)


def test_the_instructors_pages_list_a_practice_assignment(pages):
    from grader.services.assignments import assignment as assignments

    world = pages.world
    made = assignments.create_assignment(
        world.svc, world.teacher.actor, world.course_id,
        {"kind": "practice", "target_skills": ["chain"], "title": "Chain by Friday"},
    )  # fmt: skip
    pages.sign_in(world.teacher)
    for url in (
        f"/teach/courses/{world.course_id}",
        f"/teach/courses/{world.course_id}/gradebook",
        f"/courses/{world.course_id}",
        f"/assignments/{made['id']}",
        f"/assignments/{made['id']}/submissions",
    ):
        page = pages.get(url)
        assert page.status_code == 200, url
        assert "Chain by Friday" in text_of(page), url


def test_an_instructor_makes_practice_count_from_the_skills_page(pages):
    world = pages.world
    pages.sign_in(world.teacher)
    done = pages.post(
        f"/teach/courses/{world.course_id}/practice-assignments",
        {
            "title": "Chain by Friday",
            "target_skills": "chain",
            "target_level": "proficient",
            "due_at": "2030-03-08T17:00",
        },
    )
    assert done.status_code == 303, text_of(done)[:300]
    assert "Chain by Friday" in text_of(pages.get(f"/teach/courses/{world.course_id}"))
    refused = pages.post(f"/teach/courses/{world.course_id}/practice-assignments", {"title": "x"})
    assert refused.status_code == 422 and "target_skills" in text_of(refused)


def test_an_instructor_makes_a_practice_assignment_on_the_assignment_form(pages):
    world = pages.world
    pages.sign_in(world.teacher)
    url = f"/teach/courses/{world.course_id}/assignments/new"
    form = text_of(pages.get(url))
    assert "practice (skills to reach)" in form and "Chain rule" in form
    refused = pages.post(url, {"kind": "practice", "title": "Chain", "target_level": "mastered"})
    assert refused.status_code == 422 and "target_skills" in text_of(refused)
    html = refused.get_data(as_text=True)
    assert re.search(r'<option value="mastered" selected>', html)  # what was chosen is kept
    assert re.search(r'<option value="practice" selected>', html)
    done = pages.post(
        url,
        {
            "kind": "practice",
            "title": "Chain and product by Friday",
            "target_skills": ["chain", "product"],
            "target_level": "familiar",
            "due_at": "2030-03-08T17:00",
            "exercise_id": "",
        },
    )
    assert done.status_code == 303, text_of(done)[:300]
    book = gradebook(world.svc, world.teacher.actor, world.course_id)
    (made,) = [a for a in book["assignments"] if a["title"] == "Chain and product by Friday"]
    assert made["kind"] == "practice" and made["target_skills"] == ["chain", "product"]
    assert made["target_level"] == "familiar" and made["max_score"] == 2
    homework = pages.post(url, {"kind": "homework", "title": "No exercise"})
    assert homework.status_code == 422 and "choose an exercise" in text_of(homework)

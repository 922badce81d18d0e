"""Steps and hints on the pages without JavaScript (#26): the help buttons post the answers
form, so what was typed is kept; the steps open in place; the feedback shows the steps and
the penalty; the instructor's analytics count the help taken."""

from __future__ import annotations

import re

from grader.services.assignments import assignment as assignments
from grader.services.exercises import library as exercises
from tests.web.browser.test_steps_flow import HINTED


def _tutorial(web) -> int:
    exercises.upload(web.svc, web.teacher.actor, HINTED)
    created = assignments.create_assignment(
        web.svc, web.teacher.actor, web.course_id, {"exercise_id": "tutorial-chain"}
    )
    return created["id"]


def _help_url(aid: int, qid: int, kind: str, part: str = "dz-at-10") -> str:
    return f"/assignments/{aid}/questions/{qid}/help/{kind}/{part}"


def test_the_help_buttons_keep_what_was_typed_and_open_the_steps_in_place(pages, web, page_text):
    aid = _tutorial(web)
    pages.sign_in(web.student)
    page = pages.get(f"/assignments/{aid}").get_data(as_text=True)
    assert "Break it into steps: −20%" in page and "Show hint 1: −10%" in page
    qid = int(re.search(r"/questions/(\d+)/help/steps/dz-at-10", page).group(1))
    typed = {"answer-dz-formula-0": "20x"}
    opened = pages.post(_help_url(aid, qid, "steps"), typed)
    assert opened.status_code == 200
    html = opened.get_data(as_text=True)
    assert 'name="answer-dz-at-10.1-0"' in html and 'name="answer-dz-at-10.2-0"' in html
    assert 'value="20x"' in html  # kept through the help
    hinted = pages.post(_help_url(aid, qid, "hints"), typed)
    assert "Differentiate" in page_text(hinted) and "Show hint 2: −30%" in page_text(hinted)
    assert pages.post(_help_url(aid, qid, "other"), typed).status_code == 404
    answers = {"answer-dz-at-10-0": "220", "answer-dz-at-10.1-0": "44", **typed}
    sent = pages.submit(answers, aid)
    assert sent.status_code == 303
    feedback = page_text(pages.get(sent.headers["Location"]))
    assert "Correct given your" in feedback and "see step 1" in feedback
    assert "Help taken (hints: 1, steps: yes): −30% of this part's points." in feedback


def test_the_analytics_page_counts_the_help_students_took(pages, web, page_text):
    aid = _tutorial(web)
    pages.sign_in(web.student)
    page = pages.get(f"/assignments/{aid}").get_data(as_text=True)
    qid = int(re.search(r"/questions/(\d+)/help/steps/dz-at-10", page).group(1))
    pages.post(_help_url(aid, qid, "steps"))
    pages.post(_help_url(aid, qid, "hints"))
    pages.post(_help_url(aid, qid, "hints"))
    pages.submit({"answer-dz-at-10-0": "200"}, aid)
    pages.sign_in(web.teacher)
    text = page_text(pages.get(f"/teach/assignments/{aid}/analytics"))
    assert "Help taken: 1 student(s) opened the steps; 1 revealed hints (2 in all)." in text


def test_the_authors_preview_lists_each_parts_steps_and_what_it_builds_on(pages, web, page_text):
    _tutorial(web)
    pages.sign_in(web.teacher)
    text = page_text(pages.get("/teach/exercises/tutorial-chain/preview?seed=1"))
    assert "Steps (from the graph): dy/dx, dz/dy. Builds on (inferred): nothing. Hints: 2." in text

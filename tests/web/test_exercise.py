"""The exercise page, live preview, submitting, feedback, plots and history."""

from __future__ import annotations

import re
from datetime import timedelta

from grader.db.models import Assignment, Submission, utcnow
from grader.services.assignments import assignment as assignments
from grader.services.courses import course as courses
from grader.services.exercises import library as exercises

WRONG = {"answer-dz-at-10-0": "200", "answer-dz-0": "4x", "answer-grad-0": "20x"}
WRONG_AGAIN = {**WRONG, "answer-dz-0": "5x"}  # another wrong answer (the same uses no attempt)
TWO_VARS = """\
id: web-two-vars
title: Two variables
statement: |
  Let $f = x^2 y$. <script>alert(1)</script> **Careful** with [links](javascript:alert(1)).
variables:
  x: [1, 3]
  y: [1, 3]
define:
  f: x^2*y
parts:
  - id: grad
    kind: gradient
    of: f
    wrt: [x, y]
"""


def _assignment(web, **spec) -> int:
    spec = {"exercise_id": "chain-rule-intro", **spec}
    return assignments.create_assignment(web.svc, web.teacher.actor, web.course_id, spec)["id"]


def _attempts(web) -> int:
    with web.svc.db.read() as session:
        return session.query(Submission).count()


def _set(web, assignment_id: int, **values) -> None:
    with web.svc.db.write() as session:
        row = session.get(Assignment, assignment_id)
        for key, value in values.items():
            setattr(row, key, value)


def test_exercise_page_shows_the_statement_with_my_params_and_labelled_inputs(pages, web):
    pages.sign_in(web.student)
    html = pages.get(f"/assignments/{web.assignment_id}").get_data(as_text=True)
    assert assignments.settings(web.svc, web.student.actor, web.assignment_id)["title"] in html
    k = assignments.view(web.svc, web.student.actor, web.assignment_id)["params"]["k"]
    assert f"<mn>{k}</mn>" in html  # the statement's math is MathML with the student's k
    for name in ("answer-dz-at-10-0", "answer-dz-0", "answer-grad-0"):
        assert f'<label for="{name}">' in html and f'id="{name}"' in html
    assert '<script src="/assets/preview.js" defer></script>' in html


def test_statement_markdown_is_sanitised(pages, web):
    exercises.upload(web.svc, web.teacher.actor, TWO_VARS)
    aid = _assignment(web, exercise_id="web-two-vars")
    pages.sign_in(web.student)
    html = pages.get(f"/assignments/{aid}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "<strong>Careful</strong>" in html
    assert 'for="answer-grad-0"' in html and 'for="answer-grad-1"' in html  # one per component


def test_preview_returns_mathml_for_a_readable_answer(pages, web):
    pages.sign_in(web.student)
    url = f"/assignments/{web.assignment_id}/preview"
    headers = {"X-CSRF-Token": pages.csrf()}
    response = pages.client.post(url, json={"expression": "20x", "part": "dz"}, headers=headers)
    assert response.status_code == 200 and response.json["ok"] is True
    assert response.json["mathml"].startswith("<math") and "<mn>20</mn>" in response.json["mathml"]


def test_preview_shows_the_parse_error_with_a_caret(pages, web):
    pages.sign_in(web.student)
    url = f"/assignments/{web.assignment_id}/preview"
    headers = {"X-CSRF-Token": pages.csrf()}
    response = pages.client.post(url, json={"expression": "4x+", "part": "dz"}, headers=headers)
    assert response.status_code == 422 and response.json["ok"] is False
    assert response.json["column"] == 4 and response.json["caret"].endswith("^")
    assert _attempts(web) == 0


def test_preview_with_a_body_of_the_wrong_shape_is_422_not_500(pages, web):
    pages.sign_in(web.student)
    url = f"/assignments/{web.assignment_id}/preview"
    headers = {"X-CSRF-Token": pages.csrf()}
    for body in ([1, 2], "x", {"expression": "x", "part": ["dz"]}, {"expression": "x", "part": 3}):
        response = pages.client.post(url, json=body, headers=headers)
        assert response.status_code == 422, (body, response.status_code)
        assert response.json["ok"] is False and response.json["message"]


def test_preview_needs_the_csrf_header(pages, web):
    pages.sign_in(web.student)
    url = f"/assignments/{web.assignment_id}/preview"
    assert pages.client.post(url, json={"expression": "x"}).status_code == 400


def test_wrong_answer_redirects_to_feedback_with_diagnosis_and_plot(pages, web, page_text):
    pages.sign_in(web.student)
    response = pages.submit(WRONG)
    assert response.status_code == 303
    page = pages.get(response.headers["Location"])
    text = page_text(page)
    assert "Score: 2 / 3" in text and "Attempts left: 4" in text
    assert "multiply by" in text and "(chain rule)" in text  # the diagnosis in plain words
    plots = re.findall(r'src="(/submissions/\d+/plots/[^"]+\.svg)"', page.get_data(as_text=True))
    assert plots == [response.headers["Location"] + "/plots/dz/0.svg"]
    svg = pages.get(plots[0])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert "<svg" in body and "your answer" in body and "correct dz/dx" in body
    assert "differs here" in body
    assert "Your dz/dx (solid)" in text
    pages.sign_in(web.teacher)  # the instructor reads the student's, not "your", derivative
    staff = page_text(pages.get(response.headers["Location"]))
    assert "stu’s dz/dx (solid)" in staff and "Your dz/dx" not in staff
    assert 'alt="Plot of stu’s dz/dx against the correct one: stu’s answer is' in (
        pages.get(response.headers["Location"]).get_data(as_text=True)
    )


def test_syntax_error_shows_the_caret_and_uses_no_attempt(pages, web, page_text):
    pages.sign_in(web.student)
    response = pages.submit({**WRONG, "answer-dz-0": "4x+"})
    assert response.status_code == 422
    text = page_text(response)
    assert "no attempt was used" in text and "4x+ ^" in text
    assert 'value="4x+"' in response.get_data(as_text=True)  # what was typed is kept
    assert _attempts(web) == 0


def test_blank_form_submits_nothing(pages, web):
    pages.sign_in(web.student)
    assert pages.submit({}).status_code == 422
    assert _attempts(web) == 0


def test_double_submit_with_the_same_form_uses_one_attempt(pages, web):
    pages.sign_in(web.student)
    first = pages.submit({**WRONG, "attempt_key": "abc"})
    second = pages.submit({**WRONG, "attempt_key": "abc"})
    assert first.headers["Location"] == second.headers["Location"]
    assert _attempts(web) == 1


def test_no_attempts_left_is_refused(pages, web, page_text):
    aid = _assignment(web, max_attempts=1)
    pages.sign_in(web.student)
    assert pages.submit(WRONG, aid).status_code == 303
    response = pages.submit(WRONG_AGAIN, aid)
    assert response.status_code == 409 and "attempts are used" in page_text(response)


def test_closed_assignment_shows_a_notice_and_takes_no_answers(pages, web, page_text):
    aid = _assignment(web)
    _set(web, aid, due_at=utcnow() - timedelta(days=1))
    pages.sign_in(web.student)
    page = pages.get(f"/assignments/{aid}")
    assert page.status_code == 200 and "takes no late work" in page_text(page)
    html = page.get_data(as_text=True)
    assert html.count(" disabled") == 4  # three inputs and Submit, described by the reason
    assert 'aria-describedby="closed-reason"' in html
    refused = pages.submit(WRONG, aid)
    assert refused.status_code == 403 and "takes no late work" in page_text(refused)
    assert _attempts(web) == 0


def test_assignment_not_yet_open_says_when_it_opens(pages, web, page_text):
    aid = _assignment(web)
    _set(web, aid, opens_at=utcnow() + timedelta(days=1))
    pages.sign_in(web.student)
    page = pages.get(f"/assignments/{aid}")
    assert page.status_code == 403 and "not open yet" in page_text(page)


def test_late_submission_is_marked_late_with_its_penalty(pages, web, page_text):
    aid = _assignment(web)
    _set(web, aid, due_at=utcnow() - timedelta(hours=1), late_penalty=0.5)
    pages.sign_in(web.student)
    response = pages.submit(WRONG, aid)
    text = page_text(pages.get(response.headers["Location"]))
    assert "Score: 1 / 3" in text and "late: −50%" in text
    assert "1 late" in page_text(pages.get("/"))


def test_outsider_cannot_open_the_assignment(pages, web):
    pages.sign_in(web.outsider)
    assert pages.get(f"/assignments/{web.assignment_id}").status_code == 403
    assert pages.submit(WRONG).status_code == 403


def test_someone_elses_submission_and_plot_are_not_found(pages, web):
    courses.add_member(web.svc, web.teacher.actor, web.course_id, "olga", "student")
    pages.sign_in(web.student)
    location = pages.submit(WRONG).headers["Location"]
    pages.post("/logout")
    pages.sign_in(web.outsider)
    assert pages.get(location).status_code == 404  # like an id that does not exist
    assert pages.get(location + "/plots/dz/0.svg").status_code == 404
    assert pages.get("/submissions/9999").status_code == 404


def test_history_lists_my_submissions_with_feedback(pages, web, page_text):
    pages.sign_in(web.student)
    pages.submit(WRONG)
    pages.submit({**WRONG, "answer-dz-0": "20x"})
    text = page_text(pages.get(f"/assignments/{web.assignment_id}/submissions"))
    assert "Attempt 2" in text and "Attempt 1" in text
    assert "multiply by" in text and "(chain rule)" in text and "3 / 3" in text


def test_instructor_sees_everyones_submissions_and_filters_by_student(pages, web, page_text):
    pages.sign_in(web.student)
    pages.submit(WRONG)
    pages.post("/logout")
    pages.sign_in(web.teacher)
    url = f"/assignments/{web.assignment_id}/submissions"
    assert "by stu" in page_text(pages.get(url))
    assert "No submissions yet." in page_text(pages.get(url, query_string={"student": "olga"}))
    home = page_text(pages.get("/"))
    assert "Calculus" in home and "submissions" in home


def test_hidden_answers_plot_only_the_students_function(pages, web):
    pages.sign_in(web.teacher)
    url = f"/assignments/{web.assignment_id}/settings"
    assert pages.post(url, {"show_answers": "after_due"}).status_code == 303
    assert 'value="after_due" selected' in pages.get(
        f"/assignments/{web.assignment_id}/submissions"
    ).get_data(as_text=True)
    _set(web, web.assignment_id, due_at=utcnow() + timedelta(days=1))
    pages.post("/logout")
    pages.sign_in(web.student)
    location = pages.submit(WRONG).headers["Location"]
    assert "the correct answer is shown after the due date" in pages.get(location).get_data(
        as_text=True
    )
    body = pages.get(location + "/plots/dz/0.svg").get_data(as_text=True)
    assert "your answer" in body and "differs here" in body and "correct dz/dx" not in body


def test_answers_shown_after_the_last_attempt_appear_once_attempts_run_out(pages, web):
    _set(web, web.assignment_id, show_answers="after_last_attempt", max_attempts=2)
    pages.sign_in(web.student)
    first = pages.submit(WRONG).headers["Location"]
    assert "shown once you have no attempts left" in pages.get(first).get_data(as_text=True)
    assert "correct dz/dx" not in pages.get(first + "/plots/dz/0.svg").get_data(as_text=True)
    pages.submit(WRONG_AGAIN)
    assert "correct dz/dx" in pages.get(first + "/plots/dz/0.svg").get_data(as_text=True)


def test_answers_never_shown_stay_hidden_after_the_due_date(pages, web):
    _set(web, web.assignment_id, show_answers="never", late_penalty=0.5)
    pages.sign_in(web.student)
    location = pages.submit(WRONG).headers["Location"]
    _set(web, web.assignment_id, due_at=utcnow() - timedelta(days=1))
    assert "not shown for this assignment" in pages.get(location).get_data(as_text=True)
    assert "correct dz/dx" not in pages.get(location + "/plots/dz/0.svg").get_data(as_text=True)


def test_an_unknown_answer_setting_is_refused_and_nothing_changes(pages, web):
    pages.sign_in(web.teacher)
    url = f"/assignments/{web.assignment_id}/settings"
    assert pages.post(url, {"show_answers": "sometimes"}).status_code == 422
    assert (
        assignments.settings(web.svc, web.teacher.actor, web.assignment_id)["show_answers"]
        == "always"
    )


def test_students_cannot_change_settings(pages, web):
    pages.sign_in(web.student)
    url = f"/assignments/{web.assignment_id}/settings"
    assert pages.post(url, {"show_answers": "always"}).status_code == 403


def test_blank_parts_are_asked_about_without_javascript_and_use_no_attempt(pages, web, page_text):
    pages.sign_in(web.student)
    asked = pages.submit({"answer-dz-at-10-0": "200"}, confirm=False)
    assert asked.status_code == 200 and _attempts(web) == 0
    text = page_text(asked)
    assert "2 parts are blank (Part 2, Part 3) — submit anyway?" in text
    html = asked.get_data(as_text=True)
    assert 'name="confirm_blank" value="1"' in html
    assert 'value="200"' in html  # what was typed stays
    assert re.search(r'id="answer-dz-0"[^>]*autofocus', html)  # the first blank box
    one = pages.submit({"answer-dz-at-10-0": "200", "answer-dz-0": "20x"}, confirm=False)
    assert "1 part is blank (Part 3)" in page_text(one) and _attempts(web) == 0
    sent = pages.submit({"answer-dz-at-10-0": "200"})
    assert sent.status_code == 303 and _attempts(web) == 1
    feedback = page_text(pages.get(sent.headers["Location"]))
    assert "Score: 1 / 3" in feedback


def test_the_exercise_page_comes_back_with_the_last_answers_right_parts_marked(pages, web):
    pages.sign_in(web.student)
    pages.submit(WRONG)
    html = pages.get(f"/assignments/{web.assignment_id}").get_data(as_text=True)
    for name, value in WRONG.items():
        assert re.search(rf'id="{name}" name="{name}" value="{re.escape(value)}"', html)
    assert html.count("✓ right last time") == 2  # dz-at-10 and grad; dz was wrong


def test_no_attempts_left_disables_the_form_and_drops_try_again(pages, web, page_text):
    _set(web, web.assignment_id, max_attempts=1)
    pages.sign_in(web.student)
    feedback = pages.get(pages.submit(WRONG).headers["Location"])
    assert "Try again" not in page_text(feedback) and "No attempts left" in page_text(feedback)
    page = pages.get(f"/assignments/{web.assignment_id}")
    assert "You have used all 1 attempt" in page_text(page)
    html = page.get_data(as_text=True)
    assert html.count(" disabled") == 4 and "autofocus" not in html
    assert pages.submit(WRONG_AGAIN).status_code == 409 and _attempts(web) == 1


def test_a_refused_submission_focuses_the_first_unreadable_answer(pages, web):
    pages.sign_in(web.student)
    refused = pages.submit({"answer-dz-at-10-0": "200", "answer-dz-0": "4x+", "answer-grad-0": "("})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and html.count("autofocus") == 1
    assert re.search(r'id="answer-dz-0"[^>]*autofocus', html)


def test_feedback_after_a_hard_due_date_offers_no_try_again(pages, web, page_text):
    pages.sign_in(web.student)
    location = pages.submit(WRONG).headers["Location"]
    _set(web, web.assignment_id, due_at=utcnow() - timedelta(minutes=1))
    text = page_text(pages.get(location))
    assert "The assignment is closed." in text and "Try again" not in text
    _set(web, web.assignment_id, late_penalty=0.2)  # late work taken: still open
    assert "Try again" in page_text(pages.get(location))


def test_submitting_the_same_answers_again_shows_that_attempt_and_uses_none(pages, web, page_text):
    pages.sign_in(web.student)
    first = pages.submit(WRONG).headers["Location"]
    again = pages.submit({**WRONG, "answer-dz-0": " 4x "})
    assert again.status_code == 303 and again.headers["Location"] == first
    text = page_text(pages.get(first))
    assert "These are the same answers as attempt 1: its result is shown again" in text
    assert "no attempt was used" in text and _attempts(web) == 1
    assert "same answers" not in page_text(pages.get(first))  # said once


def test_full_marks_offer_no_try_again_and_staff_read_the_students_answer(pages, web, page_text):
    pages.sign_in(web.student)
    right = {"answer-dz-at-10-0": "200", "answer-dz-0": "20x", "answer-grad-0": "20x"}
    location = pages.submit(right).headers["Location"]
    text = page_text(pages.get(location))
    assert "Full marks." in text and "Try again" not in text and "Your answer" in text
    pages.sign_in(web.teacher)
    staff = page_text(pages.get(location))
    assert "stu’s answer" in staff and "Your answer" not in staff
    history = page_text(pages.get(f"/assignments/{web.assignment_id}/submissions"))
    assert "stu’s answer" in history and "Your answer" not in history

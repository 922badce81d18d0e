"""Feedback as students and instructors read it: math rendered, part labels, no raw ids."""

from __future__ import annotations

import re

from tests.web.conftest import assign


def _submit_mistake(pages, web) -> tuple[int, str]:
    """The product-rule exercise answered with an instructor-listed mistake; the feedback URL."""
    aid = assign(web, "product-rule-trig")
    pages.sign_in(web.student)
    response = pages.submit({"answer-df-0": "2x cos(x)", "answer-df-at-0-0": "0"}, aid)
    assert response.status_code == 303
    return aid, response.headers["Location"]


def _no_raw_math(html: str) -> None:
    body = html.split("<main", 1)[1]
    assert "$" not in re.sub(r"<[^>]+>", "", body), "feedback shows raw LaTeX"


def test_feedback_renders_instructor_math_as_mathml_on_every_page(pages, web):
    aid, url = _submit_mistake(pages, web)
    feedback = pages.get(url).get_data(as_text=True)
    assert "product is not the product of the derivatives" in feedback
    assert feedback.count("<math") >= 3  # (uv)' = u'v + uv', u = x^2, v = sin x
    _no_raw_math(feedback)
    history = pages.get(f"/assignments/{aid}/submissions").get_data(as_text=True)
    assert "product is not the product" in history and "<math" in history
    _no_raw_math(history)
    pages.sign_in(web.teacher)
    staff = pages.get(f"/assignments/{aid}/submissions").get_data(as_text=True)
    assert "product is not the product" in staff and "<math" in staff
    _no_raw_math(staff)


def test_history_pages_name_parts_by_their_label_not_their_id(pages, web, page_text):
    aid = assign(web, "sigmoid-neuron")
    pages.sign_in(web.student)
    answers = {f"answer-grad-{c}": "x" for c in range(3)}
    answers |= {f"answer-grad-at-point-{c}": "0.25" for c in range(3)}
    pages.submit(answers, aid)
    for person in (web.student, web.teacher):
        pages.sign_in(person)
        html = pages.get(f"/assignments/{aid}/submissions").get_data(as_text=True)
        text = page_text(pages.get(f"/assignments/{aid}/submissions"))
        assert "Part 1:" in text and "Part 2:" in text
        assert "grad-at-point" not in text and "“grad”" not in text
        assert html.count('<span class="prompt"><math') == 2  # ∇p and ∇p at (w, x, b)


def test_answer_visibility_wording_says_what_will_happen(pages, web, page_text):
    from datetime import timedelta

    from grader.db.models import Assignment, utcnow

    pages.sign_in(web.teacher)
    settings = f"/assignments/{web.assignment_id}/settings"
    saved = pages.post(settings, {"show_answers": "after_due"}, follow_redirects=True)
    notice = page_text(saved)
    assert "Saved. Students are told: the correct answer is not shown: " in notice
    assert "this assignment has no due date" in notice
    pages.sign_in(web.student)
    feedback = page_text(pages.get(pages.submit({"answer-dz-0": "4x"}).headers["Location"]))
    assert "no due date" in feedback and "shown after the due date" not in feedback

    with web.svc.db.write() as session:
        session.get(Assignment, web.assignment_id).due_at = utcnow() + timedelta(days=1)
    feedback = page_text(pages.get(pages.submit({"answer-dz-0": "4x"}).headers["Location"]))
    assert "The correct answer is shown after the due date (" in feedback
    pages.sign_in(web.teacher)
    again = page_text(pages.get(f"/assignments/{web.assignment_id}/submissions"))
    assert "Saved." not in again  # the confirmation is shown once


def test_reveal_wording_never_promises_what_cannot_happen():
    from datetime import datetime

    from grader.services.assignments.assignment import reveal_wording

    due = datetime(2026, 12, 1, 15, 0)
    assert reveal_wording("after_due", None, 5, None).endswith("has no due date")
    assert reveal_wording("after_due", due, 5, None) == (
        "the correct answer is shown after the due date (2026-12-01 15:00 UTC)"
    )
    assert reveal_wording("after_last_attempt", None, 3, None) == (
        "the correct answer is shown once you have no attempts left"
    )
    assert "closes (2026-12-01 15:00 UTC)" in reveal_wording("after_last_attempt", due, None, None)
    assert "not shown" in reveal_wording("after_last_attempt", None, None, None)
    assert "not shown" in reveal_wording("after_last_attempt", due, None, 0.2)  # late work taken
    assert reveal_wording("always", None, None, None) == "the correct answer is shown"
    assert "not shown" in reveal_wording("never", due, 3, None)

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

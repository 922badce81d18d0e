"""The exercise page for a code part: the code box with the starter, "Run the checks"
without JavaScript (no attempt used) and the feedback page's table of checks."""

from __future__ import annotations

import pytest

from tests.web.conftest import assign

GOOD = """import numpy as np
def linear_backward(dout, x, W, b):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
"""
FIELD = "answer-backward-0"


def test_the_page_shows_the_function_its_inputs_and_the_starter(pages, web, page_text):
    aid = assign(web, "code-linear-backward")
    pages.sign_in(web.student)
    response = pages.get(f"/assignments/{aid}")
    html = response.get_data(as_text=True)
    assert f'<textarea id="{FIELD}"' in html and "def linear_backward(dout, x, W, b):" in html
    text = page_text(response)
    assert "dout (N × 2), x (N × 3), W (3 × 2), b (2)" in text
    assert "N is the batch size, 1, 3, 4 in the checks" in text
    assert "Run the checks" in text and "Type formulas like" not in text


@pytest.mark.sandbox
def test_run_the_checks_without_javascript_uses_no_attempt(pages, web, page_text):
    aid = assign(web, "code-linear-backward", max_attempts=1)
    pages.sign_in(web.student)
    bad = GOOD.replace("x.T @ dout", "dout.T @ x")
    response = pages.post(f"/assignments/{aid}/submit", {FIELD: bad, "run_checks": "backward"})
    assert response.status_code == 200
    text = page_text(response)
    assert "dW has shape (2, 3); W has shape (3, 2)" in text
    assert "dout.T @ x" in response.get_data(as_text=True)  # the code stays in the box
    assert "Attempts: 0 used" in text


@pytest.mark.sandbox
def test_run_the_checks_json_for_the_page_script(pages, web):
    aid = assign(web, "code-linear-backward")
    pages.sign_in(web.student)
    crash = GOOD.replace("return", "raise ValueError('not yet')\n    return")
    response = pages.client.post(
        f"/assignments/{aid}/checks",
        json={"part": "backward", "code": crash},
        headers={"X-CSRF-Token": pages.csrf()},
    )
    assert response.status_code == 200
    assert response.json["ok"] is False
    assert "ValueError: not yet" in response.json["message"]
    assert "<table" in response.json["html"]


@pytest.mark.sandbox
def test_submitting_code_shows_feedback_and_the_checks_table(pages, web, page_text):
    aid = assign(web, "code-linear-backward")
    pages.sign_in(web.student)
    wrong = GOOD.replace("dout.sum(axis=0)", "dout")
    response = pages.post(f"/assignments/{aid}/submit", {FIELD: wrong})
    assert response.status_code == 303
    feedback = pages.get(response.headers["Location"])
    text = page_text(feedback)
    assert "db has one gradient per example" in text
    assert "2 of 3 points" in text
    html = feedback.get_data(as_text=True)
    assert '<pre class="code-answer">' in html and '<table class="checks"' in html


@pytest.mark.sandbox
def test_the_analytics_page_names_the_bug_of_wrong_code_not_the_code(pages, web, page_text):
    aid = assign(web, "code-linear-backward")
    pages.sign_in(web.student)
    transposed = GOOD.replace("x.T @ dout", "dout.T @ x")
    assert pages.post(f"/assignments/{aid}/submit", {FIELD: transposed}).status_code == 303
    pages.sign_in(web.teacher)
    page = pages.get(f"/teach/assignments/{aid}/analytics")
    html, text = page.get_data(as_text=True), page_text(page)
    assert "Transposed gradient" in text and "(transposed)" in text
    assert "<code>Transposed gradient</code>" not in html and "def linear_backward" not in html

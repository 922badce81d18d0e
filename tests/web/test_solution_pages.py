"""The worked solution on the feedback page: the graph, the chain rule, the mistake marked."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from grader.services import assignments

SVG = "{http://www.w3.org/2000/svg}"


def _submit(pages, answers) -> str:
    pages.sign_in(pages.world.student)
    response = pages.submit(answers)
    assert response.status_code == 303
    return response.headers["Location"]


def _settings(web, **changes):
    assignments.update_assignment(web.svc, web.teacher.actor, web.assignment_id, changes)


def test_feedback_shows_the_graph_and_marks_the_missed_factor(pages, web, page_text):
    url = _submit(pages, {"answer-dz-0": "4x", "answer-dz-at-10-0": "200"})
    response = pages.get(url)
    text = page_text(response)
    assert "Worked solution: the computation graph" in text
    assert "Where it went wrong: Your answer leaves out the factor ∂z/∂y" in text
    assert "∂z/∂y · ∂y/∂x = 5 · 4*x" in text
    assert "∂z/∂y · ∂y/∂x = 5 · 40 = 200" in text  # the value part, at x = 10
    sid = url.rsplit("/", 1)[1]
    html = response.get_data(as_text=True)
    assert f'src="/submissions/{sid}/solution/dz.svg"' in html
    assert f'src="/submissions/{sid}/solution/dz.svg?level=ops"' in html
    svg = pages.get(f"/submissions/{sid}/solution/dz.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.get_data(as_text=True))
    missed = [e for e in root.iter(f"{SVG}line") if "missed" in e.get("class")]
    assert [(e.get("data-from"), e.get("data-to")) for e in missed] == [("y", "z")]
    assert "Edge y to z: ∂z/∂y = 5." in root.find(f"{SVG}desc").text


def test_no_graph_before_the_answer_may_be_shown_unless_given_as_a_hint(pages, web, page_text):
    _settings(web, show_answers="never")
    url = _submit(pages, {"answer-dz-0": "4x"})
    sid = url.rsplit("/", 1)[1]
    assert "Worked solution" not in page_text(pages.get(url))
    assert pages.get(f"/submissions/{sid}/solution/dz.svg").status_code == 403
    _settings(web, solution_hint=True)
    text = page_text(pages.get(url))
    assert "Hint: how z is computed" in text and "Where it went wrong" not in text
    svg = pages.get(f"/submissions/{sid}/solution/dz-at-10.svg").get_data(as_text=True)
    assert "= 200" not in svg and "4*x" not in svg.split("</desc>", 1)[1]


def test_another_student_gets_no_graph(pages, web):
    url = _submit(pages, {"answer-dz-0": "4x"})
    sid = url.rsplit("/", 1)[1]
    pages.sign_in(web.outsider)
    assert pages.get(f"/submissions/{sid}/solution/dz.svg").status_code == 404


def test_the_instructor_turns_the_hint_on_from_the_submissions_page(pages, web):
    pages.sign_in(web.teacher)
    url = f"/assignments/{web.assignment_id}/submissions"
    assert 'name="solution_hint"' in pages.get(url).get_data(as_text=True)
    data = {"show_answers": "never", "solution_hint": "1"}
    assert pages.post(f"/assignments/{web.assignment_id}/settings", data).status_code == 303
    seen = assignments.settings(web.svc, web.teacher.actor, web.assignment_id)
    assert seen["show_answers"] == "never" and seen["solution_hint"] is True
    assert "checked" in pages.get(url).get_data(as_text=True).split('name="solution_hint"')[1][:40]
    pages.post(f"/assignments/{web.assignment_id}/settings", {"show_answers": "never"})
    assert (
        assignments.settings(web.svc, web.teacher.actor, web.assignment_id)["solution_hint"]
        is False
    )
